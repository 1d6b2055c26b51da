"""Report formats: text lines, JSON, GitHub workflow annotations and SARIF 2.1.0."""

from __future__ import annotations

import json
from collections.abc import Sequence

from nbguard import __version__
from nbguard.report.finding import Finding, as_dict, format_text

FORMATS = ("text", "json", "github", "sarif")
# Formats that are one document for the whole run, printed at the end.
WHOLE_RUN_FORMATS = ("json", "sarif")

# What each code means, for SARIF rules; the README's codes table says more.
CODE_SUMMARIES: dict[str, str] = {
    "NBG001": "The file cannot be read as a notebook",
    "NBG101": "A cell ran out of order (count not above the previous one)",
    "NBG102": "A gap in the execution counts",
    "NBG103": "The execution counts do not start at 1",
    "NBG104": "A non-blank code cell was not executed",
    "NBG105": "Hidden state: a name is used before the cell that defines it",
    "NBG201": "A credential in a vendor's format",
    "NBG202": "A secret-looking value under a secret name or in a credential slot",
    "NBG203": "A private key",
    "NBG204": "A saved password widget value",
    "NBG301": "An embedded image is over the size limit",
    "NBG302": "The notebook's images are over the total size limit",
    "NBG303": "An embedded image has too many pixels",
    "NBG401": "The notebook would be stripped",
}

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


def sarif(findings: Sequence[Finding]) -> dict[str, object]:
    """A SARIF 2.1.0 log with one run; cells are logical locations of the notebook file."""
    codes = sorted({f.code for f in findings})
    rules = [
        {
            "id": code,
            "shortDescription": {"text": CODE_SUMMARIES.get(code, code)},
            "helpUri": "https://github.com/nbguard/nbguard#codes",
        }
        for code in codes
    ]
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
