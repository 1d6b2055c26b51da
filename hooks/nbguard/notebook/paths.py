"""Turn the paths a user names into the notebook files to process."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Sequence

STDIN = "-"
# What a folder is searched for: Jupyter notebooks, and Zeppelin notes (which the run loop
# leaves out again where the mode setting is jupyter).
SUFFIXES = (".ipynb", ".zpln")
_SKIPPED_FOLDERS = (".ipynb_checkpoints",)


def _hidden_or_checkpoint(parts: Sequence[str]) -> bool:
    return any((p.startswith(".") and p not in (".", "..")) or p in _SKIPPED_FOLDERS for p in parts)


def _git_listed(folder: str, tracked_only: bool = False) -> list[str] | None:
    """Notebooks under ``folder`` that git tracks (or, unless ``tracked_only``, does not
    ignore), or None outside a git repository."""
    untracked = [] if tracked_only else ["--others", "--exclude-standard"]
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--cached", *untracked, "--", "."],
            cwd=folder,
            capture_output=True,
            check=False,
        )
    except OSError:
        return None
    if proc.returncode != 0:
        return None
    names = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    return sorted({n for n in names if n.endswith(SUFFIXES) and not _hidden_or_checkpoint(n.split("/")[:-1])})


def _walked(folder: str) -> Iterator[str]:
    """Notebooks below ``folder``, relative to it. Every ``root`` os.walk gives starts
    with ``folder``, so slicing does what os.path.relpath would, without its two
    abspath calls per file (a third of planning a large tree)."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not _hidden_or_checkpoint([d]))
        prefix = root[len(folder) :].lstrip(os.sep)
        for name in sorted(files):
            if name.endswith(SUFFIXES):
                yield os.path.join(prefix, name) if prefix else name


def notebooks_in(folder: str, tracked_only: bool = False) -> list[str]:
    """Notebooks below ``folder``: inside git the files it does not ignore (or tracks)."""
    listed = _git_listed(folder, tracked_only)
    names = listed if listed is not None else list(_walked(folder))
    return [os.path.join(folder, n) if folder != "." else n for n in names]


def expand(paths: Sequence[str], tracked_only: bool = False) -> list[str]:
    """Files as named, folders replaced by the notebooks inside them.

    A named path that does not exist is kept, so that it is reported.
    """
    out: list[str] = []
    for path in paths:
        if path != STDIN and os.path.isdir(path) and not path.endswith(".ipynb"):
            out.extend(notebooks_in(path, tracked_only))
        else:
            out.append(path)
    return out


def repository_root(folder: str) -> str | None:
    """The top folder of the git work tree that holds ``folder``, or None outside one."""
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=folder or ".",
            capture_output=True,
            check=False,
        )
    except OSError:  # no git, or no such folder
        return None
    top = os.fsdecode(proc.stdout).rstrip("\n")
    return top if proc.returncode == 0 and top else None


def write_root(named: str, roots: dict[str, str]) -> str:
    """The folder that files found from the path ``named`` (as given on the command line)
    must really lie in to be written: their repository, or outside one the named folder
    (for a file: its folder). ``roots`` keeps the answer per folder for one run.

    A named folder that is (or lies under) a symlink counts from where the link is:
    ``linked/x.ipynb`` with ``linked`` a link out of the repository is outside it.
    """
    folder = named if os.path.isdir(named) and not named.endswith(".ipynb") else os.path.dirname(named)
    folder = folder or "."
    if folder not in roots:
        base = _before_links(folder)
        roots[folder] = repository_root(base) or base
    return roots[folder]


def _before_links(folder: str) -> str:
    """``folder`` as an absolute path, cut before its first component that is a symlink."""
    path = os.path.abspath(folder)
    drive, rest = os.path.splitdrive(path)
    prefix = drive + os.sep
    for part in rest.split(os.sep):
        if part:
            candidate = os.path.join(prefix, part)
            if os.path.islink(candidate):
                break
            prefix = candidate
    return prefix


def write_root_if_linked(path: str, named: str) -> str | None:
    """The folder ``path`` (found from ``named``, as given on the command line) must really
    lie in to be written (:func:`write_root`), or None where no symlink is involved: then
    the file written is the file named, and the git call that finds the repository is saved
    (it would cost more than stripping a notebook)."""
    if os.path.realpath(path) == os.path.abspath(path):
        return None
    return write_root(named, {})


def filtered(files: Sequence[str], driver: str) -> set[str]:
    """The files among ``files`` that git gives ``filter=DRIVER`` (``git check-attr``), in
    one git call; none outside a git repository."""
    names = [f for f in files if f != STDIN]
    if not names:
        return set()
    try:
        proc = subprocess.run(
            ["git", "check-attr", "-z", "--stdin", "filter"],
            input=b"".join(os.fsencode(n) + b"\0" for n in names),
            capture_output=True,
            check=False,
        )
    except OSError:
        return set()
    if proc.returncode != 0:
        return set()
    fields = proc.stdout.split(b"\0")
    found = set()
    for i in range(0, len(fields) - 2, 3):
        if fields[i + 2] == os.fsencode(driver):
            found.add(os.fsdecode(fields[i]))
    return found
