"""The GitHub Pages workflow cannot run here; check what can be checked offline."""

import re
from pathlib import Path

import yaml

WORKFLOW = Path(__file__).resolve().parents[1] / ".github" / "workflows" / "docs.yml"


def test_workflow_is_valid_yaml_with_least_permissions():
    wf = yaml.safe_load(WORKFLOW.read_text())
    assert wf["permissions"] == {}
    assert wf["jobs"]["build"]["permissions"] == {"contents": "read"}
    assert wf["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert wf["jobs"]["deploy"]["needs"] == "build"
    assert "refs/heads/main" in wf["jobs"]["deploy"]["if"]


def test_every_action_is_pinned_to_a_commit():
    uses = re.findall(r"uses:\s*(\S+)", WORKFLOW.read_text())
    assert len(uses) == 4
    for ref in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), ref


def test_build_step_is_strict_and_uses_the_pins():
    text = WORKFLOW.read_text()
    assert "mkdocs build --strict" in text
    assert "-c constraints.txt" in text
