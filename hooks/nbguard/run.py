"""The per-file loop every subcommand shares: read, act, report, combine."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TextIO, TypeVar

from nbguard import notebook
from nbguard.notebook import Document, Notebook, NotebookError, paths
from nbguard.report import formats
from nbguard.report.finding import Finding, format_text

IO_CODE = "NBG001"
# A check may return remarks that are not findings (e.g. a cell it had to
# skip): they carry this code, are printed as notes in text format and never
# fail a run.
NOTE_CODE = "note"
FORMATS = formats.FORMATS
# Below this many files a process pool costs more than it saves.
PARALLEL_MIN_FILES = 32
# Most files one task of map_batches takes: few enough that the work stays balanced
# over the processes and results arrive steadily.
BATCH_FILES = 64

T = TypeVar("T")
R = TypeVar("R")


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
        default=argparse.SUPPRESS,
        help="report format (default: text)",
    )
    parser.add_argument(
        "--isolated",
        action="store_true",
        help="ignore configuration files ([tool.nbguard] in pyproject.toml, .nbguard.toml)",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="processes for large batches (default: one per core; 1 under pre-commit, "
        "which already runs one nbguard per core)",
    )


def jobs_for(requested: int | None) -> int:
    if requested is not None:
        return max(1, requested)
    if os.environ.get("PRE_COMMIT"):
        return 1
    return os.cpu_count() or 1


def map_files(fn: Callable[[T], R], items: Sequence[T], jobs: int) -> Iterator[R]:
    """``map(fn, items)`` in order, spread over ``jobs`` processes for large batches.

    ``fn`` must be picklable (a module-level function or a partial of one).
    """
    return _mapped(fn, items, _processes(len(items), jobs), chunksize=max(1, len(items) // (jobs * 64)))


def map_batches(fn: Callable[[Sequence[T]], list[R]], items: Sequence[T], jobs: int) -> Iterator[R]:
    """Like :func:`map_files`, for work that shares a set-up over several files:
    ``fn`` takes a run of consecutive items and returns one result per item, in order."""
    processes = _processes(len(items), jobs)
    size = max(1, min(BATCH_FILES, len(items) // (jobs * 16))) if processes > 1 else BATCH_FILES
    batches = [items[start : start + size] for start in range(0, len(items), size)]
    for results in _mapped(fn, batches, processes, chunksize=1):
        yield from results


def _processes(files: int, jobs: int) -> int:
    """How many processes to use: ``jobs``, or one where a pool would cost more than it saves."""
    return jobs if files >= PARALLEL_MIN_FILES else 1


def _mapped(fn: Callable[[T], R], items: Sequence[T], jobs: int, chunksize: int) -> Iterator[R]:
    """``map(fn, items)`` in order, over ``jobs`` processes when more than one.

    The cyclic garbage collector is paused meanwhile: parsed notebooks hold no
    reference cycles, so reference counting frees them, and the collector's
    passes over millions of fresh objects cost about 5% of a large batch.
    """
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        if jobs <= 1:
            yield from map(fn, items)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        fork = "fork" in multiprocessing.get_all_start_methods() and sys.platform == "linux"
        context = multiprocessing.get_context("fork" if fork else None)
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            yield from pool.map(fn, items, chunksize=chunksize)
    finally:
        if was_enabled:
            gc.enable()


def error_finding(path: str, error: NotebookError, check: str = "io") -> Finding:
    return Finding(code=IO_CODE, message=str(error), path=path, check=check)


def load(path: str, max_bytes: int = notebook.DEFAULT_MAX_BYTES) -> Document:
    """Read ``path`` ('-' is standard input, read whole as before) as a notebook."""
    if path == paths.STDIN:
        return notebook.parse(sys.stdin.buffer.read())
    return notebook.read(path, max_bytes)


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


class Reporter:
    """Collects findings and prints them in the chosen format.

    Line formats (text, github) are printed as each file finishes; whole-run
    documents (json, sarif) at the end.
    """

    def __init__(self, fmt: str = "text", stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.fmt = fmt
        self.stream = stream
        self.quiet = quiet
        self.findings: list[Finding] = []

    def _out(self) -> TextIO:
        return self.stream if self.stream is not None else sys.stdout

    def add(self, findings: Sequence[Finding]) -> None:
        self.findings.extend(findings)
        if findings and self.fmt not in formats.WHOLE_RUN_FORMATS:
            out = self._out()
            out.write(formats.render(findings, self.fmt, color=use_color(out)))

    def note(self, text: str) -> None:
        """A line that is not a finding (e.g. which file was rewritten)."""
        if self.fmt == "text" and not self.quiet:
            self._out().write(text + "\n")

    def finish(self) -> None:
        if self.fmt in formats.WHOLE_RUN_FORMATS:
            self._out().write(formats.render(self.findings, self.fmt))
        self._out().flush()


CheckFn = Callable[[Notebook], list[Finding]]


def check_path(job: tuple[str, CheckFn], name: str) -> list[Finding]:
    """Findings for one file: the check's, or the reason it cannot be read."""
    path, check = job
    try:
        doc = load(path)
        found = check(doc.nb)
    except NotebookError as exc:
        return [error_finding(path, exc, name)]
    except Exception as exc:  # a bug must not hide the other files, nor print a traceback
        return [error_finding(path, internal_error(exc, name), name)]
    return [f._replace(path=path, check=f.check or name) for f in found]


def internal_error(exc: Exception, check: str) -> NotebookError:
    """An unexpected error as a one-line finding; only its type is named, since its
    message could quote notebook text (a credential, say)."""
    where = f" in the {check} check" if check else ""
    return NotebookError(f"internal error{where} ({type(exc).__name__}); please report it")


def run_check(
    args: argparse.Namespace,
    make_check: Callable[[Mapping[str, Any]], CheckFn],
    name: str,
) -> int:
    """Run a read-only check over every named notebook; 1 if anything was found.

    ``make_check`` turns a notebook's effective settings (defaults, its
    configuration file, the command line) into the check to run on it; the
    check must be picklable (a partial of a module-level function) so that
    large batches can be spread over processes.
    """
    import functools

    from nbguard.config import ConfigError, Resolver, cli_settings

    resolver = Resolver(cli_settings(args), isolated=getattr(args, "isolated", False))
    targets = paths.expand(args.paths or [paths.STDIN])
    try:
        fmt = resolver.run_settings()["format"]
        jobs = [(path, resolver.derived(path, make_check)) for path in targets]
    except ConfigError as exc:
        print(f"nbguard: error: {exc}", file=sys.stderr)
        return 2
    reporter = Reporter(fmt)
    retv = 0
    workers = 1 if paths.STDIN in targets else jobs_for(getattr(args, "jobs", None))
    for found in map_files(functools.partial(check_path, name=name), jobs, workers):
        if any(f.code == NOTE_CODE for f in found):
            for note in (f for f in found if f.code == NOTE_CODE):
                reporter.note(format_text(note))
            found = [f for f in found if f.code != NOTE_CODE]
        reporter.add(found)
        retv |= 1 if found else 0
    reporter.finish()
    return retv
