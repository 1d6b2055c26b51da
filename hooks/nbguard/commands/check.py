"""``nbguard check``: every check in one pass over each notebook, and ``nbguard baseline``.

Order is judged on the notebook as found; credentials and images on what
would be committed (after stripping, when stripping is on). With ``--fix`` a
notebook that passes every check is stripped; one that fails is left exactly
as it is, so the evidence is still there when the user looks.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from nbguard import notebook
from nbguard.config import ConfigError, Resolver, cli_settings
from nbguard.notebook import Notebook, NotebookError, paths
from nbguard.notebook.write import remove_stale_temp_files, write_file
from nbguard.report import baseline as bl
from nbguard.report.finding import Finding
from nbguard.run import (
    Reporter,
    add_common_arguments,
    error_finding,
    internal_error,
    jobs_for,
    load,
    map_batches,
)

CHECKS = ("order", "secrets", "images", "strip")
CheckFn = Callable[[Notebook], list[Finding]]


def _order(settings: Mapping[str, Any]) -> CheckFn:
    # Not order.make_check: that one adds "cell skipped" notes for the order command.
    from nbguard.checks import order

    return functools.partial(order.check, **order.kwargs_from_settings(settings))


def _secrets(settings: Mapping[str, Any]) -> CheckFn:
    from nbguard.checks import secrets

    return secrets.make_check(settings)


def _images(settings: Mapping[str, Any]) -> CheckFn:
    from nbguard.checks import images

    return images.make_check(settings)


@dataclass(frozen=True)
class Plan:
    """What to run on one notebook, resolved from its settings (picklable)."""

    order: CheckFn | None
    secrets: CheckFn | None
    images: CheckFn | None
    strip: Any  # StripOptions | None; Any keeps nbguard.checks.strip off this module's import path

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Plan:
        from nbguard.checks.strip import options_from_settings

        return cls(
            order=_order(settings) if settings["order"] else None,
            secrets=_secrets(settings) if settings["secrets"] else None,
            images=_images(settings) if settings["images"] else None,
            strip=options_from_settings(settings) if settings["strip"] else None,
        )


@dataclass(frozen=True)
class Job:
    path: str
    plan: Plan
    fix: bool = False
    key_path: str = ""  # the path as the baseline names it
    known: frozenset[bl.Entry] = frozenset()
    root: str | None = None  # where a written file must really lie (see write_file)


@dataclass(frozen=True)
class Outcome:
    findings: tuple[Finding, ...] = ()
    note: str | None = None
    matched: frozenset[bl.Entry] = frozenset()
    entries: tuple[bl.Entry, ...] = ()  # every finding's baseline entry (for `baseline`)
    readable: bool = True
    stripped: bool = False


def check_notebook(nb: Notebook, plan: Plan) -> tuple[list[Finding], Notebook]:
    """The pure core: findings for a notebook, and the notebook that would be committed."""
    from nbguard.checks.strip import strip

    findings: list[Finding] = []
    if plan.order is not None:
        findings += [f._replace(check=f.check or "order") for f in plan.order(nb)]
    committed = strip(nb, plan.strip) if plan.strip is not None else nb
    if plan.secrets is not None:
        findings += [f._replace(check=f.check or "secrets") for f in plan.secrets(committed)]
    if plan.images is not None:
        findings += [f._replace(check=f.check or "images") for f in plan.images(committed)]
    return findings, committed


def run_batch(batch: Sequence[Job]) -> list[Outcome]:
    return [run_job(job) for job in batch]


def run_job(job: Job) -> Outcome:
    from nbguard.checks.strip import CHECK as STRIP
    from nbguard.checks.strip import CODE_WOULD_STRIP, describe

    try:
        doc = load(job.path)
        found, committed = check_notebook(doc.nb, job.plan)
    except NotebookError as exc:
        return Outcome((error_finding(job.path, exc),), readable=False)
    except Exception as exc:  # a bug must not stop the run, nor print a traceback
        return Outcome((error_finding(job.path, internal_error(exc, "")),), readable=False)
    found = [f._replace(path=job.path) for f in found]
    entries = tuple(bl.entry_for(job.key_path, doc.nb, f) for f in found)
    new = [f for f, e in zip(found, entries, strict=True) if e not in job.known]
    matched = frozenset(e for e in entries if e in job.known)
    try:
        data = notebook.changed_bytes(doc, committed)
    except NotebookError as exc:
        return Outcome((error_finding(job.path, exc),), readable=False)
    if data is None:
        return Outcome(tuple(new), matched=matched, entries=entries)
    summary = describe(doc.nb, committed)
    if not job.fix:
        would = Finding(CODE_WOULD_STRIP, f"would be stripped ({summary})", path=job.path, check=STRIP)
        return Outcome((*new, would), matched=matched, entries=entries)
    if new:
        return Outcome(tuple(new), matched=matched, entries=entries)  # keep the evidence
    try:
        write_file(job.path, data, root=job.root)
    except NotebookError as exc:
        return Outcome((error_finding(job.path, exc),), matched=matched, entries=entries)
    return Outcome(note=f"{job.path}: stripped {summary}", matched=matched, entries=entries, stripped=True)


# --- command line ---------------------------------------------------------


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    from nbguard.checks import images, order, secrets, strip

    add_common_arguments(parser)
    switches = parser.add_argument_group("checks (all on by default)", argument_default=argparse.SUPPRESS)
    for name in CHECKS:
        switches.add_argument(f"--no-{name}", dest=name, action="store_false", help=f"skip the {name} check")
    strip.add_strip_arguments(parser)
    order.add_policy_arguments(parser)
    images.add_limit_arguments(parser)
    secrets.add_allow_arguments(parser)


def add_reporting_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("reporting")
    g.add_argument(
        "--exit-zero",
        action="store_true",
        default=argparse.SUPPRESS,
        help="exit 0 even when there are findings (usage errors still exit 2)",
    )
    g.add_argument(
        "-q", "--quiet", action="store_true", help="print findings only: no notes, progress or summary"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_check_arguments(parser)
    parser.add_argument(
        "--fix",
        action="store_true",
        help="strip the notebooks that pass every check (a failing one is left as it is)",
    )
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="ignore the findings this baseline lists (default: none)",
    )
    parser.add_argument(
        "--show-stale", action="store_true", help="also report baseline entries whose finding is gone"
    )
    add_reporting_arguments(parser)


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
        checks = ", ".join(f"{name} {n}" for name, n in sorted(self.by_check.items()))
        codes = ", ".join(f"{code} {n}" for code, n in sorted(self.by_code.items()))
        return f"{head}, {total} finding{'s' if total != 1 else ''} ({checks}; {codes})"


def _baseline_path(resolver: Resolver, given: str | None) -> str | None:
    if given is not None:
        return given
    run_config = resolver.config_for(os.path.join(os.getcwd(), "_"))
    configured = resolver.run_settings()["baseline"]
    if configured is None:
        return None
    return os.path.join(run_config.folder, configured) if run_config else configured


def _key_path(path: str, root: str, folders: dict[str, str]) -> str:
    """``path`` as the baseline names it: relative to ``root``, with forward slashes.
    ``folders`` remembers each folder's part, so a large tree costs one relpath per folder."""
    folder, name = os.path.split(path)
    if folder not in folders:
        folders[folder] = os.path.relpath(os.path.abspath(folder), root)
    return bl.normalise(os.path.join(folders[folder], name))


def plan_jobs(
    args: argparse.Namespace, resolver: Resolver, *, fix: bool, base: bl.Baseline | None
) -> list[Job]:
    found = paths.expand_with_roots(args.paths or ["."], tracked_only=True, with_roots=fix)
    root = os.path.dirname(os.path.abspath(base.path)) if base else os.getcwd()
    jobs = []
    folders: dict[str, str] = {}
    for path, write_root in found:
        key = _key_path(path, root, folders)
        known = base.for_file(key) if base else frozenset()
        jobs.append(Job(path, resolver.derived(path, Plan.from_settings), fix, key, known, write_root))
    return jobs


def run(args: argparse.Namespace) -> int:
    resolver = Resolver(cli_settings(args), isolated=args.isolated)
    try:
        run_settings = resolver.run_settings()
        baseline_file = _baseline_path(resolver, getattr(args, "baseline", None))
        base = bl.load(baseline_file) if baseline_file else None
        jobs = plan_jobs(args, resolver, fix=args.fix, base=base)
    except (ConfigError, bl.BaselineError) as exc:
        print(f"nbguard: error: {exc}", file=sys.stderr)
        return 2
    if args.fix:  # what a killed run left (README, "Guarantees")
        remove_stale_temp_files(job.path for job in jobs)
    reporter = Reporter(run_settings["format"], quiet=args.quiet)
    progress = Progress(len(jobs), sys.stderr, enabled=not args.quiet)
    tally = Tally()
    matched: set[bl.Entry] = set()
    retv = 0
    for outcome in map_batches(run_batch, jobs, jobs_for(args.jobs)):
        progress.step()
        if outcome.findings:
            progress.clear()
        tally.notebooks += 1
        tally.stripped += outcome.stripped
        tally.add(outcome.findings)
        reporter.add(outcome.findings)
        if outcome.note:
            reporter.note(outcome.note)
        matched |= outcome.matched
        retv |= 1 if outcome.findings else 0
    progress.clear()
    if base is not None and args.show_stale:
        checked = {job.key_path for job in jobs}
        stale = sorted(e for e in base.entries if e.path in checked and e not in matched)
        for entry in stale:
            reporter.note(
                f"{entry.path}: stale baseline entry {entry.code} ({entry.cell or 'notebook'}): "
                "the finding is gone; regenerate the baseline with 'nbguard baseline'"
            )
    if len(jobs) != 1 or tally.by_code:
        reporter.note(tally.summary())
    reporter.finish()
    return 0 if run_settings["exit-zero"] else retv


def run_baseline(args: argparse.Namespace) -> int:
    """``nbguard baseline``: record today's findings (never values, never line numbers)."""
    resolver = Resolver(cli_settings(args), isolated=args.isolated)
    output = args.output
    try:
        jobs = plan_jobs(args, resolver, fix=False, base=bl.Baseline(frozenset(), output))
    except ConfigError as exc:
        print(f"nbguard: error: {exc}", file=sys.stderr)
        return 2
    entries: list[bl.Entry] = []
    unreadable: list[Finding] = []
    for outcome in map_batches(run_batch, jobs, jobs_for(args.jobs)):
        if not outcome.readable:
            unreadable.extend(outcome.findings)
        entries.extend(e for e in outcome.entries if not e.code.startswith("NBG4"))
    reporter = Reporter("text", quiet=args.quiet)
    reporter.add(unreadable)
    data = bl.dumps(entries).encode("utf-8")
    try:
        if os.path.exists(output):
            write_file(output, data, root=None)
        else:
            with open(output, "wb") as f:
                f.write(data)
    except (OSError, NotebookError) as exc:
        print(f"nbguard: error: cannot write {output}: {exc}", file=sys.stderr)
        return 2
    files = len({e.path for e in entries})
    reporter.note(f"wrote {output}: {len(set(entries))} findings in {files} notebooks")
    reporter.finish()
    return 1 if unreadable else 0


def add_baseline_arguments(parser: argparse.ArgumentParser) -> None:
    add_check_arguments(parser)
    parser.add_argument(
        "-o",
        "--output",
        default=bl.DEFAULT_NAME,
        metavar="FILE",
        help=f"where to write the baseline (default: {bl.DEFAULT_NAME})",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


def main(argv: Sequence[str] | None = None) -> int:
    from nbguard.cli import main as cli_main

    return cli_main(["check", *(argv if argv is not None else sys.argv[1:])])
