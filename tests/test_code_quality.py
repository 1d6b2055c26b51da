"""The checks every change must pass besides the tests: ruff's lint and format, and
strict type checks of the package and the benchmarks (README, "Developing nbguard")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# Runs ruff and mypy, peer tools, in subprocesses.
pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]


def _run(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *argv], cwd=cwd, capture_output=True, text=True, check=False)


@pytest.mark.parametrize(
    ("argv", "cwd"),
    [
        (("ruff", "check", "--no-cache", "."), ROOT),
        (("ruff", "format", "--check", "--no-cache", "."), ROOT),
        (("mypy",), ROOT),
        (("mypy", "--strict", "."), ROOT / "bench"),
    ],
    ids=["ruff-check", "ruff-format", "mypy-hooks", "mypy-bench"],
)
def test_code_quality(argv, cwd):
    proc = _run(*argv, cwd=cwd)
    assert proc.returncode == 0, proc.stdout + proc.stderr
