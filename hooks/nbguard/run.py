"""The one run loop every checking subcommand shares.

Files become jobs (each with the checks its configuration switches on), jobs
run serially or over processes, and the loop prints findings, notes, progress
and a summary, applies the baseline and decides the exit code. ``nbguard
check`` runs every check; ``nbguard strip``, ``order``, ``secrets`` and
``images`` run one, through the same loop.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TextIO, TypeVar

from nbguard import checks, notebook
from nbguard.config import ConfigError, Resolver, Settings, add_isolated_argument, cli_settings, run_option
from nbguard.notebook import Document, Notebook, NotebookError, paths
from nbguard.registry import CheckFn, whole_number
from nbguard.report import baseline as bl
from nbguard.report import formats
from nbguard.report.finding import IO_CODE, NOTE_CODE, Finding, error_finding, format_text

# Below this many files a process pool costs more than it saves.
PARALLEL_MIN_FILES = 32
STRIP = "strip"
ORDER = "order"

T = TypeVar("T")
R = TypeVar("R")

__all__ = ["IO_CODE", "NOTE_CODE", "Reporter", "error_finding", "load"]


# --- arguments ------------------------------------------------------------------


def positive_int(text: str) -> int:
    """``-j``'s value: a whole number of processes, at least 1."""
    value = whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def add_common_arguments(
    parser: argparse.ArgumentParser, *, reports: bool = True, paths: bool = True
) -> None:
    """The paths (unless ``paths`` is false), ``--isolated``, the size limit and ``-j``; with
    ``reports``, ``--format``."""
    if paths:
        parser.add_argument(
            "paths",
            nargs="*",
            metavar="PATH",
            help="notebooks or folders (searched for *.ipynb, and *.zpln Zeppelin notes)",
        )
    if reports:
        run_option("format").add_to(parser)
    add_isolated_argument(parser)
    run_option("max-notebook-mb").add_to(parser)
    run_option("exclude").add_to(parser)
    run_option("extend-exclude").add_to(parser)
    parser.add_argument(
        "-j",
        "--jobs",
        type=positive_int,
        default=None,
        metavar="N",
        help="processes for large batches (default: one per core; 1 under pre-commit, "
        "which already runs one nbguard per core)",
    )


def add_check_arguments(
    parser: argparse.ArgumentParser, names: Sequence[str], *, reports: bool = True, paths: bool = True
) -> None:
    """The common arguments and every option of the named checks; with several checks,
    a ``--no-NAME`` switch for each."""
    add_common_arguments(parser, reports=reports, paths=paths)
    if len(names) > 1:
        switches = parser.add_argument_group("checks (all on by default)", argument_default=argparse.SUPPRESS)
        for name in names:
            switches.add_argument(
                f"--no-{name}", dest=name, action="store_false", help=f"skip the {name} check"
            )
    for name in names:
        checks.get(name).add_options(parser)


def add_reporting_arguments(parser: argparse.ArgumentParser) -> None:
    """``--exit-zero`` and ``-q``, for every checking subcommand."""
    g = parser.add_argument_group("reporting")
    run_option("exit-zero").add_to(g)
    g.add_argument(
        "-q", "--quiet", action="store_true", help="print findings only: no notes, progress or summary"
    )


def jobs_for(requested: int | None) -> int:
    if requested is not None:
        return requested
    if os.environ.get("PRE_COMMIT"):
        return 1
    return os.cpu_count() or 1


# --- work ---------------------------------------------------------------------


def map_files(fn: Callable[[T], R], items: Sequence[T], jobs: int) -> Iterator[R]:
    """``map(fn, items)`` in order, over ``jobs`` processes for large batches.

    ``fn`` must be picklable (a module-level function or a partial of one).
    """
    if jobs <= 1 or len(items) < PARALLEL_MIN_FILES:
        yield from map(fn, items)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    fork = "fork" in multiprocessing.get_all_start_methods() and sys.platform == "linux"
    context = multiprocessing.get_context("fork" if fork else None)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        yield from pool.map(fn, items, chunksize=max(1, len(items) // (jobs * 16)))


def load(path: str, max_bytes: int = notebook.DEFAULT_MAX_BYTES, *, zeppelin: bool = False) -> Document:
    """Read ``path`` ('-' is standard input, read whole) as a notebook (a Zeppelin note)."""
    if path == paths.STDIN:
        return notebook.parse(sys.stdin.buffer.read(), zeppelin=zeppelin)
    try:
        return notebook.read(path, max_bytes, zeppelin=zeppelin)
    except NotebookError as exc:
        if path.endswith(".ipynb") or not str(exc).startswith("invalid JSON"):
            raise
        extension = os.path.splitext(path)[1]
        kind = f"a {extension} file" if extension else "not a .ipynb file"
        raise NotebookError(f"not a notebook ({kind}; nbguard reads .ipynb)") from None


def internal_error(exc: Exception, check: str) -> NotebookError:
    """An unexpected error as a one-line finding; only its type is named, since its
    message could quote notebook text (a credential, say)."""
    where = f" in the {check} check" if check else ""
    return NotebookError(f"internal error{where} ({type(exc).__name__}); please report it")


class Plan(NamedTuple):
    """What to run on one notebook, resolved from its settings (picklable): the
    checks as found, the fixer's options, and the checks on what would be committed."""

    found: tuple[tuple[str, CheckFn], ...] = ()
    strip: Any = None  # StripOptions | None; Any keeps nbguard.checks.strip off this import path
    committed: tuple[tuple[str, CheckFn], ...] = ()
    max_bytes: int = notebook.DEFAULT_MAX_BYTES  # a larger file is refused unread
    fixes: tuple[Callable[[Notebook], tuple[Notebook, str]], ...] = ()  # --fix's rewrites, first
    mode: str = "auto"  # strip's mode setting: which files are Zeppelin notes


def planner(names: Sequence[str], *, fix: bool = False) -> Callable[[Settings], Plan]:
    """A picklable maker of :class:`Plan` for the checks ``names`` (switched by settings);
    with ``fix``, the checks' rewrites (``Check.build_fix``) too."""
    return _Planner(tuple(names), fix)


@dataclass(frozen=True)
class _Planner:
    names: tuple[str, ...]
    fix: bool = False

    def __call__(self, settings: Settings) -> Plan:
        found: list[tuple[str, CheckFn]] = []
        committed: list[tuple[str, CheckFn]] = []
        fixes = []
        strip = None
        # Where this run strips, the checks that use strip's options to see what is committed
        # are handed the stripped notebook: they need not strip it again.
        stripped = {**settings, STRIP: False} if STRIP in self.names and settings[STRIP] else settings
        for name in self.names:
            if not settings[name]:
                continue
            check = checks.get(name)
            if check.fixer:
                strip = check.build(settings)
            else:
                made = check.build(stripped if STRIP in check.uses else settings)
                (found if check.judges == "found" else committed).append((name, made))
            rewrite = check.build_fix(settings) if self.fix and check.build_fix else None
            if rewrite is not None:
                fixes.append(rewrite)
        return Plan(
            tuple(found),
            strip,
            tuple(committed),
            settings["max-notebook-mb"] * 2**20,
            tuple(fixes),
            settings["mode"],
        )


def check_notebook(nb: Notebook, plan: Plan) -> tuple[list[Finding], Notebook]:
    """The pure core: findings for a notebook, and the notebook that would be committed."""
    findings: list[Finding] = []
    for name, fn in plan.found:
        findings += [f._replace(check=f.check or name) for f in fn(nb)]
    if plan.strip is not None:
        from nbguard.checks.strip import strip

        committed = strip(nb, plan.strip)
    else:
        committed = nb
    for name, fn in plan.committed:
        findings += [f._replace(check=f.check or name) for f in fn(committed)]
    return findings, committed


def check_document(doc: Document, plan: Plan, nb: Notebook | None = None) -> tuple[list[Finding], Notebook]:
    """:func:`check_notebook` on ``nb`` (default: the document's); for a Zeppelin note, the
    checks but order (a note records no execution order) on its Jupyter view
    (:func:`nbguard.notebook.zeppelin_view`), and the note with its results emptied."""
    if doc.zeppelin:
        from nbguard.checks.strip import strip_zeppelin

        committed = doc.nb if plan.strip is None else strip_zeppelin(doc.nb, plan.strip)
        view = notebook.zeppelin_view(doc.nb)
        as_found = Plan(tuple((name, fn) for name, fn in plan.found if name != ORDER))
        as_committed = Plan(committed=tuple((name, fn) for name, fn in plan.committed if name != ORDER))
        found = check_notebook(view, as_found)[0]
        found += check_notebook(
            view if committed is doc.nb else notebook.zeppelin_view(committed), as_committed
        )[0]
        return found, committed
    return check_notebook(doc.nb if nb is None else nb, plan)


class Job(NamedTuple):
    path: str
    plan: Plan
    fix: bool = False  # write what would be committed (when no finding is new)
    key_path: str = ""  # the path as the baseline names it; empty: no baseline in play
    known: frozenset[bl.Entry] = frozenset()
    notes: bool = False  # keep the checks' notes (code "note")
    io_check: str = "io"  # the check an unreadable file's NBG001 names
    named: str = ""  # the path given on the command line that this file was found from
    locate: bool = False  # place findings on the file's lines (sarif, github, gitlab)
    filtered: bool = False  # under nbguard's git filter: checked, never rewritten


class Outcome(NamedTuple):
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    matched: frozenset[bl.Entry] = frozenset()
    entries: tuple[bl.Entry, ...] = ()  # every finding's baseline entry (for `baseline`)
    readable: bool = True
    stripped: bool = False


def run_job(job: Job) -> Outcome:  # noqa: PLR0911 - one return per outcome
    """Check one file and, with ``job.fix``, write what would be committed."""
    from nbguard.checks.strip import describe, is_zeppelin, too_large, would_strip, writing

    def unreadable(exc: NotebookError) -> Outcome:
        return Outcome((error_finding(job.path, exc, job.io_check),), readable=False)

    try:
        doc = load(job.path, job.plan.max_bytes, zeppelin=is_zeppelin(job.path, job.plan.mode))
        nb, fixed = _rewritten(job, doc)
        found, committed = check_document(doc, job.plan, nb)
    except NotebookError as exc:
        return unreadable(exc)
    except Exception as exc:  # noqa: BLE001 - a bug must not stop the run, nor print a traceback
        return unreadable(internal_error(exc, ""))
    notes = (
        tuple(format_text(f._replace(path=job.path)) for f in found if f.code == NOTE_CODE)
        if job.notes
        else ()
    )
    found = [f._replace(path=job.path) for f in found if f.code != NOTE_CODE]
    if job.key_path:  # a baseline is in play: each finding's entry
        read = notebook.zeppelin_view(doc.nb) if doc.zeppelin else doc.nb  # what the checks read
        entries = tuple(bl.entry_for(job.key_path, read, f) for f in found)
        new = tuple(f for f, e in zip(found, entries, strict=True) if e not in job.known)
        matched = frozenset(e for e in entries if e in job.known)
    else:
        entries, new, matched = (), tuple(found), frozenset()
    try:
        data = notebook.changed_bytes(writing(doc, job.plan.strip), committed)
    except NotebookError as exc:
        return unreadable(exc)
    large = tuple(too_large(job.path, len(doc.data if data is None else data), job.plan.strip))
    # Each outcome's findings are placed on the file's lines in one pass (a parse of its JSON).
    if data is None or job.filtered:  # the filter strips what is committed
        return Outcome(_located(job, doc, (*new, *large)), notes, matched, entries)
    if not job.fix:
        would = would_strip(job.path, doc.nb, committed)
        return Outcome(_located(job, doc, (*new, would, *large)), notes, matched, entries)
    fix_notes = tuple(f"{job.path}: {note}" for note in fixed)
    # A failing notebook keeps the evidence (it is not stripped); the rewrites keep it too.
    written = _bytes_of(writing(doc, job.plan.strip), nb) if new else data
    failed = _write(job, written) if fixed or not new else None
    if failed is not None:
        return Outcome((failed,), notes, matched, entries)
    if new:
        return Outcome(_located(job, doc, (*new, *large)), (*notes, *fix_notes), matched, entries)
    # Where nothing strips (nbguard privacy --fix, or stripping changes nothing), only the
    # rewrites changed the file.
    strip_note = () if committed is nb else (f"{job.path}: stripped {describe(nb, committed)}",)
    return Outcome(large, (*notes, *strip_note, *fix_notes), matched, entries, stripped=bool(strip_note))


def _rewritten(job: Job, doc: Document) -> tuple[Notebook, list[str]]:
    """The notebook after --fix's rewrites (none under the git filter, none for a Zeppelin
    note), and their notes."""
    nb, fixed = doc.nb, []
    for rewrite in () if job.filtered or doc.zeppelin else job.plan.fixes:
        nb, note = rewrite(nb)
        if note:
            fixed.append(note)
    return nb, fixed


def _write(job: Job, data: bytes) -> Finding | None:
    """Write ``data`` over the job's file; the finding that says why it could not be."""
    from nbguard.notebook.write import write_file

    try:
        write_file(job.path, data, root=paths.write_root_if_linked(job.path, job.named))
    except NotebookError as exc:
        return error_finding(job.path, exc, job.io_check)
    return None


def _bytes_of(doc: Document, nb: Notebook) -> bytes:
    data = notebook.changed_bytes(doc, nb)
    return doc.data if data is None else data


def _located(job: Job, doc: Document, findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """The findings placed on the file's lines, if the format needs that."""
    if not job.locate or not findings:
        return findings
    from nbguard.report.locate import anchored

    # A Zeppelin note's findings are on its Jupyter view's cells (placed on the file's line 1).
    return tuple(anchored(doc._replace(nb=notebook.zeppelin_view(doc.nb)) if doc.zeppelin else doc, findings))


# --- reporting -----------------------------------------------------------------


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

    def finish(self, exit_code: int = 0) -> None:
        if self.fmt in formats.WHOLE_RUN_FORMATS:
            self._out().write(formats.render(self.findings, self.fmt, exit_code=exit_code))
        self._out().flush()


class Progress:
    """A one-line counter on a terminal's standard error; silent in CI logs and pipes."""

    def __init__(self, total: int, stream: TextIO, enabled: bool) -> None:
        self.total, self.stream, self.done = total, stream, 0
        self.enabled = enabled and total > 1 and stream.isatty() and not os.environ.get("CI")

    def step(self) -> None:
        self.done += 1
        if self.enabled:
            self.stream.write(f"\rnbguard: {self.done}/{self.total} notebooks")
            self.stream.flush()

    def clear(self) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()


@dataclass
class Tally:
    notebooks: int = 0
    stripped: int = 0
    by_check: Counter[str] = field(default_factory=Counter)
    by_code: Counter[str] = field(default_factory=Counter)

    def add(self, findings: Sequence[Finding]) -> None:
        for f in findings:
            self.by_check[f.check] += 1
            self.by_code[f.code] += 1

    def summary(self) -> str:
        total = sum(self.by_code.values())
        head = f"{self.notebooks} notebook{'s' if self.notebooks != 1 else ''} checked"
        if self.stripped:
            head += f", {self.stripped} stripped"
        if not total:
            return head + ", no findings"
        checks_part = ", ".join(f"{name} {n}" for name, n in sorted(self.by_check.items()))
        codes = ", ".join(f"{code} {n}" for code, n in sorted(self.by_code.items()))
        return f"{head}, {total} finding{'s' if total != 1 else ''} ({checks_part}; {codes})"


# --- the loop --------------------------------------------------------------------


class Run(NamedTuple):
    """How one subcommand uses the loop."""

    names: tuple[str, ...]  # the checks it runs
    fix: bool = False  # write what would be committed
    default_paths: tuple[str, ...] = (paths.STDIN,)  # what no PATH means
    notes: bool = False  # print the checks' notes
    summary: bool = False  # print a summary line (and progress on a terminal)
    io_check: str = "io"
    spare_filtered: bool = False  # with fix: only check notebooks under nbguard's git filter
    dry_run: bool = False  # a notebook that would be stripped does not fail the run


def _baseline_path(resolver: Resolver, given: str | None) -> str | None:
    if given is not None:
        return given
    run_config = resolver.config_for(os.path.join(os.getcwd(), "_"))
    configured = resolver.run_settings()["baseline"]
    if configured is None:
        return None
    return os.path.join(run_config.folder, configured) if run_config else configured


def _load_baseline(resolver: Resolver, given: str | None) -> bl.Baseline | None:
    """The baseline in play: named on the command line (it must exist), or configured; one
    configured before it was made (the adoption guide's order) is left out, with a note."""
    path = _baseline_path(resolver, given)
    if path is None:
        return None
    if given is None and not os.path.exists(path):
        print(
            f"nbguard: note: the configured baseline {path} does not exist yet "
            "(create it with 'nbguard baseline'); every finding counts",
            file=sys.stderr,
        )
        return None
    return bl.load(path)


def _key_path(path: str, root: str, folders: dict[str, str]) -> str:
    """``path`` as the baseline names it: relative to ``root``, with forward slashes.
    ``folders`` remembers each folder's part, so a large tree costs one relpath per folder."""
    folder, name = os.path.split(path)
    if folder not in folders:
        folders[folder] = os.path.relpath(os.path.abspath(folder), root)
    return bl.normalise(os.path.join(folders[folder], name))


def plan_jobs(args: argparse.Namespace, resolver: Resolver, run: Run, base: bl.Baseline | None) -> list[Job]:
    root = os.path.dirname(os.path.abspath(base.path)) if base else os.getcwd()
    make = planner(run.names, fix=run.fix)
    from nbguard.checks.strip import ZEPPELIN_SUFFIX
    from nbguard.report.locate import LINE_FORMATS

    locate = resolver.run_settings()["format"] in LINE_FORMATS
    jobs = []
    folders: dict[str, str] = {}
    for named in args.paths or list(run.default_paths):
        for path in paths.expand([named]):  # inside git: tracked, and untracked not ignored
            if resolver.excluded(path):
                continue
            key = _key_path(path, root, folders) if base else ""
            known = base.for_file(key) if base else frozenset()
            plan = resolver.derived(path, make)
            if path != named and path.endswith(ZEPPELIN_SUFFIX) and plan.mode == "jupyter":
                continue  # a folder's Zeppelin note, where notes are not read
            jobs.append(Job(path, plan, run.fix, key, known, run.notes, run.io_check, named, locate))
    return jobs


def _spare_filtered(jobs: list[Job], reporter: Reporter) -> list[Job]:
    """The jobs, those of notebooks under nbguard's git filter (``nbguard install``) made
    check-only: the filter strips what is committed, and rewriting the file would erase
    the outputs the user keeps in the working copy. One note says so."""
    from nbguard.commands.install import DRIVER

    under = paths.filtered([job.path for job in jobs], DRIVER)
    if not under:
        return jobs
    count = len(under)
    reporter.note(
        f"nbguard: {count} notebook{'s are' if count != 1 else ' is'} under nbguard's git filter "
        "(nbguard install): checked, not rewritten; the filter strips what is committed"
    )
    return [job._replace(filtered=True) if job.path in under else job for job in jobs]


def _wants_summary(run: Run, jobs: int, tally: Tally) -> bool:
    """One summary line per run: always on a terminal (a clean run is not silent there),
    never under pre-commit (it runs the hook once per batch of files, so each summary
    would count only part of the commit), and otherwise where the subcommand asks."""
    if os.environ.get("PRE_COMMIT"):
        return False
    if sys.stdout.isatty():
        return True
    return run.summary and (jobs != 1 or bool(tally.by_code))


def usage_error(exc: object) -> int:
    print(f"nbguard: error: {exc}", file=sys.stderr)
    return 2


def run_checks(args: argparse.Namespace, run: Run) -> int:
    """Run ``run.names`` over the named files; 0 clean, 1 findings, 2 usage error."""
    resolver = Resolver(cli_settings(args), isolated=getattr(args, "isolated", False))
    quiet = getattr(args, "quiet", False)
    try:
        run_settings = resolver.run_settings()
        base = _load_baseline(resolver, getattr(args, "baseline", None))
        jobs = plan_jobs(args, resolver, run, base)
    except (ConfigError, bl.BaselineError) as exc:
        return usage_error(exc)
    reporter = Reporter(run_settings["format"], quiet=quiet)
    if run.fix:  # what a killed run left (README, "Guarantees")
        from nbguard.notebook.write import remove_stale_temp_files

        remove_stale_temp_files(job.path for job in jobs if job.path != paths.STDIN)
        if run.spare_filtered:
            jobs = _spare_filtered(jobs, reporter)
    progress = Progress(len(jobs), sys.stderr, enabled=run.summary and not quiet)
    tally = Tally()
    matched: set[bl.Entry] = set()
    retv = 0
    workers = 1 if any(job.path == paths.STDIN for job in jobs) else jobs_for(getattr(args, "jobs", None))
    for outcome in map_files(run_job, jobs, workers):
        progress.step()
        if outcome.findings:
            progress.clear()
        tally.notebooks += 1
        tally.stripped += outcome.stripped
        tally.add(outcome.findings)
        reporter.add(outcome.findings)
        for note in outcome.notes:
            reporter.note(note)
        matched |= outcome.matched
        retv |= 1 if any(not run.dry_run or f.code != "NBG401" for f in outcome.findings) else 0
    progress.clear()
    if base is not None and getattr(args, "show_stale", False):
        checked = {job.key_path for job in jobs}
        stale = sorted(e for e in base.entries if e.path in checked and e not in matched)
        for entry in stale:
            reporter.note(
                f"{entry.path}: stale baseline entry {entry.code} ({entry.cell or 'notebook'}): "
                "the finding is gone; regenerate the baseline with 'nbguard baseline'"
            )
    if _wants_summary(run, len(jobs), tally):
        reporter.note(tally.summary())
    exit_code = 0 if run_settings["exit-zero"] else retv
    reporter.finish(exit_code)
    return exit_code


def baseline_entries(args: argparse.Namespace, output: str) -> tuple[list[bl.Entry], list[Finding]]:
    """Every finding's baseline entry over the named files, and the unreadable files' findings;
    ConfigError for a configuration mistake."""
    resolver = Resolver(cli_settings(args), isolated=args.isolated)
    run = Run(checks.NAMES, default_paths=(".",))
    jobs = plan_jobs(args, resolver, run, bl.Baseline(frozenset(), output))
    entries: list[bl.Entry] = []
    unreadable: list[Finding] = []
    for outcome in map_files(run_job, jobs, jobs_for(args.jobs)):
        if not outcome.readable:
            unreadable.extend(outcome.findings)
        entries.extend(e for e in outcome.entries if not e.code.startswith("NBG4"))
    return entries, unreadable


# --- one check as a subcommand ------------------------------------------------------


def add_subcommand_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    """``nbguard NAME``'s arguments: the common ones and the check's options; a fixer
    also has its modes (write in place, ``--check``, ``--textconv``, standard input)."""
    if checks.get(name).fixer:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--check",
            "--verify",
            dest="check",
            action="store_true",
            help="write nothing; name each notebook that would change and exit 1",
        )
        mode.add_argument(
            "--dry-run",
            action="store_true",
            help="write nothing; name each notebook that would change, and exit 0 (nbstripout's "
            "--dry-run; --check exits 1)",
        )
        mode.add_argument(
            "-t", "--textconv", action="store_true", help="print the stripped notebooks to standard output"
        )
    if checks.get(name).build_fix is not None:
        parser.add_argument(
            "--fix",
            action="store_true",
            help="apply the safe rewrites (privacy: home directories in outputs become ~)",
        )
    add_check_arguments(parser, [name])
    for used in checks.get(name).uses:
        checks.get(used).add_options(parser)
    add_reporting_arguments(parser)


def run_subcommand(args: argparse.Namespace, name: str) -> int:
    """``nbguard NAME``: one check through the loop; a fixer writes unless ``--check``."""
    if not args.paths and sys.stdin.isatty():  # nothing named, and no notebook piped in
        args.parser.error("no PATH given (name notebooks or folders, or pipe a notebook in with '-')")
    fixer = checks.get(name).fixer
    dry_run = fixer and args.dry_run
    if dry_run:
        args.check = True
    if fixer and (args.textconv or not args.paths or args.paths == [paths.STDIN]):
        return _to_stdout(args, name)
    fix = (fixer and not args.check) or getattr(args, "fix", False)
    # Stripping removes the counts the order check judges: as a pre-commit hook, a fixer
    # writing in place first runs order (unless configuration switches it off) and leaves
    # a notebook it rejects as it is, so that an out-of-order notebook never gets in,
    # whatever order the hooks are listed in.
    hook = bool(fixer and fix and os.environ.get("PRE_COMMIT"))
    names = (ORDER, name) if hook else (name,)
    # Filter mode keeps outputs in the working copy: as a hook, a notebook under the filter
    # is only checked (by hand, `nbguard strip` strips what it is asked to).
    run = Run(names, fix=fix, notes=True, io_check=name, spare_filtered=hook, dry_run=dry_run)
    return run_checks(args, run)


def _to_stdout(args: argparse.Namespace, name: str) -> int:
    """The fixer's output on standard output, reports on standard error: a notebook
    read from standard input as a git filter uses it (unchanged bytes, also when it
    cannot be parsed), or, with ``--textconv``, each named notebook, always."""
    resolver = Resolver(cli_settings(args), isolated=args.isolated)
    targets = paths.expand(args.paths) if args.paths else [paths.STDIN]
    try:
        run_settings = resolver.run_settings()
        fmt = run_settings["format"]
        plans = [(path, resolver.derived(path, planner((name,)))) for path in targets]
    except ConfigError as exc:
        return usage_error(exc)
    from nbguard.checks.strip import is_zeppelin, would_strip, writing

    reporter = Reporter(fmt, None if args.check else sys.stderr)
    retv = 0
    for path, plan in plans:
        raw = sys.stdin.buffer.read() if path == paths.STDIN else None
        try:
            zeppelin = is_zeppelin(path, plan.mode)
            doc = (
                notebook.parse(raw, zeppelin=zeppelin)
                if raw is not None
                else load(path, plan.max_bytes, zeppelin=zeppelin)
            )
            _, committed = check_document(doc, plan)
            doc = writing(doc, plan.strip)
            if args.textconv:
                data: bytes | None = notebook.serialize(doc, committed)
            else:
                data = notebook.changed_bytes(doc, committed)
        except NotebookError as exc:
            if raw is not None and not args.check:
                sys.stdout.buffer.write(raw)  # a filter must never lose content
            reporter.add([error_finding(path, exc, name)])
            retv = 1
            continue
        if args.check:
            if data is not None:
                reporter.add([would_strip(path, doc.nb, committed, name)])
                retv |= 0 if args.dry_run else 1
            continue
        sys.stdout.buffer.write(doc.data if data is None else data)
    sys.stdout.buffer.flush()
    exit_code = 0 if run_settings["exit-zero"] else retv
    reporter.finish(exit_code)
    return exit_code
