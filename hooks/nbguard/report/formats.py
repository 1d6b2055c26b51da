"""Report formats: text lines, JSON, GitHub workflow annotations, SARIF 2.1.0 and
GitLab code quality.

The line-based formats (github, sarif, gitlab) place each finding on a line of the
``.ipynb`` file: the run computes that (:mod:`nbguard.report.locate`) only for them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from nbguard import __version__
from nbguard.report.baseline import normalise, short_hash
from nbguard.report.finding import Finding, as_dict, commit_dict, format_text

if TYPE_CHECKING:
    from nbguard.registry import Code

FORMATS = ("text", "json", "github", "sarif", "gitlab")
# Formats that are one document for the whole run, printed at the end.
WHOLE_RUN_FORMATS = ("json", "sarif", "gitlab")
HELP_URI = "https://github.com/nbguard/nbguard#codes"
# A rule's SARIF level as a GitHub workflow command and as a GitLab severity.
_GITHUB_LEVELS = {"error": "error", "warning": "warning", "note": "notice"}
_GITLAB_SEVERITIES = {"error": "major", "warning": "minor", "note": "info"}

_RED, _BOLD, _RESET = "\033[31m", "\033[1m", "\033[0m"


def text_line(finding: Finding, color: bool = False) -> str:
    line = format_text(finding)
    if not color:
        return line
    location, _, rest = line.partition(f": {finding.code} ")
    return f"{_BOLD}{location}{_RESET}: {_RED}{finding.code}{_RESET} {rest}"


def _github_escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _declared() -> dict[str, tuple[str, Code]]:
    """Every code nbguard reports: the name of its check and its declaration."""
    from nbguard import checks

    return {c.code: (name, c) for name, c in checks.all_codes()}


def _level(code: str, declared: dict[str, tuple[str, Code]]) -> str:
    return declared[code][1].level if code in declared else "error"


def _line(finding: Finding) -> int:
    return finding.anchor.line if finding.anchor is not None else 1


def _key(finding: Finding) -> str:
    """The finding's stable identity (from the run's anchor; else from what it says)."""
    if finding.anchor is not None and finding.anchor.key:
        key = finding.anchor.key
    else:
        what = finding.fingerprint or finding.message
        key = short_hash(f"{finding.path}|{finding.code}|{finding.cell}|{finding.part}|{finding.line}|{what}")
    if finding.commit is not None:  # the same finding in two blobs of history is two results
        return short_hash(f"{key}|{finding.commit.blob}")
    return key


def _full_stop(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text + "."


def sentence(finding: Finding) -> str:
    """The finding as one complete sentence, located in the notebook but not by path:
    ``Cell 3 ran as [2] after [2]; ...`` (the order check's messages say what the cell
    did), ``Cell 1, line 2: GitHub Token in source (...)``, ``Would be stripped (...)``."""
    message = finding.message
    if finding.cell is None:
        return _full_stop(message[:1].upper() + message[1:])
    where = f"Cell {finding.cell}"
    if finding.check == "order":
        where += f" (line {finding.line})" if finding.line is not None else ""
        return _full_stop(f"{where} {message}")
    where += f", line {finding.line}" if finding.line is not None else ""
    return _full_stop(f"{where}: {message}")


def github_line(finding: Finding, level: str = "error") -> str:
    """A GitHub Actions workflow command that annotates the notebook file on its line."""
    where = ""
    if finding.cell is not None:
        where = f"cell {finding.cell}" + (f", line {finding.line}" if finding.line is not None else "")
    title = finding.code + (f" ({where})" if where else "")
    return (
        f"::{_GITHUB_LEVELS.get(level, 'error')} file={_github_escape(finding.path, prop=True)},"
        f"line={_line(finding)},"
        f"title={_github_escape(title, prop=True)}::{_github_escape(finding.message)}"
    )


def _rule(code: str, declared: dict[str, tuple[str, Code]] | None = None) -> dict[str, object]:
    """A SARIF rule for ``code``, from its declaration in the check registry."""
    declared = _declared() if declared is None else declared
    if code not in declared:
        return {"id": code, "shortDescription": {"text": code}}
    name, c = declared[code]
    properties: dict[str, object] = {"tags": [name or "io"]}
    if c.security_severity is not None:
        properties["tags"] = [name, "security"]
        properties["security-severity"] = f"{c.security_severity:.1f}"
    why = _full_stop(c.description or c.title)
    fix = _full_stop(c.fix)
    return {
        "id": code,
        "name": c.title,
        "shortDescription": {"text": c.title},
        "fullDescription": {"text": c.description or c.title},
        "help": {
            "text": f"{why} How to fix: {fix}",
            "markdown": f"**{c.title}** (`{code}`)\n\n{why}\n\n**How to fix:** {fix}",
        },
        "helpUri": HELP_URI,
        "defaultConfiguration": {"level": c.level},
        "properties": properties,
    }


def _uri(path: str) -> str:
    return normalise(path) if path and path != "-" else path.replace("\\", "/")


def _sarif_location(f: Finding) -> dict[str, object]:
    region: dict[str, object] = {"startLine": _line(f)}
    if f.anchor is not None:
        region["endLine"] = f.anchor.end_line
        if f.anchor.column is not None and f.anchor.end_column is not None:
            region["startColumn"], region["endColumn"] = f.anchor.column, f.anchor.end_column
    location: dict[str, object] = {
        "physicalLocation": {"artifactLocation": {"uri": _uri(f.path)}, "region": region}
    }
    names = ([f"cell {f.cell}"] if f.cell is not None else []) + ([f.part] if f.part else [])
    if names:
        full = ", ".join(names + ([f"line {f.line}"] if f.line is not None else []))
        location["logicalLocations"] = [{"name": names[0], "fullyQualifiedName": full, "kind": "element"}]
    return location


def sarif(findings: Sequence[Finding], exit_code: int = 0) -> dict[str, object]:
    """A SARIF 2.1.0 log with one run: results on the lines of the notebook files, cells
    and parts as logical locations, rules from the check registry."""
    declared = _declared()
    codes = sorted({f.code for f in findings})
    rules = [_rule(code, declared) for code in codes]
    results = []
    for f in findings:
        properties: dict[str, object] = {"check": f.check, "cell": f.cell, "line": f.line}
        if f.part:
            properties["part"] = f.part
        if f.fingerprint:
            properties["fingerprint"] = f.fingerprint
        if f.commit is not None:
            properties["commit"] = commit_dict(f.commit)
        results.append(
            {
                "ruleId": f.code,
                "ruleIndex": codes.index(f.code),
                "level": _level(f.code, declared),
                "message": {"text": sentence(f)},
                "locations": [_sarif_location(f)],
                "partialFingerprints": {"nbguardFinding/v1": _key(f)},
                "properties": properties,
            }
        )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "nbguard",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": "https://github.com/nbguard/nbguard",
                        "rules": rules,
                    }
                },
                "invocations": [{"executionSuccessful": exit_code < 2, "exitCode": exit_code}],
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def gitlab(findings: Sequence[Finding]) -> list[dict[str, object]]:
    """GitLab's code quality report: one issue per finding, on its line of the file."""
    declared = _declared()
    issues: list[dict[str, object]] = []
    for f in findings:
        code = declared[f.code][1] if f.code in declared else None
        severity = _GITLAB_SEVERITIES.get(_level(f.code, declared), "major")
        if code is not None and code.security_severity is not None:
            severity = "blocker" if code.security_severity >= 9.0 else "critical"
        issues.append(
            {
                "description": f"{f.code} {sentence(f)}",
                "check_name": f.code,
                "fingerprint": _key(f),
                "severity": severity,
                "location": {"path": _uri(f.path), "lines": {"begin": _line(f)}},
            }
        )
    return issues


def render(findings: Sequence[Finding], fmt: str, *, color: bool = False, exit_code: int = 0) -> str:
    """All findings in one format (``exit_code``: the run's, for SARIF's invocation)."""
    if fmt == "json":
        return json.dumps([as_dict(f) for f in findings], indent=2, ensure_ascii=False) + "\n"
    if fmt == "sarif":
        return json.dumps(sarif(findings, exit_code), indent=2, ensure_ascii=False) + "\n"
    if fmt == "gitlab":
        return json.dumps(gitlab(findings), indent=2, ensure_ascii=False) + "\n"
    if fmt == "github":
        declared = _declared()
        return "".join(github_line(f, _level(f.code, declared)) + "\n" for f in findings)
    return "".join(text_line(f, color) + "\n" for f in findings)
