"""The command line's own errors: argparse's format, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nbfactory import code, make_nb, write_nb
from nbguard import cli


@pytest.mark.parametrize(
    ("argv", "last_line"),
    [
        (
            ["chek"],
            (
                "nbguard: error: argument COMMAND: invalid choice: 'chek' (choose from 'check', 'order', "
                "'secrets', 'privacy', 'images', 'errors', 'strip', 'baseline', 'config', 'install', "
                "'uninstall', 'filter', 'history', 'migrate', 'check-install') (did you mean 'check'?)"
            ),
        ),
        (["check", "--fixx"], "nbguard: error: unrecognized arguments: --fixx (did you mean '--fix'?)"),
        (
            ["strip", "--keep-ouput", "a.ipynb"],
            "nbguard: error: unrecognized arguments: --keep-ouput (did you mean '--keep-output'?)",
        ),
        (
            ["secrets", "--allow-fingerprintz=ab"],
            (
                "nbguard: error: unrecognized arguments: --allow-fingerprintz=ab "
                "(did you mean '--allow-fingerprints'?)"
            ),
        ),
        (["check", "--zzzz"], "nbguard: error: unrecognized arguments: --zzzz"),
        (["check", "-j", "0"], "nbguard check: error: argument -j/--jobs: must be at least 1, not 0"),
        (["order", "-j", "-2"], "nbguard order: error: argument -j/--jobs: must be at least 1, not -2"),
        (["images", "-j", "x"], "nbguard images: error: argument -j/--jobs: not a whole number: 'x'"),
    ],
)
def test_usage_errors(capsys, argv, last_line):
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: nbguard")
    assert err.splitlines()[-1] == last_line


class _Terminal:
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("command", ["strip", "order", "secrets", "images"])
def test_no_path_with_a_terminal_on_stdin_prints_usage(capsys, monkeypatch, command):
    """Reading a notebook from a terminal would wait silently: usage instead."""
    monkeypatch.setattr("sys.stdin", _Terminal())
    with pytest.raises(SystemExit) as exit_:
        cli.main([command])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: nbguard {command} ")
    assert err.splitlines()[-1] == (
        f"nbguard {command}: error: no PATH given (name notebooks or folders, or pipe a notebook in with '-')"
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("script.py", "x = 1\n", "not a notebook (a .py file; nbguard reads .ipynb)"),
        ("Makefile", "all:\n", "not a notebook (not a .ipynb file; nbguard reads .ipynb)"),
        ("data.json", "{}", "not a notebook: no 'cells' list"),
        ("broken.ipynb", "x", "invalid JSON: Expecting value (line 1, column 1)"),
    ],
)
@pytest.mark.parametrize("command", ["check", "order", "secrets", "images", "strip"])
def test_a_file_that_is_not_a_notebook_is_named_so(
    tmp_path, capsys, monkeypatch, command, name, content, message
):
    (tmp_path / name).write_text(content)
    monkeypatch.chdir(tmp_path)
    assert cli.main([command, "--isolated", name]) == 1
    assert capsys.readouterr().out.splitlines()[0] == f"{name}: NBG001 {message}"


OUT_OF_ORDER_WITH_OUTPUT = (
    '{"cells": [{"cell_type": "code", "execution_count": 2, "id": "a", "metadata": {}, '
    '"outputs": [{"name": "stdout", "output_type": "stream", "text": ["x\\n"]}], "source": ["a = 1"]}, '
    '{"cell_type": "code", "execution_count": 1, "id": "b", "metadata": {}, "outputs": [], '
    '"source": ["b = a"]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'
)


@pytest.mark.parametrize(
    ("argv", "plain", "out"),
    [
        (["order"], 1, "nb.ipynb:cell 1: NBG103 "),
        (["strip", "--check"], 1, "nb.ipynb: NBG401 would be stripped"),
        (["strip"], 0, ""),
        (["secrets"], 0, ""),
        (["images", "--max-kb=0"], 0, ""),
        (["check", "--no-strip"], 1, "nb.ipynb:cell 1: NBG103 "),
    ],
)
def test_exit_zero_and_quiet_on_every_checking_subcommand(tmp_path, capsys, monkeypatch, argv, plain, out):
    (tmp_path / "nb.ipynb").write_text(OUT_OF_ORDER_WITH_OUTPUT)
    monkeypatch.chdir(tmp_path)
    assert cli.main([*argv, "--isolated", "nb.ipynb"]) == plain
    capsys.readouterr()
    assert cli.main([*argv, "--isolated", "--exit-zero", "-q", "nb.ipynb"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(out)
    assert "notebook" not in printed.replace("nb.ipynb", ""), "no summary or notes under -q"


def _on_a_terminal(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run nbguard with a real pseudo-terminal as its standard output."""
    import pty

    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nbguard", *argv], stdout=terminal, stderr=subprocess.DEVNULL, cwd=cwd, env=env
    )
    os.close(terminal)
    out = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed: the process has gone
            break
        if not chunk:
            break
        out += chunk
    os.close(controller)
    return proc.wait(), out.decode().replace("\r\n", "\n")


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("argv", "pre_commit", "expected"),
    [
        # A clean run on a terminal says so, for one notebook too and for every subcommand.
        (["check", "clean.ipynb"], False, "1 notebook checked, no findings\n"),
        (["secrets", "clean.ipynb"], False, "1 notebook checked, no findings\n"),
        (["strip", "--check", "clean.ipynb", "other.ipynb"], False, "2 notebooks checked, no findings\n"),
        # Under pre-commit, which runs a hook once per batch of files, no partial summaries.
        (["check", "clean.ipynb", "other.ipynb"], True, ""),
    ],
)
def test_one_summary_line_on_a_terminal_and_none_under_pre_commit(tmp_path, argv, pre_commit, expected):
    for name in ("clean.ipynb", "other.ipynb"):
        write_nb(tmp_path / name, make_nb(code("x = 1", count=None)))
    env = {k: v for k, v in os.environ.items() if k not in {"PRE_COMMIT", "CI", "NO_COLOR"}}
    env["NO_COLOR"] = "1"
    if pre_commit:
        env["PRE_COMMIT"] = "1"
    assert _on_a_terminal(argv, tmp_path, env) == (0, expected)
