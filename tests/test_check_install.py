"""``nbguard check-install`` with real git in temporary repositories."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from nbguard import cli
from test_install import git, repo  # noqa: F401 - the fixtures (git_home is conftest's)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.usefixtures("repo"),
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]


def _declare(where: str = ".gitattributes") -> None:
    path = git("rev-parse", "--git-path", "info/attributes").strip() if where == "info" else where
    with open(path, "w", encoding="utf-8") as f:
        f.write("*.ipynb filter=nbguard diff=nbguard\n")


@pytest.mark.parametrize("where", [".gitattributes", "info"])
def test_declared_but_not_configured_fails_with_what_to_run(capsys, where):
    _declare(where)
    assert cli.main(["check-install"]) == 1
    assert capsys.readouterr().out == (
        "nbguard: notebooks are declared filter=nbguard but git config has no filter.nbguard: "
        "run 'nbguard install'\n"
    )


def test_declared_and_configured_passes(capsys):
    _declare()
    assert cli.main(["install"]) == 0
    capsys.readouterr()
    assert cli.main(["check-install"]) == 0
    assert capsys.readouterr().out == ""


def test_a_filter_whose_interpreter_is_gone_fails(capsys, tmp_path):
    _declare()
    git("config", "filter.nbguard.process", f"{tmp_path / 'gone' / 'python'} -m nbguard filter --process")
    assert cli.main(["check-install"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("nbguard: filter.nbguard in git config runs a missing interpreter (")
    assert out.endswith(": run 'nbguard install'\n")
    git("config", "filter.nbguard.process", "'unbalanced")
    assert cli.main(["check-install"]) == 1
    assert "cannot be read" in capsys.readouterr().out


def test_nothing_declared_or_no_repository_passes(capsys, tmp_path, monkeypatch):
    assert cli.main(["check-install"]) == 0
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.chdir(outside)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert cli.main(["check-install"]) == 0
    assert capsys.readouterr().out == ""


def test_the_hook_runs_through_pre_commit():
    """The hook's declaration: always run, no file names."""
    import yaml

    from test_manifest_and_readme import ROOT

    hooks = {
        h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    }
    hook = hooks["nbguard-check-install"]
    assert (hook["always_run"], hook["pass_filenames"], hook["entry"]) == (
        True,
        False,
        "nbguard check-install",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "nbguard", "check-install"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0
