"""Numbers in the prose that are about the project itself, checked against the project."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _collected(test_file: str) -> int:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", f"tests/{test_file}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return sum(1 for line in proc.stdout.splitlines() if "::" in line)


@pytest.mark.parametrize(
    ("framework", "test_file"),
    [("PyTorch", "test_parity_torch.py"), ("Keras", "test_parity_keras.py"), ("pandas", "test_parity_pandas.py")],
)
def test_parity_case_counts_on_the_frameworks_page(framework, test_file):
    text = " ".join((ROOT / "docs" / "frameworks.md").read_text().split())
    claimed = re.search(rf"(\d+) (?:test cases )?against {framework}", text)
    assert claimed, f"the frameworks page no longer states a count for {framework}"
    assert int(claimed.group(1)) == _collected(test_file)
