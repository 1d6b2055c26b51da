"""``nbguard errors``: committed outputs that are errors.

A notebook that keeps its outputs (rendered docs, reports, ``keep_output``
cells, ``strip = false`` for a path) should not be committed with a traceback
in them, nor with a stream on standard error that holds one, nor (unless
allowed) with a warning. The core, :func:`check`, judges the outputs that
would be committed: with stripping on for the notebook, what stripping keeps,
so a notebook whose outputs go is never reported.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from nbguard import notebook
from nbguard.notebook import Notebook
from nbguard.registry import FLAG, Check, Code, Option
from nbguard.report.finding import Finding

NAME = "errors"
CODE_ERROR = "NBG601"  # an error output (an exception's traceback)
CODE_STDERR_TRACEBACK = "NBG602"  # a stderr stream holding a traceback
CODE_STDERR_WARNING = "NBG603"  # a stderr stream holding a warning

# Python's traceback header, and the "file:line: SomethingWarning: ..." line of the
# warnings module (logging's "WARNING" lines are not warnings of the code itself).
_TRACEBACK = re.compile(r"^Traceback \(most recent call last\):", re.MULTILINE)
_WARNING = re.compile(r"^.*?:\d+: [A-Z]\w*Warning: ", re.MULTILINE)


def _stderr_texts(cell: dict[str, Any]) -> Iterator[tuple[int, str]]:
    for number, output in enumerate(cell.get("outputs") or (), start=1):
        if (
            isinstance(output, dict)
            and output.get("output_type") == "stream"
            and output.get("name") == "stderr"
        ):
            yield number, notebook.strip_ansi(notebook.joined(output.get("text")))


def check(nb: Notebook, *, allow_warnings: bool = False, strip_options: Any = None) -> list[Finding]:
    """Error outputs, and tracebacks and warnings on stderr, in the outputs that would be
    committed (``strip_options``: the notebook's stripping, None when it is off)."""
    if strip_options is not None:
        from nbguard.checks.strip import strip

        nb = strip(nb, strip_options)
    found: list[Finding] = []
    for cell_number, cell in enumerate(notebook.iter_cells(nb), start=1):
        if not isinstance(cell, dict) or not cell.get("outputs"):
            continue
        for number, output in enumerate(cell["outputs"], start=1):
            if isinstance(output, dict) and output.get("output_type") in ("error", "pyerr"):
                ename = output.get("ename")
                kind = (
                    ename
                    if isinstance(ename, str) and re.fullmatch(r"[\w.]{1,80}", ename)
                    else "an exception"
                )
                found.append(
                    Finding(
                        CODE_ERROR,
                        f"output {number} is an error ({kind}); fix the cell and re-run",
                        cell_number,
                    )
                )
        for number, text in _stderr_texts(cell):
            if match := _TRACEBACK.search(text):
                line = text.count("\n", 0, match.start()) + 1
                message = f"output {number} (stderr) holds a traceback; fix the cell and re-run"
                found.append(Finding(CODE_STDERR_TRACEBACK, message, cell_number, line))
            elif not allow_warnings and (match := _WARNING.search(text)):
                line = text.count("\n", 0, match.start()) + 1
                message = f"output {number} (stderr) holds a warning; fix its cause, or pass --allow-warnings"
                found.append(Finding(CODE_STDERR_WARNING, message, cell_number, line))
    return found


def build(settings: Mapping[str, Any]) -> Callable[[Notebook], list[Finding]]:
    strip_options = None
    if settings["strip"]:
        from nbguard.checks.strip import options_from_settings

        strip_options = options_from_settings(settings)
    return functools.partial(check, allow_warnings=settings["allow-warnings"], strip_options=strip_options)


CHECK = Check(
    name=NAME,
    help="reject kept outputs that are errors, tracebacks or warnings",
    codes=(
        Code(
            CODE_ERROR,
            "A kept output is an error",
            "Fix the cell and re-run it, or strip the output",
            description="A cell's committed output is an exception's traceback: the notebook, as committed, "
            "shows a failure.",
        ),
        Code(
            CODE_STDERR_TRACEBACK,
            "A kept stderr stream holds a traceback",
            "Fix the cell and re-run it, or strip the output",
            description="A committed standard-error stream holds a Python traceback (a failure caught and "
            "printed, or a worker's crash).",
        ),
        Code(
            CODE_STDERR_WARNING,
            "A kept stderr stream holds a warning",
            "Fix the warning's cause, strip the output, or pass `--allow-warnings`",
            description="A committed standard-error stream holds a Python warning "
            "(`file.py:12: DeprecationWarning: ...`).",
            level="warning",
        ),
    ),
    options=(Option("allow-warnings", FLAG, False, "do not report warnings on standard error"),),
    build=build,
    group="committed errors",
    uses=("strip",),  # what is committed depends on the stripping options
)
