"""``nbguard history --rewrite``: clean history with git-filter-repo.

``--purge-findings`` replaces each blob that holds a finding with a cleaned copy of
the notebook: the outputs of a cell whose output holds it are removed (with its
execution count), a line of source that holds it is replaced by a marker line, and
metadata or attachments that hold it are emptied; a notebook that still has findings
after that loses every output, attachment and metadata value but its kernel. Every
other blob, and so the tree of every commit that held no finding, is kept.
``--strip-outputs`` strips every notebook blob as ``nbguard strip`` would.

A dry run (no ``--apply``) prints what would change. ``--apply`` refuses a dirty work
tree, writes a ``git bundle`` of every ref first, rewrites through git-filter-repo's
Python API (blob callbacks: nbguard computes the new contents, git-filter-repo
rewrites), rescans, and prints what to do next.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nbguard import notebook
from nbguard.commands.history import (
    GITLINK,
    SYMLINK,
    Blob,
    GitError,
    HistoryPlanner,
    Identity,
    Scan,
    Scanner,
    git,
    summary,
)
from nbguard.config import Resolver
from nbguard.notebook import Notebook, NotebookError
from nbguard.report.finding import IO_CODE, Finding
from nbguard.run import Reporter, check_notebook, usage_error

MISSING = (
    "nbguard history --rewrite needs git-filter-repo: pip install 'nbguard[history]' "
    "(or pip install git-filter-repo)"
)
MARKER = "[nbguard: a line holding a finding was removed from history]"
KEPT_METADATA = ("kernelspec", "language_info")
NEXT_STEPS = (
    "next steps:",
    "  1. check the result (nbguard history; git log); git-filter-repo removes the 'origin' remote:",
    "     git remote add origin URL && git push --force --all origin && git push --force --tags origin",
    "  2. ask every collaborator to re-clone (an old clone still holds, and can push back, the old history)",
    "  3. revoke and rotate every credential that was found anyway: it was public as long as it was pushed",
    "  4. ask your host to drop cached views and pull requests of the old commits if it keeps them",
)


def _marker_line(line: str, cell_type: Any) -> str:
    indent = line[: len(line) - len(line.lstrip())]
    text = f"# {MARKER}" if cell_type == "code" else MARKER
    return indent + text + ("\n" if line.endswith("\n") else "")


def _replace_line(cell: dict[str, Any], number: int) -> None:
    source = notebook.cell_source(cell)
    lines = source.splitlines(keepends=True)
    if 1 <= number <= len(lines):
        lines[number - 1] = _marker_line(lines[number - 1], cell.get("cell_type"))
    else:
        lines = [_marker_line(line, cell.get("cell_type")) for line in lines]
    cell["source"] = lines if isinstance(cell.get("source"), list) else "".join(lines)


def _clear_outputs(cell: dict[str, Any]) -> None:
    if "outputs" in cell:
        cell["outputs"] = []
    if "execution_count" in cell:
        cell["execution_count"] = None
    cell.pop("prompt_number", None)  # nbformat 3


def _kept_metadata(metadata: Any) -> dict[str, Any]:
    return {k: v for k, v in metadata.items() if k in KEPT_METADATA} if isinstance(metadata, dict) else {}


def purge(nb: Notebook, findings: Sequence[Finding]) -> Notebook:
    """A copy of ``nb`` without what holds each finding (see the module docstring)."""
    nb = copy.deepcopy(nb)
    cells = notebook.iter_cells(nb)
    for f in findings:
        if f.cell is None or not 1 <= f.cell <= len(cells) or not isinstance(cells[f.cell - 1], dict):
            nb["metadata"] = _kept_metadata(nb.get("metadata"))
            continue
        cell = cells[f.cell - 1]
        if f.part.startswith("output"):
            _clear_outputs(cell)
        elif f.part == "source":
            _replace_line(cell, f.line or 0)
        elif f.part.startswith("attachment"):
            cell.pop("attachments", None)
        elif f.part == "metadata":
            cell["metadata"] = {}
        else:  # the cell as a whole
            _clear_outputs(cell)
            cell.pop("attachments", None)
    return nb


def _scrub(nb: Notebook) -> Notebook:
    """The last resort: no output, attachment or metadata value but the kernel's."""
    nb = copy.deepcopy(nb)
    for cell in notebook.iter_cells(nb):
        if isinstance(cell, dict):
            _clear_outputs(cell)
            cell.pop("attachments", None)
            if "metadata" in cell:
                cell["metadata"] = {}
    nb["metadata"] = _kept_metadata(nb.get("metadata"))
    return nb


def cleaned(data: bytes, plan: Any, strip_options: Any = None) -> tuple[bytes, int]:
    """The blob's new content and how many findings are left in it (0 when purged).
    ``strip_options``: also strip it. Raises NotebookError for a blob that is no notebook."""
    doc = notebook.parse(data)
    nb = doc.nb
    for attempt in range(4):
        found = [f for f in check_notebook(nb, plan)[0] if f.code != "note"]
        if not found:
            break
        nb = purge(nb, found) if attempt < 2 else _scrub(purge(nb, found))
    if strip_options is not None:
        from nbguard.checks.strip import strip

        nb = strip(nb, strip_options)
    left = len([f for f in check_notebook(nb, plan)[0] if f.code != "note"])
    return notebook.serialize(doc, nb), left


def _dirty(top: str) -> bool:
    return bool(top) and bool(git(["status", "--porcelain", "--untracked-files=no"], cwd=top).strip())


def _describe(args: argparse.Namespace, scan: Scan, purged: set[str], out: Callable[[str], None]) -> None:
    """What the rewrite would change."""
    if args.purge_findings:
        held = [f for f in scan.findings if f.code != IO_CODE]
        out(
            f"would purge {len(held)} finding{'s' if len(held) != 1 else ''} "
            f"from {len(purged)} notebook blob{'s' if len(purged) != 1 else ''}:"
        )
        for f in held:
            where = (
                f"cell {f.cell}" + (f" {f.part}" if f.part else "") if f.cell else "the notebook's metadata"
            )
            out(f"  {f.commit.short if f.commit else ''} {f.path}: {f.code} in {where}")
    if args.strip_outputs:
        count = len(_notebooks(scan))
        out(f"would strip outputs from every notebook blob ({count})")


def _notebooks(scan: Scan) -> dict[str, Blob]:
    return {b.oid: b for b in scan.blobs if b.mode not in (GITLINK, SYMLINK)}


def _to_stderr(text: str) -> None:
    print(text, file=sys.stderr)


def rewrite(args: argparse.Namespace, scan: Scan, scanner: Scanner, reporter: Reporter, git_dir: str) -> int:
    """Print what the rewrite would change; with ``--apply``, rewrite, rescan, report.

    Its messages go where text notes go; with another format or ``-q`` (the report on
    standard output, or no notes), to standard error: the backup's path and the next
    steps are never left out."""
    say = reporter.note if reporter.fmt == "text" and not reporter.quiet else _to_stderr
    if scanner.revisions or scanner.since:
        return usage_error("--rewrite rewrites all of history: name no REVISION and no --since")
    purged = {f.commit.blob for f in scan.findings if f.commit is not None and f.code != IO_CODE}
    if not args.purge_findings:
        purged = set()
    _describe(args, scan, purged, say)
    if not purged and not args.strip_outputs:
        say("nothing to purge: history is left as it is")
        reporter.finish(0)
        return 0
    if not args.apply:
        say("dry run: nothing was written; add --apply to rewrite (a backup bundle is written first)")
        reporter.finish(0)
        return 0
    try:
        import git_filter_repo  # noqa: F401 - whether it is installed; it runs in a child process
    except ImportError:
        return usage_error(MISSING)
    if _dirty(scanner.top):
        return usage_error("the work tree has uncommitted changes: commit or stash them first")
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    backup = args.backup or os.path.join(git_dir, f"nbguard-backup-{stamp}.bundle")
    git(["bundle", "create", "--quiet", backup, "--all"])
    say(f"backup: every ref is in {backup} (restore: git clone --mirror {backup})")

    where = scanner.top or git_dir
    left = _filter_repo(scanner, _notebooks(scan), purged, args.strip_outputs, where)
    say(f"rewrote history in {where}")
    for path in left:
        say(f"{path}: note: a finding is still there after purging; please report it")
    return _after(scan, scanner, reporter, say, purge=args.purge_findings)


def _after(
    scan: Scan, scanner: Scanner, reporter: Reporter, say: Callable[[str], None], *, purge: bool
) -> int:
    """Rescan, count what is left of the purged findings, print the next steps."""
    purged_ids = {i for i, f in zip(scan.identities, scan.findings, strict=True) if f.code != IO_CODE}
    rescan = scanner.scan()
    remaining: set[Identity] = {i for i in rescan.identities if i in purged_ids}
    say(f"rescan: {summary(rescan)}")
    if purge:
        say(f"rescan: {len(remaining)} of {len(purged_ids)} purged findings remain")
    for line in NEXT_STEPS:
        say(line)
    exit_code = 1 if remaining else 0
    reporter.finish(exit_code)
    return exit_code


def _filter_repo(
    scanner: Scanner, notebooks: dict[str, Blob], purged: set[str], strip: bool, where: str
) -> list[str]:
    """Run git-filter-repo in a child process (it works on the repository in its current
    folder and keeps module-level state), with :class:`_Callback` as its blob callback;
    the paths where a finding survived purging."""
    import json
    import subprocess
    import tempfile

    spec = {
        "notebooks": {oid: blob.path for oid, blob in notebooks.items()},
        "purged": sorted(purged),
        "strip": strip,
        "cli": scanner.resolver.cli,
        "isolated": scanner.resolver.isolated,
        "folder": scanner.top or os.getcwd(),
    }
    with tempfile.TemporaryDirectory(prefix="nbguard-rewrite-") as temp:
        spec_path, result_path = os.path.join(temp, "spec.json"), os.path.join(temp, "left.json")
        with open(spec_path, "w", encoding="utf-8") as f:
            json.dump({**spec, "result": result_path}, f)
        done = subprocess.run(
            [sys.executable, "-m", "nbguard.commands.history_rewrite", spec_path],
            cwd=where,
            capture_output=True,
            text=True,
            errors="backslashreplace",
            check=False,
        )
        # Its progress goes to standard error: standard output may be a JSON report.
        sys.stderr.write(done.stdout + done.stderr)
        if done.returncode != 0 or not os.path.exists(result_path):
            raise GitError(
                f"git-filter-repo failed (exit {done.returncode}); the backup bundle has every ref"
            )
        with open(result_path, encoding="utf-8") as f:
            left: list[str] = json.load(f)
    return left


@dataclass
class _Callback:
    """git-filter-repo's blob callback: the new content of each notebook blob to change."""

    resolver: Resolver
    folder: str
    notebooks: dict[str, str]  # oid -> path
    purged: set[str]
    strip: bool
    left: list[str] = field(default_factory=list)  # paths where a finding survived purging

    def __call__(self, blob: Any, _metadata: Any) -> None:
        oid = blob.original_id.decode("ascii") if blob.original_id else ""
        if oid not in self.notebooks or (oid not in self.purged and not self.strip):
            return
        from nbguard.checks.strip import options_from_settings

        path = os.path.join(self.folder, self.notebooks[oid])
        plan = self.resolver.derived(path, HistoryPlanner())
        options = options_from_settings(self.resolver.settings_for(path)) if self.strip else None
        try:
            if oid in self.purged:
                blob.data, remaining = cleaned(blob.data, plan, options)
                if remaining:
                    self.left.append(self.notebooks[oid])
            else:
                blob.data, _ = cleaned(blob.data, plan._replace(found=(), committed=()), options)
        except NotebookError:
            return  # not a notebook: left as it is


def main(argv: Sequence[str]) -> int:
    """The child process: git-filter-repo on the current folder's repository, with the
    blob callback the spec file describes; the paths left with findings to its result file."""
    import json

    import git_filter_repo as fr

    with open(argv[0], encoding="utf-8") as f:
        spec = json.load(f)
    callback = _Callback(
        Resolver(spec["cli"], isolated=spec["isolated"]),
        spec["folder"],
        spec["notebooks"],
        set(spec["purged"]),
        spec["strip"],
    )
    options = fr.FilteringOptions.parse_args(["--force", "--quiet", "--replace-refs", "delete-no-add"])
    fr.RepoFilter(options, blob_callback=callback).run()
    with open(spec["result"], "w", encoding="utf-8") as f:
        json.dump(callback.left, f)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
