"""``nbguard history``: check every notebook ever committed, and (``--rewrite``) clean
history with git-filter-repo.

Every ``*.ipynb`` blob reachable from the chosen revisions (all refs by default) is
read once, deduplicated by blob id, through one ``git cat-file --batch`` process (no
checkout; blobs are streamed to the workers in small chunks, never all held), and
judged by the checks that matter for what was committed: credentials, personal data,
images and error outputs. Order and stripping are off: history cannot be re-run or
re-stripped, only rewritten. Each finding names the commit and path that introduced
the blob, its author date, and today's branches whose tip still holds it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from nbguard import checks, notebook
from nbguard.config import ConfigError, Resolver, Settings, cli_settings, run_option
from nbguard.notebook import NotebookError
from nbguard.report import baseline as bl
from nbguard.report.finding import Commit, Finding, error_finding
from nbguard.run import (
    NOTE_CODE,
    Outcome,
    Plan,
    Progress,
    Reporter,
    add_check_arguments,
    add_reporting_arguments,
    check_notebook,
    internal_error,
    jobs_for,
    planner,
    usage_error,
)

# What history is judged on: everything `nbguard check` runs but order (the counts of
# a past run mean nothing now) and strip (what was committed is what it is).
NAMES = tuple(name for name in checks.NAMES if name not in ("order", "strip"))
GITLINK, SYMLINK = "160000", "120000"
LFS_MARK = b"version https://git-lfs.github.com/spec/"
CHUNK_BYTES = 1 << 20  # blobs sent to a worker at a time, about
PARALLEL_MIN_BLOBS = 32


class GitError(Exception):
    """A git command failed: a usage error (not a repository, an unknown revision)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "revisions",
        nargs="*",
        metavar="REVISION",
        help="revisions or ranges to scan, as git log takes them (default: all refs)",
    )
    parser.add_argument("--since", metavar="DATE", help="only commits after DATE (git's date formats)")
    add_check_arguments(parser, NAMES, paths=False)  # history's positional arguments are revisions
    run_option("baseline").add_to(parser)
    rewrite = parser.add_argument_group(
        "cleaning history (needs git-filter-repo: pip install 'nbguard[history]')"
    )
    rewrite.add_argument(
        "--rewrite",
        action="store_true",
        help="rewrite history with git-filter-repo (a dry run unless --apply)",
    )
    rewrite.add_argument(
        "--strip-outputs", action="store_true", help="with --rewrite: strip outputs from every notebook blob"
    )
    rewrite.add_argument(
        "--purge-findings",
        action="store_true",
        help="with --rewrite: remove what holds each finding (its output, or its line of source)",
    )
    rewrite.add_argument(
        "--apply", action="store_true", help="with --rewrite: write the new history (after a backup bundle)"
    )
    rewrite.add_argument(
        "--backup", metavar="FILE", help="with --apply: the backup bundle (default: in the git directory)"
    )
    add_reporting_arguments(parser)


# --- git ------------------------------------------------------------------------


def git(args: Sequence[str], *, cwd: str | None = None) -> bytes:
    """``git ARGS``'s standard output; GitError with git's first line of complaint."""
    proc = subprocess.run(["git", *args], capture_output=True, check=False, cwd=cwd)
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "backslashreplace").strip().splitlines()
        message = next((line for line in lines if line.startswith("fatal:")), lines[0] if lines else "")
        raise GitError(f"git {args[0]}: {message.removeprefix('fatal: ') or f'exit {proc.returncode}'}")
    return proc.stdout


def shown(raw: bytes) -> str:
    """A path from git as text; bytes that are not UTF-8 are escaped (\\xNN)."""
    return raw.decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class Blob:
    """A notebook blob and where it first entered history."""

    oid: str
    commit: str
    date: str  # the commit's author date, ISO 8601
    path: str  # as shown (non-UTF-8 bytes escaped)
    mode: str
    utf8: bool = True  # the path is valid UTF-8


def introduced(revisions: Sequence[str], since: str | None) -> tuple[list[Blob], int]:
    """Each distinct ``*.ipynb`` blob with the first commit (parents before children)
    and path that added it, and the number of commits looked at.

    Merges are diffed against each parent, so a blob first made by a merge is found;
    in a shallow clone the boundary commits show their whole tree as added.
    """
    args = ["log", *(revisions or ["--all"]), "--date-order", "--reverse", "--raw", "-z"]
    args += ["--no-abbrev", "--no-renames", "-m", "--format=%x01%H %aI"]
    if since:
        args.append(f"--since={since}")
    out = git([*args, "--", "*.ipynb"])
    seen: set[str] = set()
    blobs: list[Blob] = []
    commits: set[str] = set()
    for record in out.split(b"\x01")[1:]:
        fields = record.split(b"\0")
        sha, _, date = fields[0].decode("ascii").partition(" ")
        commits.add(sha)
        for meta, path in zip(fields[1::2], fields[2::2], strict=False):
            parts = meta.strip().decode("ascii").split()
            if len(parts) < 5 or not path.endswith(b".ipynb"):
                continue
            mode, oid = parts[1], parts[3]
            if set(oid) == {"0"} or oid in seen:  # deleted, or seen before
                continue
            seen.add(oid)
            try:
                path.decode("utf-8")
                utf8 = True
            except UnicodeDecodeError:
                utf8 = False
            blobs.append(Blob(oid, sha, date, shown(path), mode, utf8))
    return blobs, len(commits)


def branch_tips() -> tuple[dict[str, set[str]], set[str]]:
    """Each blob of a ``*.ipynb`` file in today's branches (local and remote-tracking),
    with the names of the branches whose tip holds it; and the paths of the submodules
    (gitlinks) in those tips, whose notebooks are in other repositories."""
    refs = git(["for-each-ref", "--format=%(refname)%00%(symref)", "refs/heads", "refs/remotes"])
    holders: dict[str, set[str]] = {}
    submodules: set[str] = set()
    for line in refs.decode("utf-8", "backslashreplace").splitlines():
        ref, _, symref = line.partition("\0")
        if symref:  # origin/HEAD names another branch
            continue
        name = ref.removeprefix("refs/heads/").removeprefix("refs/remotes/")
        for entry in git(["ls-tree", "-r", "-z", ref]).split(b"\0"):
            meta, _, path = entry.partition(b"\t")
            if path.endswith(b".ipynb"):
                holders.setdefault(meta.split()[2].decode("ascii"), set()).add(name)
            elif meta.startswith(GITLINK.encode("ascii")):
                submodules.add(shown(path))
    return holders, submodules


Read = tuple[str, bytes | None, str]  # oid, content (None: not read), why not


class CatFile:
    """One ``git cat-file --batch`` process, fed by a thread so that neither side waits
    on a full pipe; restarted after the objects it could not read."""

    def __init__(self, oids: Sequence[str]) -> None:
        self.oids = oids

    def contents(self, max_bytes: int) -> Iterator[Read]:
        """(oid, its content or None, why not) for each oid, in order; a blob over
        ``max_bytes`` is read through in pieces and dropped."""
        start = 0
        while start < len(self.oids):
            done = yield from self._run(self.oids[start:], max_bytes)
            start += done

    def _run(self, oids: Sequence[str], max_bytes: int) -> Generator[Read, None, int]:
        proc = subprocess.Popen(
            [
                "git",
                "-c",
                "core.packedGitWindowSize=16m",
                "-c",
                "core.packedGitLimit=64m",
                "cat-file",
                "--batch",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert proc.stdin is not None  # noqa: S101 - a pipe
        assert proc.stdout is not None  # noqa: S101 - a pipe
        feeder = threading.Thread(target=_feed, args=(proc.stdin, oids), daemon=True)
        feeder.start()
        done = 0
        try:
            for oid in oids:
                header = proc.stdout.readline().split()
                done += 1
                if not header:  # git stopped on this object
                    yield oid, None, "git cannot read this object (corrupt)"
                    return done
                if header[1] == b"missing":
                    yield oid, None, "git cannot read this object (missing or corrupt)"
                    continue
                size = int(header[2])
                if size > max_bytes:
                    _skip(proc.stdout, size + 1)
                    yield oid, None, f"blob is {_size(size)}, over the {_size(max_bytes)} limit; not read"
                    continue
                data = proc.stdout.read(size)
                proc.stdout.read(1)
                yield oid, data, ""
        finally:
            proc.stdout.close()
            proc.kill()
            proc.wait()
            feeder.join()
        return done


def _feed(stdin: IO[bytes], oids: Sequence[str]) -> None:
    try:
        for oid in oids:
            stdin.write(oid.encode("ascii") + b"\n")
        stdin.close()
    except (BrokenPipeError, ValueError):  # git stopped, or its reader closed
        pass


def _skip(stream: IO[bytes], count: int) -> None:
    while count > 0:
        piece = stream.read(min(count, 1 << 20))
        if not piece:
            return
        count -= len(piece)


def _size(count: int) -> str:
    if count < 1 << 20:
        return f"{count:,} bytes"
    return f"{count / (1 << 20):.1f} MiB"


# --- checking -------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryPlanner:
    """A picklable maker of the history plan: the checks of :data:`NAMES`, with order
    and stripping off whatever the configuration says."""

    names: tuple[str, ...] = NAMES

    def __call__(self, settings: Settings) -> Plan:
        return planner(self.names)({**settings, "strip": False, "order": False})


@dataclass(frozen=True)
class BlobJob:
    data: bytes
    plan: Plan
    key_path: str = ""  # the path as the baseline names it; empty: no baseline
    known: frozenset[bl.Entry] = frozenset()
    locate: bool = False


def check_blob(job: BlobJob) -> Outcome:
    """The findings (path-less) for one blob's content, after the baseline."""
    try:
        doc = notebook.parse(job.data)
        found, _ = check_notebook(doc.nb, job.plan)
    except NotebookError as exc:
        return Outcome((error_finding("", exc),), readable=False)
    except Exception as exc:  # noqa: BLE001 - a bug must not stop the run, nor print a traceback
        return Outcome((error_finding("", internal_error(exc, "")),), readable=False)
    found = [f for f in found if f.code != NOTE_CODE]
    entries = [bl.entry_for(job.key_path or "-", doc.nb, f) for f in found]
    kept = [(f, e) for f, e in zip(found, entries, strict=True) if not job.key_path or e not in job.known]
    new = tuple(f for f, _ in kept)
    if job.locate and new:
        from nbguard.report.locate import anchored

        new = tuple(anchored(doc, new))
    return Outcome(new, entries=tuple(e for _, e in kept))


def _check_chunk(jobs: Sequence[BlobJob]) -> list[Outcome]:
    return [check_blob(job) for job in jobs]


def map_chunks(
    fn: Callable[[BlobJob], Outcome], items: Iterable[tuple[Any, BlobJob]], workers: int
) -> Iterator[tuple[Any, Outcome]]:
    """``(tag, fn(job))`` in order, the jobs sent to ``workers`` processes in chunks of
    about :data:`CHUNK_BYTES`, at most two chunks per worker in flight (bounded memory).
    A chunk's plan, shared by its jobs, is pickled once with it."""
    if workers <= 1:
        for tag, job in items:
            yield tag, fn(job)
        return
    import multiprocessing
    from collections import deque
    from concurrent.futures import Future, ProcessPoolExecutor

    fork = "fork" in multiprocessing.get_all_start_methods() and sys.platform == "linux"
    context = multiprocessing.get_context("fork" if fork else None)
    pending: deque[tuple[list[Any], Future[list[Outcome]]]] = deque()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:

        def drain(limit: int) -> Iterator[tuple[Any, Outcome]]:
            while len(pending) > limit:
                tags, future = pending.popleft()
                yield from zip(tags, future.result(), strict=True)

        tags: list[Any] = []
        chunk: list[BlobJob] = []
        size = 0
        for tag, job in items:
            tags.append(tag)
            chunk.append(job)
            size += len(job.data)
            if size >= CHUNK_BYTES or len(chunk) >= 256:
                pending.append((tags, pool.submit(_check_chunk, chunk)))
                tags, chunk, size = [], [], 0
                yield from drain(2 * workers)
        if chunk:
            pending.append((tags, pool.submit(_check_chunk, chunk)))
        yield from drain(0)


Identity = tuple[str, str, str, str]  # path, code, cell, content: a finding across rewrites


@dataclass
class Scan:
    """What one scan found."""

    findings: list[Finding] = field(default_factory=list)
    identities: list[Identity] = field(default_factory=list)  # one per finding, in order
    blobs: list[Blob] = field(default_factory=list)
    checked: int = 0
    commits: int = 0
    notes: list[str] = field(default_factory=list)
    by_code: Counter[str] = field(default_factory=Counter)
    by_check: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Scanner:
    """How to scan: the revisions, the configuration, the baseline and the report's needs."""

    revisions: tuple[str, ...]
    since: str | None
    resolver: Resolver
    base: bl.Baseline | None
    workers: int
    locate: bool = False
    top: str = ""  # the work tree's root ("" in a bare repository)

    def _key(self, path: str) -> str:
        if self.base is None:
            return ""
        if not self.top:
            return bl.normalise(path)
        root = os.path.dirname(os.path.abspath(self.base.path))
        return bl.normalise(os.path.relpath(os.path.join(self.top, path), root))

    def scan(
        self, on_findings: Callable[[Sequence[Finding]], None] = lambda _: None, *, progress: bool = False
    ) -> Scan:
        blobs, commits = introduced(self.revisions, self.since)
        result = Scan(blobs=blobs, commits=commits)
        holders, submodules = branch_tips()
        collect = _Collector(result, holders, on_findings)
        wanted = _wanted(blobs, result.notes)
        result.notes.extend(
            f"{path}: note: a submodule: its notebooks are another repository's history "
            "(run nbguard history there)"
            for path in sorted(submodules)
        )
        bar = Progress(len(wanted), sys.stderr, enabled=progress)
        workers = self.workers if len(wanted) >= PARALLEL_MIN_BLOBS else 1
        for blob, outcome in map_chunks(check_blob, self._jobs(wanted, collect, bar), workers):
            bar.step()
            result.checked += 1
            if outcome.findings:
                bar.clear()
            collect.add(blob, outcome.findings, outcome.entries)
        bar.clear()
        return result

    def _jobs(
        self, wanted: Sequence[Blob], collect: _Collector, bar: Progress
    ) -> Iterator[tuple[Blob, BlobJob]]:
        """A job for each blob that can be checked; a finding or a note for the others."""
        by_oid = {blob.oid: blob for blob in wanted}
        limit = max((self.plan(b).max_bytes for b in wanted), default=0)
        known: dict[str, frozenset[bl.Entry]] = {}
        for oid, content, why in CatFile([b.oid for b in wanted]).contents(limit):
            blob = by_oid[oid]
            plan = self.plan(blob)
            problem = why
            if content is not None and len(content) > plan.max_bytes:  # a lower limit for this path
                problem = f"blob is {_size(len(content))}, over the {_size(plan.max_bytes)} limit; not read"
            if problem:
                bar.step()
                collect.result.checked += 1
                collect.add(blob, [error_finding("", NotebookError(problem))])
            elif content is not None and content.startswith(LFS_MARK):
                bar.step()
                collect.result.notes.append(
                    f"{blob.path}: note: a Git LFS pointer in {blob.commit[:10]}: skipped"
                )
            elif content is not None:
                key = self._key(blob.path)
                if key not in known:
                    known[key] = self.base.for_file(key) if self.base is not None else frozenset()
                yield blob, BlobJob(content, plan, key, known[key], self.locate)

    def plan(self, blob: Blob) -> Plan:
        """The plan for a blob's path, from the configuration of the work tree (or of the
        current folder, in a bare repository)."""
        return self.resolver.derived(os.path.join(self.top or os.getcwd(), blob.path), HistoryPlanner())


def _wanted(blobs: Sequence[Blob], notes: list[str]) -> list[Blob]:
    """The blobs to read: not submodules (a note each) nor symbolic links."""
    wanted = []
    for blob in blobs:
        if not blob.utf8:
            notes.append(
                f"{blob.path}: note: the path is not UTF-8 (shown escaped); introduced in {blob.commit[:10]}"
            )
        if blob.mode == GITLINK:
            notes.append(f"{blob.path}: note: a submodule (gitlink), not a notebook: skipped")
        elif blob.mode != SYMLINK:
            wanted.append(blob)
    return wanted


@dataclass
class _Collector:
    """Places a blob's findings in history (path, commit, branches) and reports them."""

    result: Scan
    holders: dict[str, set[str]]
    on_findings: Callable[[Sequence[Finding]], None]

    def add(self, blob: Blob, found: Sequence[Finding], entries: Sequence[bl.Entry] = ()) -> None:
        branches = tuple(sorted(self.holders.get(blob.oid, ())))
        commit = Commit(blob.commit, blob.date, blob.oid, branches)
        placed = [f._replace(path=blob.path, commit=commit, check=f.check or "io") for f in found]
        for index, f in enumerate(placed):
            entry = entries[index] if index < len(entries) else None
            cell, content = (entry.cell, entry.content) if entry is not None else ("", f.message)
            self.result.identities.append((blob.path, f.code, cell, content))
            self.result.by_code[f.code] += 1
            self.result.by_check[f.check] += 1
        self.result.findings.extend(placed)
        if placed:
            self.on_findings(placed)


# --- the command ------------------------------------------------------------------


def summary(scan: Scan) -> str:
    head = (
        f"{scan.checked} notebook blob{'s' if scan.checked != 1 else ''} checked "
        f"from {scan.commits} commit{'s' if scan.commits != 1 else ''}"
    )
    total = sum(scan.by_code.values())
    if not total:
        return head + ", no findings"
    checks_part = ", ".join(f"{name} {n}" for name, n in sorted(scan.by_check.items()))
    codes = ", ".join(f"{code} {n}" for code, n in sorted(scan.by_code.items()))
    return f"{head}, {total} finding{'s' if total != 1 else ''} ({checks_part}; {codes})"


def repository() -> tuple[str, str, bool]:
    """The work tree's root ("" when bare), the git directory, and whether it is shallow."""
    out = git(["rev-parse", "--is-bare-repository", "--absolute-git-dir", "--is-shallow-repository"])
    bare, git_dir, shallow = out.decode("utf-8", "surrogateescape").splitlines()
    top = "" if bare == "true" else git(["rev-parse", "--show-toplevel"]).decode("utf-8", "surrogateescape")
    return top.strip(), git_dir, shallow == "true"


def scanner(args: argparse.Namespace, resolver: Resolver, top: str) -> Scanner:
    from nbguard.report.locate import LINE_FORMATS
    from nbguard.run import _load_baseline

    run_settings = resolver.run_settings()
    base = _load_baseline(resolver, args.baseline if hasattr(args, "baseline") else None)
    return Scanner(
        tuple(args.revisions),
        args.since,
        resolver,
        base,
        jobs_for(args.jobs),
        run_settings["format"] in LINE_FORMATS,
        top,
    )


def _misuse(args: argparse.Namespace) -> str | None:
    """What is wrong with the arguments, if anything."""
    if not args.rewrite and (args.strip_outputs or args.purge_findings or args.apply or args.backup):
        return "--strip-outputs, --purge-findings, --apply and --backup go with --rewrite"
    if any(revision.startswith("-") for revision in args.revisions):  # git log would take it as an option
        return "a REVISION cannot start with '-' (all refs are the default)"
    if args.rewrite and not (args.strip_outputs or args.purge_findings):
        return "--rewrite needs --strip-outputs, --purge-findings or both"
    return None


def run(args: argparse.Namespace) -> int:
    misuse = _misuse(args)
    if misuse is not None:
        return usage_error(misuse)
    resolver = Resolver(cli_settings(args), isolated=args.isolated)
    try:
        top, git_dir, shallow = repository()
        run_settings = resolver.run_settings()
        scan_with = scanner(args, resolver, top)
        reporter = Reporter(run_settings["format"], quiet=args.quiet)
        if shallow:
            reporter.note(
                "nbguard: note: a shallow clone: commits before its boundary are not here, "
                "and the boundary commits count as adding their whole tree"
            )
        scan = scan_with.scan(reporter.add, progress=not args.quiet)
    except (ConfigError, bl.BaselineError, GitError) as exc:
        return usage_error(exc)
    for note in scan.notes:
        reporter.note(note)
    reporter.note(summary(scan))
    if args.rewrite:
        from nbguard.commands import history_rewrite

        try:
            return history_rewrite.rewrite(args, scan, scan_with, reporter, git_dir)
        except (GitError, ConfigError) as exc:
            return usage_error(exc)
    exit_code = 0 if run_settings["exit-zero"] or not scan.findings else 1
    reporter.finish(exit_code)
    return exit_code
