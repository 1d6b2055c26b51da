"""The GitHub workflow runs the command .ci/run runs (the README's), on every supported
Python and operating system."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nbfactory import corpus_absence

ROOT = Path(__file__).resolve().parents[1]


def _ci_run_command() -> str:
    """The test command of .ci/run (its last line), without the `python3` spelling."""
    lines = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines() if line]
    return lines[-1].replace("python3 ", "python ")


def _workflow() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    data: dict[str, Any] = yaml.safe_load((ROOT / ".github" / "workflows" / "tests.yml").read_text("utf-8"))
    return data


def test_ci_run_runs_the_readme_command():
    assert _ci_run_command() == "python -m pip install -e '.[test]' && python -m pytest"


def test_workflow_matrix_is_every_python_on_every_os():
    (job,) = _workflow()["jobs"].values()
    assert job["runs-on"] == "${{ matrix.os }}"
    assert job["strategy"]["matrix"] == {
        "os": ["ubuntu-latest", "macos-latest", "windows-latest"],
        "python-version": ["3.10", "3.11", "3.12", "3.13"],
    }
    assert job["strategy"]["fail-fast"] is False


def test_workflow_runs_exactly_the_ci_command_on_the_full_history():
    (job,) = _workflow()["jobs"].values()
    checkout, setup, test = job["steps"]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"] == {"fetch-depth": 0}
    assert setup["uses"].startswith("actions/setup-python@")
    assert setup["with"] == {"python-version": "${{ matrix.python-version }}"}
    assert test["run"] == _ci_run_command()
    assert test["shell"] == "bash"  # the same quoting on Windows


def test_workflow_says_the_corpus_is_absent_by_intent():
    (job,) = _workflow()["jobs"].values()
    assert job["env"] == {"NBGUARD_NO_CORPUS": "1"}
    assert corpus_absence([], {"CI": "true", **job["env"]})[0] == "skip"
