"""The README's install commands (pipx, uv, a virtualenv) work as written: each is run with
the wheel built from this checkout in place of the released package, into fresh folders,
and the ``nbguard`` it installs runs."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from nbguard import __version__

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# What the README installs from: the release's tag in the repository.
SOURCE = f"git+https://github.com/nbguard/nbguard@v{__version__}"


def install_commands() -> list[str]:
    """The ``$`` lines of the README's "Install" section, comments removed."""
    section = README.split("\n## Install\n", 1)[1].split("\n## ", 1)[0]
    return [
        line[2:].split("  #", 1)[0].strip()
        for block in re.findall(r"```console\n(.*?)```", section, flags=re.DOTALL)
        for line in block.splitlines()
        if line.startswith("$ ")
    ]


def test_the_readme_installs_pipx_uv_and_a_virtualenv_from_the_release_tag():
    commands = install_commands()
    assert [c.split()[0] for c in commands] == ["pipx", "uv", "python3"]
    assert all(SOURCE in c for c in commands)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("nbguard-*.whl")
    return built


@pytest.mark.e2e
@pytest.mark.parametrize("tool", ["pipx", "uv", "python3"])
def test_each_install_command_gives_a_working_nbguard(tmp_path, wheel, tool):
    (command,) = (c for c in install_commands() if c.split()[0] == tool)
    bin_dir = tmp_path / "bin"
    env = {
        **os.environ,
        "PIPX_HOME": str(tmp_path / "pipx"),
        "PIPX_BIN_DIR": str(bin_dir),
        "PIPX_MAN_DIR": str(tmp_path / "man"),
        "UV_TOOL_DIR": str(tmp_path / "uv-tools"),
        "UV_TOOL_BIN_DIR": str(bin_dir),
        # pipx and uv are the test environment's own; the venv's python3 is the machine's.
        "PATH": os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]]),
    }
    env.pop("VIRTUAL_ENV", None)
    shell = command.replace(SOURCE, shlex.quote(str(wheel)))
    if tool == "python3":  # a fresh virtualenv from the machine's Python, not this one
        shell = shlex.quote(str(Path(sys.base_prefix) / "bin" / "python3")) + shell.removeprefix("python3")
        installed = tmp_path / ".venv" / "bin" / "nbguard"
    else:
        installed = bin_dir / "nbguard"
    subprocess.run(shell, shell=True, cwd=tmp_path, env=env, check=True, capture_output=True)  # noqa: S602 - the README's line
    version = subprocess.run([installed, "--version"], capture_output=True, text=True, check=True, env=env)
    assert version.stdout == f"nbguard {__version__}\n"
    found = subprocess.run(
        [installed, "check", "examples/"], capture_output=True, text=True, cwd=ROOT, env=env, check=False
    )
    assert found.returncode == 1, found.stderr
    assert "notebooks checked" in found.stdout.splitlines()[-1]
