from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nbguard import cli
from nbguard.commands import install as I

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")]

LINE = "*.ipynb filter=nbguard diff=nbguard"
PY = shlex.quote(sys.executable)
EXPECTED_CONFIG = {
    "filter.nbguard.process": f"{PY} -m nbguard filter --process",
    "filter.nbguard.clean": f"{PY} -m nbguard filter --clean %f",
    "filter.nbguard.smudge": "cat",
    "filter.nbguard.required": "true",
    "diff.nbguard.textconv": f"{PY} -m nbguard strip -t",
}


@pytest.fixture
def repo(tmp_path, git_home, monkeypatch):
    path = tmp_path / "repo"
    path.mkdir()
    monkeypatch.chdir(path)
    git("init", "-q")
    return path


def git(*args: str) -> str:
    proc = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def config(scope: str = "--local") -> dict[str, str]:
    out = subprocess.run(
        ["git", "config", scope, "--get-regexp", r"^(filter|diff)\.nbguard\."],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return dict(line.split(" ", 1) for line in out.splitlines())


@pytest.mark.parametrize(
    ("python", "process"),
    [
        ("/usr/bin/python3", "/usr/bin/python3 -m nbguard filter --process"),
        ("/opt/my env/bin/python", "'/opt/my env/bin/python' -m nbguard filter --process"),
        ("/o'k/python", "'/o'\"'\"'k/python' -m nbguard filter --process"),
    ],
)
def test_commands_run_the_given_interpreter_quoted_for_the_shell(python, process):
    values = I.config_values(python)
    assert values["filter.nbguard.process"] == process
    for key in ("filter.nbguard.process", "filter.nbguard.clean", "diff.nbguard.textconv"):
        assert shlex.split(values[key])[:3] == [python, "-m", "nbguard"]


def test_install_writes_config_and_attributes(repo, capsys):
    assert cli.main(["install"]) == 0
    attributes = repo / ".git" / "info" / "attributes"
    assert capsys.readouterr().out == (
        "git config --local: filter.nbguard (process, clean, smudge, required), diff.nbguard (textconv)\n"
        f"{attributes}: {LINE}\n"
    )
    assert config() == EXPECTED_CONFIG
    assert attributes.read_text() == LINE + "\n"


def test_install_twice_changes_nothing(repo, capsys):
    attributes = repo / ".git" / "info" / "attributes"
    attributes.write_text("*.png binary\n")
    assert cli.main(["install"]) == 0
    before = ((repo / ".git" / "config").read_bytes(), attributes.read_bytes())
    capsys.readouterr()
    assert cli.main(["install"]) == 0
    assert f"{attributes}: {LINE} (already there)\n" in capsys.readouterr().out
    assert ((repo / ".git" / "config").read_bytes(), attributes.read_bytes()) == before
    assert attributes.read_text() == f"*.png binary\n{LINE}\n"
    assert git("config", "--get-all", "filter.nbguard.process").count("\n") == 1


def test_install_replaces_values_another_interpreter_wrote(repo):
    git("config", "filter.nbguard.process", "/old/python -m nbguard filter --process")
    assert cli.main(["install"]) == 0
    assert config()["filter.nbguard.process"] == EXPECTED_CONFIG["filter.nbguard.process"]


def test_uninstall_removes_exactly_what_install_wrote(repo, capsys):
    attributes = repo / ".git" / "info" / "attributes"
    attributes.write_text("*.png binary\n*.ipynb diff=jupyternotebook\n")
    git("config", "filter.other.clean", "other-tool")
    git("config", "diff.jupyternotebook.command", "nbdiff")
    before = ((repo / ".git" / "config").read_bytes(), attributes.read_bytes())
    assert cli.main(["install"]) == 0
    assert cli.main(["uninstall"]) == 0
    assert capsys.readouterr().out.endswith(
        "git config --local: removed filter.nbguard.process, filter.nbguard.clean, "
        "filter.nbguard.smudge, filter.nbguard.required, diff.nbguard.textconv\n"
        f"{attributes}: removed {LINE}\n"
    )
    assert ((repo / ".git" / "config").read_bytes(), attributes.read_bytes()) == before


def test_uninstall_removes_the_file_install_created(repo):
    config_before = (repo / ".git" / "config").read_bytes()
    assert cli.main(["install"]) == 0
    assert cli.main(["uninstall"]) == 0
    assert not (repo / ".git" / "info" / "attributes").exists()
    assert (repo / ".git" / "config").read_bytes() == config_before


def test_uninstall_keeps_keys_it_did_not_write(repo):
    assert cli.main(["install"]) == 0
    git("config", "filter.nbguard.note", "mine")
    assert cli.main(["uninstall"]) == 0
    assert config() == {"filter.nbguard.note": "mine"}


def test_uninstall_when_nothing_is_installed(repo, capsys):
    assert cli.main(["uninstall"]) == 0
    assert capsys.readouterr().out == "nothing to remove\n"


def test_attributes_file_without_final_newline(repo):
    attributes = repo / ".git" / "info" / "attributes"
    attributes.write_text("*.png binary")
    assert cli.main(["install"]) == 0
    assert attributes.read_text() == f"*.png binary\n{LINE}\n"
    assert cli.main(["uninstall"]) == 0
    assert attributes.read_text() == "*.png binary\n"


def test_attributes_option(repo):
    (repo / ".gitattributes").write_text("*.csv text\n")
    assert cli.main(["install", "--attributes", ".gitattributes"]) == 0
    assert (repo / ".gitattributes").read_text() == f"*.csv text\n{LINE}\n"
    assert not (repo / ".git" / "info" / "attributes").exists()
    assert config() == EXPECTED_CONFIG
    assert cli.main(["uninstall", "--attributes", ".gitattributes"]) == 0
    assert (repo / ".gitattributes").read_text() == "*.csv text\n"
    assert config() == {}


def test_global(git_home, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no repository needed
    assert cli.main(["install", "--global"]) == 0
    attributes = git_home / ".config" / "git" / "attributes"
    assert attributes.read_text() == LINE + "\n"
    assert config("--global") == EXPECTED_CONFIG
    capsys.readouterr()
    assert cli.main(["install", "--status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("nbguard git filter: installed\n")
    assert (
        f"filter.nbguard.process = {EXPECTED_CONFIG['filter.nbguard.process']}  ({git_home / '.gitconfig'})\n"
        in out
    )
    assert out.endswith(f"{LINE}  ({attributes})\n")
    assert cli.main(["uninstall", "--global"]) == 0
    assert config("--global") == {}
    assert not attributes.exists()


@pytest.mark.parametrize("xdg", [False, True])
def test_global_attributes_file_as_git_finds_it(git_home, tmp_path, monkeypatch, xdg):
    monkeypatch.chdir(tmp_path)
    if xdg:
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
        expected = tmp_path / "xdg" / "git" / "attributes"
    else:
        git("config", "--global", "core.attributesFile", "~/my-attributes")
        expected = git_home / "my-attributes"
    assert cli.main(["install", "--global"]) == 0
    assert expected.read_text() == LINE + "\n"


def test_system(git_home, tmp_path, monkeypatch):
    # GIT_CONFIG_SYSTEM (set by the fixture) sends --system to a temporary file
    monkeypatch.chdir(tmp_path)
    attributes = tmp_path / "system-attributes"
    assert cli.main(["install", "--system", "--attributes", str(attributes)]) == 0
    assert config("--system") == EXPECTED_CONFIG
    assert attributes.read_text() == LINE + "\n"
    assert cli.main(["install", "--system", "--status", "--attributes", str(attributes)]) == 0
    assert cli.main(["uninstall", "--system", "--attributes", str(attributes)]) == 0
    assert config("--system") == {}
    assert not attributes.exists()


def test_status_round_trip(repo, capsys):
    assert cli.main(["install", "--status"]) == 1
    assert capsys.readouterr().out == (
        "nbguard git filter: not installed\n"
        "missing: filter.nbguard.process in git config\n"
        "*.ipynb: filter=unspecified diff=unspecified  (git check-attr)\n"
    )
    assert cli.main(["install"]) == 0
    capsys.readouterr()
    assert cli.main(["install", "--status"]) == 0
    attributes = repo / ".git" / "info" / "attributes"
    origin = ".git/config"
    assert capsys.readouterr().out == "".join(
        [
            "nbguard git filter: installed\n",
            *(f"{k} = {v}  ({origin})\n" for k, v in sorted(EXPECTED_CONFIG.items())),
            f"*.ipynb: filter=nbguard diff=nbguard  ({attributes})\n",
        ]
    )
    assert cli.main(["uninstall"]) == 0
    assert cli.main(["install", "--status"]) == 1


def test_status_sees_config_and_attributes_from_different_places(repo, capsys):
    # A team commits .gitattributes; each developer installs the driver globally.
    (repo / ".gitattributes").write_text(f"{LINE}\n")
    assert cli.main(["install", "--status"]) == 1
    assert cli.main(["install", "--global", "--attributes", str(repo / "unused")]) == 0
    capsys.readouterr()
    assert cli.main(["install", "--status"]) == 0
    out = capsys.readouterr().out
    assert out.endswith(f"*.ipynb: filter=nbguard diff=nbguard  ({repo / '.gitattributes'})\n")


def test_status_without_attributes(repo, capsys):
    git("config", "filter.nbguard.process", "x")
    assert cli.main(["install", "--status"]) == 1
    assert capsys.readouterr().out.startswith("nbguard git filter: not installed\n")
    assert cli.main(["install", "--status", "--attributes", "missing"]) == 1
    assert capsys.readouterr().out.endswith(f"{LINE}  (missing: missing)\n")


def test_local_install_outside_a_repository(git_home, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["install"]) == 2
    assert capsys.readouterr().err == (
        "nbguard: error: not inside a git repository (use --global or --system)\n"
    )


def test_git_refusing_a_change_is_a_usage_error(repo, capsys):
    (repo / ".git" / "config").write_text("[broken\n")
    assert cli.main(["install"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nbguard: error: ")
    assert "\n" not in err.rstrip("\n")


def test_git_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert cli.main(["install", "--global"]) == 2
    assert capsys.readouterr().err.startswith("nbguard: error: cannot run git: ")


def test_uninstall_has_no_status_option(capsys):
    with pytest.raises(SystemExit) as excinfo:
        cli.main(["uninstall", "--status"])
    assert excinfo.value.code == 2
    assert "unrecognized arguments: --status" in capsys.readouterr().err


def test_installed_filter_is_the_one_git_runs(repo, tmp_path):
    """The written commands work from a shell: git runs them to commit a notebook."""
    assert cli.main(["install"]) == 0
    nb = Path(__file__).resolve().parents[1] / "examples" / "dirty_outputs.ipynb"
    shutil.copyfile(nb, repo / "nb.ipynb")
    git("add", "nb.ipynb")
    blob = subprocess.run(["git", "show", ":nb.ipynb"], capture_output=True, check=True).stdout
    stripped = subprocess.run(
        [sys.executable, "-m", "nbguard", "strip", "-t", str(nb)], capture_output=True, check=True
    ).stdout
    assert blob == stripped != nb.read_bytes()


@pytest.mark.parametrize(("command", "hook"), [(["check", "--fix"], False), (["strip"], True)])
def test_fixing_leaves_a_filtered_notebook_as_it_is(repo, capsys, monkeypatch, command, hook):
    """Filter mode keeps outputs in the working copy: `check --fix` (the one-line hook) and
    `strip` run by pre-commit (the nbguard-strip hook) only check a notebook under nbguard's
    filter, and say so in one note."""
    if hook:
        monkeypatch.setenv("PRE_COMMIT", "1")
    nb = Path(__file__).resolve().parents[1] / "examples" / "dirty_outputs.ipynb"
    shutil.copyfile(nb, repo / "nb.ipynb")
    shutil.copyfile(nb, repo / "other.ipynb")
    assert cli.main(["install"]) == 0
    with (repo / ".git" / "info" / "attributes").open("a") as f:
        f.write("other.ipynb -filter\n")
    capsys.readouterr()
    git("add", ".")
    assert cli.main([*command, "nb.ipynb", "other.ipynb"]) == 0
    assert (repo / "nb.ipynb").read_bytes() == nb.read_bytes()
    assert (repo / "other.ipynb").read_bytes() != nb.read_bytes()
    assert capsys.readouterr().out.splitlines()[0] == (
        "nbguard: 1 notebook is under nbguard's git filter (nbguard install): "
        "checked, not rewritten; the filter strips what is committed"
    )


def test_status_says_broken_when_the_recorded_interpreter_is_gone(repo, tmp_path, capsys):
    assert cli.main(["install"]) == 0
    gone = tmp_path / "old-venv" / "bin" / "python"
    for key, value in I.config_values(str(gone)).items():
        git("config", "--local", "--replace-all", key, value)
    capsys.readouterr()
    assert cli.main(["install", "--status"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "nbguard git filter: broken"
    assert out[-1] == f"broken: {gone} (recorded by 'nbguard install') does not exist; run it again"


def test_install_python_writes_the_given_interpreter_and_git_runs_it(repo, capsys):
    """nbstripout's --python: here the name python3 on PATH, for a clone shared between systems."""
    python = shutil.which("python3", path=str(Path(sys.executable).parent)) or sys.executable
    assert cli.main(["install", "--python", python]) == 0
    quoted = shlex.quote(python)
    assert config()["filter.nbguard.clean"] == f"{quoted} -m nbguard filter --clean %f"
    assert config()["diff.nbguard.textconv"] == f"{quoted} -m nbguard strip -t"
    nb = '{"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [], "source": []}], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}'
    (repo / "a.ipynb").write_text(nb)
    git("add", "a.ipynb")
    assert '"execution_count": null' in git("show", ":a.ipynb")
