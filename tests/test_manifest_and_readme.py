"""The manifest, the CLI and the README agree with each other."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from nbguard import cli

ROOT = Path(__file__).resolve().parents[1]
yaml = pytest.importorskip("yaml")
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
README = (ROOT / "README.md").read_text()


@pytest.mark.parametrize("hook", HOOKS, ids=[h["id"] for h in HOOKS])
def test_readme_documents_every_hook(hook):
    assert f"### `{hook['id']}`" in README


@pytest.mark.parametrize("hook", HOOKS, ids=[h["id"] for h in HOOKS])
def test_every_hook_runs_an_nbguard_subcommand(hook):
    argv = shlex.split(hook["entry"])
    assert argv[0] == "nbguard"
    assert argv[1] in cli.subcommands()
    assert hook["language"] == "python"
    # every hook reads notebooks, but the set-up check, which reads none
    assert hook.get("types") == ["jupyter"] or (hook["always_run"], hook["pass_filenames"]) == (True, False)
    assert "manual" in hook["stages"]


def test_the_docs_list_every_code_the_package_defines():
    package = ROOT / "hooks" / "nbguard"
    defined = set()
    for path in package.glob("*.py"):
        defined.update(re.findall(r'"(NBG\d{3})"', path.read_text()))
    codes_page = (ROOT / "docs" / "reports.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(NBG\d{3})` \|", codes_page, flags=re.MULTILINE))
    assert defined - documented == set()


def test_every_test_the_docs_cite_exists():
    """The guarantees name the tests that hold each promise: a renamed test must not leave a dead citation."""
    guarantees = (ROOT / "docs" / "guarantees.md").read_text(encoding="utf-8")
    cited = set(re.findall(r"`(tests/[\w/]+\.py)::(\w+)(?:\[[^\]`]*\])?`", guarantees))
    assert len(cited) > 20
    missing = []
    for file, name in sorted(cited):
        path = ROOT / file
        if not path.exists() or not re.search(rf"^def {name}\(", path.read_text(), flags=re.MULTILINE):
            missing.append(f"{file}::{name}")
    assert missing == []


def _tags() -> list[str] | None:
    """The checkout's tags, or None outside a git checkout."""
    import subprocess

    proc = subprocess.run(["git", "tag", "--list"], cwd=ROOT, capture_output=True, text=True, check=False)
    return proc.stdout.split() if proc.returncode == 0 else None


def test_the_readme_rev_is_the_package_version_and_a_tag():
    from nbguard import __version__

    revs = re.findall(r"^\s+rev: (\S+)", README, flags=re.MULTILINE)
    assert revs == [f"v{__version__}"]
    assert set(re.findall(r"nbguard@(v[\d.]+)", README)) == {f"v{__version__}"}
    tags = _tags()
    if tags:  # a checkout with tags: the README points at one that exists
        assert f"v{__version__}" in tags


def test_the_readme_fits_on_a_page():
    """The page a user reads (the tools they know have 200 to 370 lines); details go to docs/."""
    assert len(README.splitlines()) <= 330
