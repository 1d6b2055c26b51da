"""Every command the README and docs/ show is run as written, and prints what they show.

Each ```console block of README.md and docs/*.md runs, command after command, in a fresh git
repository holding a copy of ``examples/`` and the README's one-line
``.pre-commit-config.yaml`` (its ``repo`` and ``rev`` pointed at a snapshot of this
checkout). A command followed by output lines must print exactly those lines (standard
output and error together, pre-commit's ``[INFO]`` lines left out); one shown without output
must not fail with a usage error or a traceback. A block run elsewhere says so in a comment
before it, ``<!-- run by tests/FILE.py::TEST -->``, and that test must hold each of its
commands. The install and set-up commands are run by tests/test_install_commands.py and by
CI itself (.ci/run).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"(?:<!-- run by (\S+) -->\n)?```console\n(.*?)```", re.DOTALL)
# Commands that install nbguard: run by tests/test_install_commands.py (README, "Install")
# and by CI (.ci/run runs the second set-up command).
INSTALLING = ("pipx ", "uv ", "python3 -m venv ", "python3 -m pip install ")
# What a page's commands need beyond the sandbox: history has examples/ committed and tagged.
SETUP = {"docs/history.md": ["git add examples", "git commit -q -m examples", "git tag v1.0"]}


def console_blocks() -> list[tuple[str, str | None, list[tuple[str, list[str]]]]]:
    """(where, the test that runs it or None, [(command, output lines)]) of every block."""
    found = []
    for path in DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        for match in _BLOCK.finditer(text):
            steps: list[tuple[str, list[str]]] = []
            for line in match.group(2).splitlines():
                if line.startswith("$ "):
                    steps.append((line[2:], []))
                else:
                    steps[-1][1].append(line)
            line_no = text[: match.start()].count("\n") + 1
            found.append((f"{path.relative_to(ROOT)}:{line_no}", match.group(1), steps))
    return found


BLOCKS = console_blocks()


def _installing(command: str) -> bool:
    return command.startswith(INSTALLING)


def test_every_document_is_read_and_the_blocks_are_many():
    assert len(BLOCKS) > 10
    assert {where.split(":")[0] for where, _, _ in BLOCKS} >= {"README.md", "docs/checks.md"}


@pytest.fixture
def sandbox(tmp_path, pre_commit_env, snapshot):
    """A repository with examples/ (untracked) and the README's pre-commit set-up (committed)."""
    hook_repo, rev = snapshot
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    config = re.search(r"```yaml\n(repos:\n.*?)```", readme, flags=re.DOTALL)
    assert config is not None
    text = re.sub(r"repo: \S+", f"repo: {hook_repo}", config.group(1), count=1)
    text = re.sub(r"rev: \S+", f"rev: {rev}", text, count=1)
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples", repo / "examples")
    (repo / ".pre-commit-config.yaml").write_text(text, encoding="utf-8")
    # A home of its own: `nbguard install --global` writes there (pre-commit's cache is shared).
    home = tmp_path / "home"
    home.mkdir()
    env = {**pre_commit_env, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "NO_COLOR": "1"}
    env["COLUMNS"] = "80"  # pre-commit pads its lines to the terminal's width
    env.pop("CI", None)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", ".pre-commit-config.yaml"],
        ["commit", "-q", "-m", "hooks"],
    ):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    return repo, env


def _shown(lines: list[str]) -> list[str]:
    while lines and not lines[-1]:
        lines = lines[:-1]
    return lines


@pytest.mark.e2e
@pytest.mark.parametrize(("where", "runner", "steps"), BLOCKS, ids=[b[0] for b in BLOCKS])
def test_every_command_shown_runs_as_written(sandbox, where, runner, steps):
    if runner is not None:
        file, _, name = runner.partition("::")
        source = (ROOT / file).read_text(encoding="utf-8")
        body = re.search(rf"^def {name}\(.*?(?=^def |\Z)", source, flags=re.DOTALL | re.MULTILINE)
        assert body is not None, f"{where}: {runner} does not exist"
        for command, _ in steps:
            assert command.split("  #")[0].strip() in body.group(0), (
                f"{where}: {runner} does not run {command!r}"
            )
        return
    repo, env = sandbox
    for command in SETUP.get(where.split(":")[0], []):
        subprocess.run(["bash", "-c", command], cwd=repo, env=env, check=True, capture_output=True)
    for command, output in steps:
        if _installing(command):
            continue
        proc = subprocess.run(
            ["bash", "-c", command],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        printed = [line for line in proc.stdout.splitlines() if not line.startswith("[INFO] ")]
        shown = _shown(output)
        if shown:
            assert _shown(printed) == shown, f"{where}: $ {command}\n" + "\n".join(printed)
        else:
            assert proc.returncode in (0, 1), f"{where}: $ {command}\n{proc.stdout}"
            assert "Traceback" not in proc.stdout, f"{where}: $ {command}\n{proc.stdout}"


def test_the_set_up_commands_are_what_ci_runs():
    """README, "Set-up from a checkout": the second command is .ci/run's; the first one's
    nbguard command is run, and prints the 20 findings the README states, by the test above."""
    (setup,) = [
        steps for where, _, steps in BLOCKS if where.startswith("README.md") and "pytest" in str(steps)
    ]
    first, second = (command.split("  #")[0].strip() for command, _ in setup)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()[-1]
    assert second == ci
    assert first == "python3 -m pip install -e . && nbguard check examples/"


@pytest.mark.e2e
def test_the_first_set_up_command_finds_what_the_readme_says(sandbox):
    repo, env = sandbox
    proc = subprocess.run(
        ["nbguard", "check", "examples/"], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"The first prints the (\d+) findings", readme)
    assert stated is not None
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[-1].startswith(f"7 notebooks checked, {stated.group(1)} findings")


TOML_BLOCKS = [
    (f"{path.relative_to(ROOT)}", block)
    for path in DOCUMENTS
    for block in re.findall(r"```toml\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.DOTALL)
]


@pytest.mark.parametrize(("where", "block"), TOML_BLOCKS, ids=[w for w, _ in TOML_BLOCKS])
def test_every_configuration_shown_is_valid(tmp_path, monkeypatch, capsys, where, block):
    """Each TOML example loads: `nbguard config` accepts it (a configured baseline that
    does not exist yet is left out with a note)."""
    from nbguard import cli

    monkeypatch.chdir(tmp_path)
    name = "pyproject.toml" if "tool.nbguard" in block else ".nbguard.toml"
    (tmp_path / name).write_text(block, encoding="utf-8")
    assert cli.main(["config", "docs/a.ipynb"]) == 0, f"{where}: {capsys.readouterr().err}"
