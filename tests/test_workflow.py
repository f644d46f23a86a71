"""The GitHub Pages workflow cannot run here; check what can be checked offline."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "docs.yml"


def _workflow():
    return yaml.safe_load(WORKFLOW.read_text())


def _readme_test_command() -> str:
    """The command the README gives for running every test (its `make test` line)."""
    from pytest_codeblocks import extract_from_file

    commands = [
        line.split("#", 1)[0].strip()
        for block in extract_from_file(ROOT / "README.md")
        if block.syntax == "sh"
        for line in block.code.splitlines()
        if "test" in line.split("#", 1)[0]
    ]
    assert len(commands) == 1, commands
    return commands[0]


def test_workflow_is_valid_yaml_with_least_permissions():
    wf = _workflow()
    assert wf["permissions"] == {}
    assert wf["jobs"]["build"]["permissions"] == {"contents": "read"}
    assert wf["jobs"]["test"]["permissions"] == {"contents": "read"}
    assert wf["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert "refs/heads/main" in wf["jobs"]["deploy"]["if"]


def test_deploy_needs_the_build_and_the_tests():
    assert sorted(_workflow()["jobs"]["deploy"]["needs"]) == ["build", "test"]


def test_test_job_runs_the_readme_test_command_in_ci_mode():
    command = _readme_test_command()
    assert command == "make test"
    wf = _workflow()
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as True
    assert set(triggers) >= {"push", "pull_request"}
    job = wf["jobs"]["test"]
    assert job["runs-on"] == "ubuntu-latest"
    assert str(job["env"]["CI"]).lower() == "true"  # missing frameworks or browser fail, not skip
    runs = [step.get("run", "") for step in job["steps"]]
    assert any(run.strip() == command for run in runs), runs
    assert any("chromium" in run for run in runs[: runs.index(command)]), "Chromium is installed before the tests"
    (setup,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    assert str(setup["with"]["python-version"]) == "3.11"
    assert setup["with"]["cache"] == "pip"
    assert "constraints.txt" in setup["with"]["cache-dependency-path"]


def test_every_action_is_pinned_to_a_commit():
    # Steps' `uses:` and a job's own (a reusable workflow), from the loaded YAML.
    jobs = _workflow()["jobs"].values()
    uses = [job["uses"] for job in jobs if "uses" in job]
    uses += [step["uses"] for job in jobs for step in job.get("steps", []) if "uses" in step]
    assert len(uses) == 6
    pins = {}
    for ref in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), ref
        action, sha = ref.split("@")
        assert pins.setdefault(action, sha) == sha, f"{action} is pinned to two commits"


def test_build_step_is_strict_and_uses_the_pins():
    text = WORKFLOW.read_text()
    assert "mkdocs build --strict" in text
    assert "-c constraints.txt" in text
