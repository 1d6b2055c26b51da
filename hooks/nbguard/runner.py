"""The per-file loop every subcommand shares: read, act, report, combine."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from nbguard import notebook_io, paths
from nbguard.findings import Finding, render
from nbguard.notebook_io import Document, Notebook, NotebookError

IO_CODE = "NBG001"
FORMATS = ("text", "json")


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="notebooks or folders (folders are searched for *.ipynb)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="report format (default: text)",
    )


def error_finding(path: str, error: NotebookError, check: str = "io") -> Finding:
    return Finding(code=IO_CODE, message=str(error), path=path, check=check)


def load(path: str) -> Document:
    """Read ``path`` ('-' is standard input) as a notebook."""
    if path == paths.STDIN:
        return notebook_io.parse(sys.stdin.buffer.read())
    return notebook_io.read(path)


class Reporter:
    """Collects findings and prints them in the chosen format.

    Text is printed as each file finishes; JSON, a single document, at the end.
    """

    def __init__(self, fmt: str = "text", stream: TextIO | None = None) -> None:
        self.fmt = fmt
        self.stream = stream
        self.findings: list[Finding] = []

    def _out(self) -> TextIO:
        return self.stream if self.stream is not None else sys.stdout

    def add(self, findings: Sequence[Finding]) -> None:
        self.findings.extend(findings)
        if self.fmt == "text" and findings:
            self._out().write(render(findings, "text"))

    def note(self, text: str) -> None:
        """A line that is not a finding (e.g. which file was rewritten)."""
        if self.fmt == "text":
            self._out().write(text + "\n")

    def finish(self) -> None:
        if self.fmt != "text":
            self._out().write(render(self.findings, self.fmt))
        self._out().flush()


def run_check(
    args: argparse.Namespace,
    check: Callable[[Notebook], list[Finding]],
    name: str,
) -> int:
    """Run a read-only check over every named notebook; 1 if anything was found."""
    reporter = Reporter(args.format)
    retv = 0
    for path in paths.expand(args.paths or [paths.STDIN]):
        try:
            doc = load(path)
        except NotebookError as exc:
            reporter.add([error_finding(path, exc, name)])
            retv |= 1
            continue
        found = [f._replace(path=path, check=f.check or name) for f in check(doc.nb)]
        reporter.add(found)
        retv |= 1 if found else 0
    reporter.finish()
    return retv
