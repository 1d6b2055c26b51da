"""Report formats: text lines, JSON, GitHub workflow annotations and SARIF 2.1.0."""

from __future__ import annotations

import json
from collections.abc import Sequence

from nbguard import __version__
from nbguard.report.finding import Finding, as_dict, format_text

FORMATS = ("text", "json", "github", "sarif")
# Formats that are one document for the whole run, printed at the end.
WHOLE_RUN_FORMATS = ("json", "sarif")

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


def github_line(finding: Finding) -> str:
    """A GitHub Actions workflow command that annotates the notebook file."""
    where = ""
    if finding.cell is not None:
        where = f"cell {finding.cell}" + (f", line {finding.line}" if finding.line is not None else "")
    title = finding.code + (f" ({where})" if where else "")
    return (
        f"::error file={_github_escape(finding.path, prop=True)},"
        f"title={_github_escape(title, prop=True)}::{_github_escape(finding.message)}"
    )


def _rule(code: str) -> dict[str, object]:
    """A SARIF rule for ``code``, from its declaration in the check registry."""
    from nbguard import checks

    declared = {c.code: (name, c) for name, c in checks.all_codes()}
    if code not in declared:
        return {"id": code, "shortDescription": {"text": code}}
    name, c = declared[code]
    properties: dict[str, object] = {"tags": [name or "io"]}
    if c.security_severity is not None:
        properties["tags"] = [name, "security"]
        properties["security-severity"] = f"{c.security_severity:.1f}"
    return {
        "id": code,
        "name": c.title,
        "shortDescription": {"text": c.title},
        "fullDescription": {"text": c.description or c.title},
        "help": {"text": c.fix, "markdown": c.fix},
        "helpUri": "https://github.com/nbguard/nbguard#codes",
        "defaultConfiguration": {"level": c.level},
        "properties": properties,
    }


def sarif(findings: Sequence[Finding]) -> dict[str, object]:
    """A SARIF 2.1.0 log with one run; cells are logical locations of the notebook file."""
    codes = sorted({f.code for f in findings})
    rules = [_rule(code) for code in codes]
    results = []
    for f in findings:
        location: dict[str, object] = {
            "physicalLocation": {"artifactLocation": {"uri": f.path.replace("\\", "/")}}
        }
        if f.cell is not None:
            name = f"cell {f.cell}" + (f", line {f.line}" if f.line is not None else "")
            location["logicalLocations"] = [{"name": name, "kind": "element"}]
        result: dict[str, object] = {
            "ruleId": f.code,
            "ruleIndex": codes.index(f.code),
            "level": "error",
            "message": {"text": format_text(f._replace(path=""))[2:] if f.cell else f.message},
            "locations": [location],
            "properties": {"check": f.check, "cell": f.cell, "line": f.line},
        }
        if f.fingerprint:
            result["partialFingerprints"] = {"nbguard/v1": f.fingerprint}
        results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "nbguard",
                        "version": __version__,
                        "informationUri": "https://github.com/nbguard/nbguard",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }


def render(findings: Sequence[Finding], fmt: str, *, color: bool = False) -> str:
    """All findings in one format."""
    if fmt == "json":
        return json.dumps([as_dict(f) for f in findings], indent=2, ensure_ascii=False) + "\n"
    if fmt == "sarif":
        return json.dumps(sarif(findings), indent=2, ensure_ascii=False) + "\n"
    if fmt == "github":
        return "".join(github_line(f) + "\n" for f in findings)
    return "".join(text_line(f, color) + "\n" for f in findings)
