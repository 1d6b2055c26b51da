"""Every command shown in docs/*.md runs as written and prints what the page shows."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from nbguard import cli

ROOT = Path(__file__).resolve().parents[1]
_CONSOLE = re.compile(r"```console\n(.*?)```", re.DOTALL)


def _examples() -> list[tuple[str, str, str]]:
    """(page, command, expected output) for each ``$ nbguard ...`` line of the pages."""
    found = []
    for page in sorted((ROOT / "docs").glob("*.md")):
        for block in _CONSOLE.findall(page.read_text(encoding="utf-8")):
            for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
                command, _, output = chunk.partition("\n")
                found.append((page.name, command, output))
    return found


def test_the_pages_show_commands():
    assert any(page == "privacy.md" for page, _, _ in _examples())


@pytest.mark.parametrize(("page", "command", "expected"), _examples())
def test_a_documented_command_prints_what_the_page_shows(
    page, command, expected, tmp_path, monkeypatch, capsys
):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")  # a fresh copy: --fix writes
    monkeypatch.chdir(tmp_path)
    argv = shlex.split(command)
    assert argv[0] == "nbguard"
    cli.main(argv[1:])
    assert capsys.readouterr().out == expected


def test_a_documented_configuration_is_valid(tmp_path, monkeypatch, capsys):
    pages = sorted((ROOT / "docs").glob("*.md"))
    blocks = [
        b
        for page in pages
        for b in re.findall(r"```toml\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)
    ]
    assert blocks
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        (tmp_path / ".nbguard.toml").write_text(block, encoding="utf-8")
        assert cli.main(["config", "reports/a.ipynb"]) == 0, capsys.readouterr().err
        out = capsys.readouterr().out
        assert 'privacy-categories = ["card", "iban", "national-id"]' in out  # the page's override
        assert 'privacy-sources = ["card", "iban", "national-id", "email"]' in out
