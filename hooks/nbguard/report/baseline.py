"""Baselines: today's findings recorded so that only new problems block.

An entry identifies a finding by what it is about, never by line numbers:
the file, the code, the cell (its id, or a hash of its source when it has no
id) and a hash of the offending content (for credentials their fingerprint,
which is itself a hash; the value is never written). Re-running a notebook,
moving cells or outputs does not change an entry.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from nbguard import __version__, notebook
from nbguard.notebook import Notebook
from nbguard.report.finding import Finding

DEFAULT_NAME = ".nbguard-baseline.json"
FORMAT_VERSION = 1


class BaselineError(Exception):
    """An unreadable or malformed baseline file (a usage error)."""


class Entry(NamedTuple):
    path: str
    code: str
    cell: str  # "id:<cell id>", "source:<hash>", or "" for the notebook as a whole
    content: str  # hash of the offending content

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "cell": self.cell, "content": self.content}


def short_hash(text: str) -> str:
    import hashlib  # loads OpenSSL: only once a finding needs an entry

    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _cell_key(nb: Notebook, number: int | None) -> tuple[str, Any]:
    if number is None:
        return "", None
    cells = notebook.iter_cells(nb)
    if not 1 <= number <= len(cells) or not isinstance(cells[number - 1], dict):
        return f"cell:{number}", None
    cell = cells[number - 1]
    cell_id = cell.get("id")
    if isinstance(cell_id, str) and cell_id:
        return f"id:{cell_id}", cell
    return f"source:{short_hash(notebook.cell_source(cell))}", cell


def entry_for(path: str, nb: Notebook, finding: Finding) -> Entry:
    """The baseline identity of a finding in the notebook it was found in."""
    cell_key, cell = _cell_key(nb, finding.cell)
    if finding.fingerprint:
        content = finding.fingerprint
    elif cell is not None:
        content = short_hash(notebook.cell_source(cell))
    else:
        content = short_hash(finding.message)
    return Entry(normalise(path), finding.code, cell_key, content)


def normalise(path: str) -> str:
    return os.path.normpath(path).replace(os.sep, "/")


class Baseline(NamedTuple):
    entries: frozenset[Entry]
    path: str = DEFAULT_NAME

    def for_file(self, path: str) -> frozenset[Entry]:
        key = normalise(path)
        return frozenset(e for e in self.entries if e.path == key)


def load(path: str) -> Baseline:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found (create it with 'nbguard baseline')") from None
    except (OSError, ValueError) as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc}") from None
    try:
        if data["version"] != FORMAT_VERSION:
            raise BaselineError(f"{path}: unsupported baseline version {data['version']!r}")
        entries = frozenset(
            Entry(normalise(file), e["code"], e["cell"], e["content"])
            for file, items in data["findings"].items()
            for e in items
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise BaselineError(f"{path}: malformed baseline ({exc})") from None
    return Baseline(entries, path)


def dumps(entries: Iterable[Entry]) -> str:
    by_file: dict[str, list[dict[str, str]]] = {}
    for entry in sorted(set(entries)):
        by_file.setdefault(entry.path, []).append(entry.as_dict())
    data = {
        "version": FORMAT_VERSION,
        "generated_by": f"nbguard {__version__}",
        "findings": by_file,
    }
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def split(
    path: str, nb: Notebook, findings: Sequence[Finding], known: frozenset[Entry]
) -> tuple[list[Finding], set[Entry]]:
    """Findings not in the baseline, and the baseline entries that were matched."""
    new, matched = [], set()
    for finding in findings:
        entry = entry_for(path, nb, finding)
        if entry in known:
            matched.add(entry)
        else:
            new.append(finding)
    return new, matched
