"""``nbguard errors``: kept outputs that are errors, tracebacks or warnings on stderr."""

from __future__ import annotations

import pytest

from nbfactory import code, error, make_nb, stream, subcommand, write_nb
from nbguard import cli
from nbguard.checks import errors

main = subcommand("errors")

KEEP = {"tags": ["keep_output"]}
TRACEBACK = "Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\nKeyError: 'a'\n"
WARNING = "/home/u/lib/pandas/core.py:12: FutureWarning: the default will change\n  df.groupby(...)\n"
ANSI_ERROR = error("KeyError", "'a'", ["\x1b[0;31mKeyError\x1b[0m: 'a'"])


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (code("d['a']", count=1, outputs=[ANSI_ERROR], metadata=KEEP), [("NBG601", 1, None)]),
        (
            code("run()", count=1, outputs=[stream(["log\n", TRACEBACK], "stderr")], metadata=KEEP),
            [("NBG602", 1, 2)],
        ),
        (
            code("df.groupby()", count=1, outputs=[stream(WARNING, "stderr")], metadata=KEEP),
            [("NBG603", 1, 1)],
        ),
        # Not errors: a traceback on stdout (a tutorial printing one), logging's WARNING lines,
        # a warning word in prose, an empty stderr.
        (code("print(tb)", count=1, outputs=[stream(TRACEBACK)], metadata=KEEP), []),
        (
            code(
                "log()", count=1, outputs=[stream("WARNING:root:disk almost full\n", "stderr")], metadata=KEEP
            ),
            [],
        ),
        (
            code(
                "x",
                count=1,
                outputs=[stream("a UserWarning: is only a word here\n", "stderr")],
                metadata=KEEP,
            ),
            [],
        ),
        (code("x", count=1, outputs=[stream("", "stderr")], metadata=KEEP), []),
        # Outputs that stripping removes are never judged.
        (code("d['a']", count=1, outputs=[ANSI_ERROR, stream(TRACEBACK, "stderr")]), []),
    ],
)
def test_what_is_a_committed_error(cell, expected):
    found = errors.build({"strip": True, **_defaults()})(make_nb(cell))
    assert [(f.code, f.cell, f.line) for f in found] == expected


def _defaults():
    from nbguard.config import defaults

    return {k: v for k, v in defaults().items() if k != "strip"}


def test_allow_warnings_and_messages_through_the_command_line(tmp_path, capsys):
    nb = write_nb(
        tmp_path / "report.ipynb",
        make_nb(
            code("df.groupby()", count=1, outputs=[stream(WARNING, "stderr")]),
            code("d['a']", count=2, outputs=[ANSI_ERROR]),
            metadata={"keep_output": True, "kernelspec": {"language": "python", "name": "python3"}},
        ),
    )
    assert main(["--isolated", str(nb)]) == 1
    assert capsys.readouterr().out == (
        f"{nb}:cell 1:line 1: NBG603 output 1 (stderr) holds a warning; fix its cause, or pass --allow-warnings\n"
        f"{nb}:cell 2: NBG601 output 1 is an error (KeyError); fix the cell and re-run\n"
    )
    assert main(["--isolated", "--allow-warnings", str(nb)]) == 1
    assert (
        capsys.readouterr().out
        == f"{nb}:cell 2: NBG601 output 1 is an error (KeyError); fix the cell and re-run\n"
    )


def test_a_stripped_notebook_is_never_reported_and_check_runs_errors(tmp_path, capsys):
    nb = write_nb(tmp_path / "a.ipynb", make_nb(code("d['a']", outputs=[ANSI_ERROR])))
    assert main(["--isolated", str(nb)]) == 0
    assert cli.main(["check", "--isolated", "--keep-output", "--no-order", str(nb)]) == 1
    out = capsys.readouterr().out
    assert f"{nb}:cell 1: NBG601 output 1 is an error (KeyError); fix the cell and re-run\n" in out
    assert "errors 1" in out


def test_an_exception_name_that_is_not_a_name_is_not_printed():
    odd = error("x" * 200, "boom")
    found = errors.check(make_nb(code("x", count=1, outputs=[odd])))
    assert [f.message for f in found] == ["output 1 is an error (an exception); fix the cell and re-run"]


def test_the_stripping_options_decide_what_is_committed(tmp_path, capsys):
    nb = write_nb(tmp_path / "a.ipynb", make_nb(code("d['a']", count=1, outputs=[ANSI_ERROR])))
    assert main(["--isolated", str(nb)]) == 0
    assert main(["--isolated", "--keep-output", str(nb)]) == 1
    assert (
        capsys.readouterr().out
        == f"{nb}:cell 1: NBG601 output 1 is an error (KeyError); fix the cell and re-run\n"
    )
