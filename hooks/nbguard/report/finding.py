"""The one finding type every check returns, and its text and JSON forms."""

from __future__ import annotations

from typing import NamedTuple


class Finding(NamedTuple):
    """One problem, located as the notebook shows it (cells count from 1)."""

    code: str
    message: str
    cell: int | None = None
    line: int | None = None
    path: str = ""
    check: str = ""
    fingerprint: str | None = None


def format_text(finding: Finding) -> str:
    """``path:cell N:line L: CODE message``; missing parts are left out."""
    location = finding.path
    if finding.cell is not None:
        location += f":cell {finding.cell}"
        if finding.line is not None:
            location += f":line {finding.line}"
    return f"{location}: {finding.code} {finding.message}"


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
    return data
