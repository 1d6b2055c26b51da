"""The one finding type every check returns, and its text and JSON forms."""

from __future__ import annotations

from typing import NamedTuple

# A check may return remarks that are not findings (e.g. a cell it had to skip):
# they carry this code, are printed as notes in text format and never fail a run.
NOTE_CODE = "note"
IO_CODE = "NBG001"  # the file cannot be used as a notebook


class Anchor(NamedTuple):
    """Where a finding is in the ``.ipynb`` file's own text, and its stable identity.

    Lines and columns count from 1 (columns in code points, the end column
    exclusive); ``key`` is a hash that survives re-runs and unrelated edits.
    Computed only for the formats that place findings on a line (sarif, github, gitlab).
    """

    line: int
    end_line: int
    column: int | None = None
    end_column: int | None = None
    key: str = ""


class Commit(NamedTuple):
    """Where in history a finding was committed (``nbguard history`` only): the commit
    that introduced the blob, its author date (ISO 8601), the blob, and today's branches
    whose tip still holds that blob."""

    sha: str
    date: str
    blob: str
    branches: tuple[str, ...] = ()

    @property
    def short(self) -> str:
        return self.sha[:10]


class Finding(NamedTuple):
    """One problem, located as the notebook shows it (cells count from 1).

    ``part`` names the text of the cell that ``line`` counts in (``source``,
    ``output 2 stream``, ``metadata``...; see :class:`nbguard.notebook.Part`); empty
    when the finding is about the cell (or the notebook) as a whole.
    """

    code: str
    message: str
    cell: int | None = None
    line: int | None = None
    path: str = ""
    check: str = ""
    fingerprint: str | None = None
    part: str = ""
    anchor: Anchor | None = None
    commit: Commit | None = None  # set by `nbguard history` only


def format_text(finding: Finding) -> str:
    """``path:cell N:line L: CODE message``; missing parts are left out. A finding in
    history starts with its commit and author day, and ends with the branches that
    still hold it."""
    location = finding.path
    commit = finding.commit
    if commit is not None:
        location = f"{commit.short} {commit.date[:10]} {location}"
    if finding.cell is not None:
        location += f":cell {finding.cell}"
        if finding.line is not None:
            location += f":line {finding.line}"
    text = f"{location}: {finding.code} {finding.message}"
    if commit is not None:
        text += f" [{on_branches(commit)}]"
    return text


def on_branches(commit: Commit) -> str:
    return f"still on {', '.join(commit.branches)}" if commit.branches else "on no branch today"


def as_dict(finding: Finding) -> dict[str, object]:
    data: dict[str, object] = {
        "path": finding.path,
        "cell": finding.cell,
        "line": finding.line,
        "code": finding.code,
        "check": finding.check,
        "message": finding.message,
    }
    if finding.fingerprint is not None:
        data["fingerprint"] = finding.fingerprint
    if finding.commit is not None:
        data["commit"] = commit_dict(finding.commit)
    return data


def commit_dict(commit: Commit) -> dict[str, object]:
    return {
        "sha": commit.sha,
        "author_date": commit.date,
        "blob": commit.blob,
        "branches": list(commit.branches),
    }


def error_finding(path: str, error: Exception, check: str = "io") -> Finding:
    """The finding for a file that cannot be used: ``error`` is a one-line reason."""
    return Finding(code=IO_CODE, message=str(error), path=path, check=check)
