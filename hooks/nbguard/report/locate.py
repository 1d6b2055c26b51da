"""Findings placed on the lines of the ``.ipynb`` file itself, for line-based formats.

A finding names a cell, a part of it (``source``, ``output 2 stream``,
``metadata``...) and a line within that part's text. Code scanning and CI
annotations want the line of the file: :func:`anchors` scans the raw JSON
text once, recording where every value starts and ends, and follows the
finding's cell and part to the JSON string that holds its line. nbformat
writes one source or output line per JSON string, one key per line; a
minified file falls back to the line where the value, or the cell, starts,
and a finding that names no cell to line 1.

Only the sarif, github and gitlab formats ask for this: the text and json
formats never pay for it.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Sequence
from typing import Any, NamedTuple, Union

from nbguard.notebook import Document, Notebook, layout_of
from nbguard.report.baseline import entry_for, short_hash
from nbguard.report.finding import Anchor, Finding

# Formats that place each finding on a line of the file.
LINE_FORMATS = frozenset({"sarif", "github", "gitlab"})

_WS = re.compile(r"[ \t\r\n]*")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_SCALAR = re.compile(r"[^,\]}\s]+")  # numbers, true, false, null (the text is valid JSON)
# nbformat 3 keeps each mimetype of an output under a short key.
_V3_KEYS = {
    "text/plain": "text",
    "text/html": "html",
    "text/markdown": "markdown",
    "text/latex": "latex",
    "application/json": "json",
    "application/javascript": "javascript",
}

Children = Union[dict[str, "Node"], list["Node"], None]  # noqa: UP007 - a runtime alias


class Node(NamedTuple):
    """One JSON value in the file's text: its offsets (end exclusive) and its members."""

    start: int
    end: int
    children: Children = None


def tree(text: str) -> Node | None:
    """Every value of the JSON ``text`` with its offsets; None if it cannot be followed."""
    try:
        node, _ = _value(text, 0)
    except (RecursionError, IndexError, ValueError):  # nested very deeply, or not JSON
        return None
    return node


def _skip(text: str, pos: int) -> int:
    match = _WS.match(text, pos)
    return match.end() if match is not None else pos


def _value(text: str, pos: int) -> tuple[Node, int]:
    pos = _skip(text, pos)
    start, char = pos, text[pos]
    if char == "{":
        members: dict[str, Node] = {}
        pos = _skip(text, pos + 1)
        while text[pos] != "}":
            key = _STRING.match(text, pos)
            if key is None:
                raise ValueError(pos)
            raw = key.group()
            name = raw[1:-1] if "\\" not in raw else json.loads(raw)
            members[name], pos = _value(text, _skip(text, key.end()) + 1)  # past the ":"
            pos = _next(text, pos)
        return Node(start, pos + 1, members), pos + 1
    if char == "[":
        items: list[Node] = []
        pos = _skip(text, pos + 1)
        while text[pos] != "]":
            item, pos = _value(text, pos)
            items.append(item)
            pos = _next(text, pos)
        return Node(start, pos + 1, items), pos + 1
    match = (_STRING if char == '"' else _SCALAR).match(text, pos)
    if match is None:
        raise ValueError(pos)
    return Node(start, match.end()), match.end()


def _next(text: str, pos: int) -> int:
    """Past the comma after a member or item, to the next one or the closing bracket."""
    pos = _skip(text, pos)
    return _skip(text, pos + 1) if text[pos] == "," else pos


class _Lines:
    """Offsets of the text to 1-based lines and columns."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = [match.start() for match in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_left(self.newlines, offset) + 1

    def column(self, offset: int) -> int:
        index = bisect.bisect_left(self.newlines, offset)
        return offset - (self.newlines[index - 1] if index else -1)


Region = tuple[int, int, int | None, int | None]  # line, end line, column, end column
_Found = tuple[Node | None, Any]  # a node and the notebook's value at the same place


def _follow(node: Node | None, value: Any, *keys: str | int) -> _Found:
    """The node and value at ``keys`` below ``node`` and ``value``; (None, None) if absent."""
    for key in keys:
        if node is None:
            break
        children = node.children
        if isinstance(key, str) and isinstance(children, dict) and isinstance(value, dict):
            node, value = children.get(key), value.get(key)
        elif (
            isinstance(key, int)
            and isinstance(children, list)
            and isinstance(value, list)
            and 0 <= key < min(len(children), len(value))
        ):
            node, value = children[key], value[key]
        else:
            node = None
    return (node, value) if node is not None else (None, None)


def _cell(root: Node, nb: Notebook, number: int) -> _Found:
    if layout_of(nb) != 3:
        return _follow(root, nb, "cells", number - 1)
    sheets, values = _follow(root, nb, "worksheets")
    cells: list[_Found] = []
    if sheets is not None and isinstance(sheets.children, list):
        for index in range(len(sheets.children)):
            node, value = _follow(sheets, values, index, "cells")
            if node is not None and isinstance(node.children, list):
                cells += [_follow(node, value, i) for i in range(len(node.children))]
    return cells[number - 1] if 1 <= number <= len(cells) else (None, None)


def _cell_part(
    cell: Node, value: Any, part: str, major: int, line: int | None
) -> tuple[Node | None, Any, str]:
    """The node and value of a cell's part, and the separator its text is joined with."""
    if part == "source":
        key = "input" if major == 3 and value.get("cell_type") == "code" else "source"
        return (*_follow(cell, value, key), "")
    if part == "metadata":
        return (*_follow(cell, value, "metadata"), "")
    output = re.fullmatch(r"output (\d+) (.+)", part)
    if output is not None:
        node, data = _follow(cell, value, "outputs", int(output.group(1)) - 1)
        return _output_part(node, data, output.group(2), major, line)
    attachments = value.get("attachments")
    if part.startswith("attachment ") and isinstance(attachments, dict):
        for name in attachments:
            if part == f"attachment {name}" or part.startswith(f"attachment {name} "):
                return _follow(cell, value, "attachments", str(name))[0], None, ""  # base64: no lines
    return None, None, ""


def _output_part(
    node: Node | None, data: Any, kind: str, major: int, line: int | None
) -> tuple[Node | None, Any, str]:
    """:func:`_cell_part` for an output (node and value) and its kind: stream, error or a mimetype."""
    if kind == "stream":
        keys: tuple[str, ...] = ("text",)
    elif kind == "error":
        keys = ("traceback",)
    else:
        keys = (_V3_KEYS.get(kind, kind),) if major == 3 else ("data", kind)
    inner, text = _follow(node, data, *keys)
    if kind == "error" and _past(text, line):  # the error line added after the traceback
        inner, text = _follow(node, data, "evalue")
    if inner is None:
        return node, None, ""  # the output's own line
    return inner, text, "\n" if kind == "error" else ""


def _past(traceback: Any, line: int | None) -> bool:
    """Whether line ``line`` of an error part is past its traceback's lines."""
    if not isinstance(traceback, list) or not all(isinstance(t, str) for t in traceback):
        return True
    return line is not None and line > ("\n".join(traceback).count("\n") + 1 if traceback else 0)


def _within(node: Node, value: Any, line: int | None, lines: _Lines, sep: str) -> Region:
    """The file's line of line ``line`` of the text at ``node`` (its start without a line)."""
    first = lines.line(node.start)
    if line is None or value is None:
        return first, first, None, None
    if isinstance(node.children, dict):  # JSON text: one key per line, as nbformat writes
        last = lines.line(node.end - 1)
        at = min(first + line - 1, last) if last > first else first
        return at, at, None, None
    if isinstance(node.children, list):
        if not all(isinstance(v, str) for v in value) or not node.children:
            return first, first, None, None
        node = node.children[_item_holding(value, line, sep)]
    if lines.text[node.start] != '"':
        return first, first, None, None
    at = lines.line(node.start)  # a JSON string is on one line of the file
    return at, at, lines.column(node.start) + 1, lines.column(node.end - 1)


def _item_holding(items: Sequence[str], line: int, sep: str) -> int:
    """The index of the string in which line ``line`` of ``sep.join(items)`` starts."""
    joined = sep.join(items)
    offset = 0
    for _ in range(line - 1):
        found = joined.find("\n", offset)
        if found < 0:
            break
        offset = found + 1
    position = 0
    for index, item in enumerate(items):
        position += len(item) + len(sep)
        if offset < position:
            return index
    return len(items) - 1


def region(root: Node | None, nb: Notebook, finding: Finding, lines: _Lines) -> Region:
    """Where ``finding`` is in the file: its part's line, else its cell's, else line 1."""
    if root is None:
        return 1, 1, None, None
    if finding.cell is None:
        keys = {"metadata": ("metadata",), "widget state": ("metadata", "widgets")}.get(finding.part)
        node, value = _follow(root, nb, *keys) if keys else (None, None)
        return _within(node, value, finding.line, lines, "") if node is not None else (1, 1, None, None)
    cell, value = _cell(root, nb, finding.cell)
    if cell is None or not isinstance(value, dict):
        return 1, 1, None, None
    major = layout_of(nb)
    node, text, sep = (
        _cell_part(cell, value, finding.part, major, finding.line) if finding.part else (None, None, "")
    )
    if node is not None:
        return _within(node, text, finding.line, lines, sep)
    count, _ = _follow(cell, value, "prompt_number" if major == 3 else "execution_count")
    at = lines.line((count or cell).start)  # a finding on the cell: its count, as order reports
    return at, at, None, None


def anchored(doc: Document, findings: Sequence[Finding]) -> list[Finding]:
    """``findings`` of the notebook ``doc`` with their anchors: the region in the file and
    a key from the baseline's identity of the finding (and its rank among equals)."""
    if not findings:
        return []
    text = doc.data.decode("utf-8-sig", "replace")
    root, lines = tree(text), _Lines(text)
    seen: dict[str, int] = {}
    located = []
    for finding in findings:
        line, end_line, column, end_column = region(root, doc.nb, finding, lines)
        entry = entry_for(finding.path, doc.nb, finding)
        identity = f"{entry.path}|{entry.code}|{entry.cell}|{entry.content}"
        seen[identity] = seen.get(identity, 0) + 1
        key = short_hash(f"{identity}|{seen[identity]}")
        located.append(finding._replace(anchor=Anchor(line, end_line, column, end_column, key)))
    return located
