"""The flow of a secret into a kept output: a cell that prints or displays a secret-named
environment variable or a ``getpass()`` result, and was saved with its output.

The value itself may be anywhere in the output, in no vendor's format: what is reported is
the cell's line that shows it (NBG205), fingerprinted by the output's text, so that an
allowed fingerprint holds until the output changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from nbguard.lazyre import Pattern
from nbguard.notebook import Notebook
from nbguard.notebook.document import cell_source, iter_cells

ENV_SECRET_WORDS = frozenset(
    {"key", "apikey", "token", "secret", "pass", "password", "passwd", "pwd", "pat", "auth"}
    | {"credential", "credentials", "creds"}
)
_CAMEL = Pattern(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def name_words(name: str) -> list[str]:
    """``HF_TOKEN`` -> [hf, token]; ``accessToken`` -> [access, token]; ``a.b-c`` -> [a, b, c]."""
    return [w.lower() for piece in re.split(r"[_.\-]+", name) for w in _CAMEL.findall(piece)]


def secret_name(name: str) -> bool:
    """A name whose last word is a secret word (``OPENAI_API_KEY``, not ``KEY_PATH``)."""
    words = name_words(name)
    return bool(words) and words[-1] in ENV_SECRET_WORDS


# A read of a named variable: environ[...], environ.get(...), getenv(...), os. or not
_ENV_READ = Pattern(r"""\b(?:environ\s*(?:\.get\s*\(|\[)|getenv\s*\()\s*[rRbBuU]?['"](\w+)['"]""")
_ASSIGNED = Pattern(r"^\s*([\w.]+(?:\[[^\]]*\])?(?:\s*,\s*[\w.]+)*)\s*(?::[^=]+)?=(?!=)\s*(.*)$")
# What shows only a trace of a value: its length, whether it is set, a short slice.
_SAFE_USE = Pattern(
    r"\blen\s*\(|\bbool\s*\(|\bis\s+(?:not\s+)?None\b|\[\s*:\s*-?\d|\[\s*-?\d+\s*:|\bif\b|\bin\s"
)
_BARE = Pattern(
    r"""^\s*(?:os\.)?(?:environ\s*(?:\.get\s*\(|\[)|getenv\s*\()\s*[rRbBuU]?['"]\w+['"]\s*[\])]\s*;?\s*$"""
)
_GETPASS = Pattern(r"\bgetpass\s*\(")
_SHOWS = Pattern(
    r"\b(?:print|display|pprint|pp|repr|st\.write|logging\.\w+|logger\.\w+|log\.\w+|IPython\.display\.\w+)\s*\("
)
_ECHO = Pattern(r"^\s*!\s*(?:echo|printf|printenv|env\b)[^\n]*?(?:\$\{?(\w+)|printenv\s+(\w+))")
_ENV_MAGIC_SHOW = Pattern(r"^\s*%env\s+(\w+)\s*$")
_QUICK = ("environ", "getenv", "getpass", "%env", "!")


class Printed(NamedTuple):
    cell: int  # 1-based, as the notebook shows it
    line: int  # 1-based, in the cell's source
    what: str  # what is shown, named (never its value)
    label: str  # the output that shows it
    shown: str  # that output's text: fingerprinted, never printed


def _output_text(output: Any) -> str:
    if not isinstance(output, dict):
        return ""
    if output.get("output_type") == "stream":
        text = output.get("text", "")
    else:
        data = output.get("data") or {}
        text = data.get("text/plain", "") if isinstance(data, dict) else ""
        text = text or output.get("text", "")  # nbformat 3
    return "".join(text) if isinstance(text, list) else str(text)


def _shown_output(cell: dict[str, Any]) -> tuple[str, str] | None:
    """(label, text) of the cell's first output with text, or None."""
    for number, output in enumerate(cell.get("outputs") or (), start=1):
        text = _output_text(output)
        if text.strip():
            kind = output.get("output_type", "output") if isinstance(output, dict) else "output"
            return f"output {number} {kind}", text
    return None


def _secret_sources(line: str, secret_vars: dict[str, str]) -> str | None:
    """What secret ``line`` refers to: an environment variable read, or a variable holding one."""
    for match in _ENV_READ.finditer(line):
        if secret_name(match.group(1)):
            return f"Secret environment variable {match.group(1)}"
    for var, what in secret_vars.items():
        if re.search(rf"(?<![\w.]){re.escape(var)}(?!\w)", line):
            return what
    return None


def _cell_flows(source: str) -> Iterator[tuple[int, str]]:
    """(1-based line, what) for each line of ``source`` that shows a secret."""
    secret_vars: dict[str, str] = {}
    lines = source.split("\n")
    last = max(
        (i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")), default=-1
    )
    for index, line in enumerate(lines):
        assigned = _ASSIGNED.match(line)
        if assigned and not _SHOWS.search(line):
            name, value = assigned.groups()
            name = name.strip()
            if _GETPASS.search(value):
                secret_vars[name] = "A getpass() value"
                continue
            read = _secret_sources(value, secret_vars)
            if read:
                secret_vars[name] = read
                continue
        echo = _ECHO.match(line) or _ENV_MAGIC_SHOW.match(line)
        if echo:
            name = next(g for g in echo.groups() if g)
            if secret_name(name):
                yield index + 1, f"Secret environment variable {name}"
            continue
        if _SAFE_USE.search(line):
            continue
        shows = _SHOWS.search(line)
        bare = index == last and (_BARE.match(line) or line.strip().rstrip(";") in secret_vars)
        if shows or bare:
            what = _secret_sources(line[shows.start() :] if shows else line, secret_vars)
            if what:
                yield index + 1, what


def printed_secrets(nb: Notebook, *, skip_tagged: str | None = None) -> list[Printed]:
    """Every line of a code cell that shows a secret, where the cell kept an output with text."""
    found: list[Printed] = []
    for number, cell in enumerate(iter_cells(nb), start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code" or not cell.get("outputs"):
            continue
        metadata = cell.get("metadata")
        if skip_tagged and isinstance(metadata, dict) and skip_tagged in (metadata.get("tags") or ()):
            continue
        source = cell_source(cell)
        if not any(quick in source for quick in _QUICK):
            continue
        flows = list(_cell_flows(source))
        output = _shown_output(cell) if flows else None
        if output is None:
            continue
        label, text = output
        found += [Printed(number, line, what, label, text) for line, what in flows]
    return found
