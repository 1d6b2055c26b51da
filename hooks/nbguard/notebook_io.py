"""Read notebooks safely and write them exactly as Jupyter (nbformat) does.

Reading parses the bytes once and checks only the structure nbguard relies
on. Writing reproduces ``nbformat.writes`` byte for byte without importing
nbformat and serializes fully in memory; ``atomic_files`` puts the bytes on disk.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from typing import Any

import msgspec

Notebook = dict[str, Any]

_BOM = b"\xef\xbb\xbf"
_V4_CELL_TYPES = frozenset({"code", "markdown", "raw"})
_V3_CELL_TYPES = frozenset({"code", "markdown", "raw", "heading"})


class NotebookError(Exception):
    """A one-line, user-facing reason why a file cannot be used as a notebook."""


@dataclass(frozen=True)
class Document:
    """A parsed notebook together with what is needed to write it back."""

    nb: Notebook
    data: bytes
    newline: str = "\n"
    bom: bool = False
    has_floats: bool = True  # False only when parsing saw no float at all

    @property
    def major(self) -> int:
        return int(self.nb["nbformat"])


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e999: Python would write it back as Infinity, which is not JSON
        raise ValueError("number out of range")
    return value


def _parse_json(data: bytes) -> tuple[Any, bool]:
    """The parsed value, and whether it may hold floats."""
    floats: list[float] = []

    def float_hook(text: str) -> float:
        value = float(text)
        floats.append(value)
        return value

    try:
        value = msgspec.json.Decoder(float_hook=float_hook).decode(data)
        if floats and any(map(math.isinf, floats)):
            raise NotebookError("invalid JSON: number out of range")
        return value, bool(floats)
    except RecursionError:
        raise NotebookError("invalid JSON: nested too deeply") from None
    except (msgspec.DecodeError, UnicodeDecodeError):
        pass  # let the standard library give a precise message, or accept it
    if not data.strip():
        raise NotebookError("empty file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start]
        raise NotebookError(f"not UTF-8 text: byte 0x{bad:02x} at offset {exc.start}") from None
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float), True
    except json.JSONDecodeError as exc:
        raise NotebookError(f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except ValueError as exc:  # NaN / Infinity, or a number too large
        raise NotebookError(f"invalid JSON: {exc}") from None
    except RecursionError:
        raise NotebookError("invalid JSON: nested too deeply") from None


def _text_like(value: Any) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, list):
        try:
            "".join(value)  # fails unless every item is text; fast in C
        except TypeError:
            return False
        return True
    return False


def _cell_problem(cell: Any, major: int) -> str | None:
    """What is wrong with a cell, or None. Kept lean: it runs for every cell."""
    if not isinstance(cell, dict):
        return "not a JSON object"
    cell_type = cell.get("cell_type")
    # The type test first: a list or an object cannot even be looked up in a set.
    if not isinstance(cell_type, str) or cell_type not in (_V4_CELL_TYPES if major == 4 else _V3_CELL_TYPES):
        return f"unknown cell_type {_shown(cell_type)}"
    metadata = cell.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return "'metadata' is not an object"
    key = "input" if major == 3 and cell_type == "code" else "source"
    if not _text_like(cell.get(key)):
        if key not in cell:
            return f"no '{key}'"
        return f"'{key}' is not text or a list of text"
    if cell_type == "code":
        outputs = cell.get("outputs")
        if not isinstance(outputs, list):
            return "code cell has no 'outputs' list"
        for output in outputs:
            if not isinstance(output, dict) or not isinstance(output.get("output_type"), str):
                return "an output has no 'output_type'"
    return None


def check_structure(nb: Any) -> None:
    """Raise NotebookError unless ``nb`` has the shape nbguard relies on."""
    if not isinstance(nb, dict):
        raise NotebookError(f"not a notebook: top level is a JSON {_kind(nb)}")
    major = nb.get("nbformat")
    if major is None:
        raise NotebookError("not a notebook: no 'nbformat' version")
    if not isinstance(major, int) or isinstance(major, bool):
        raise NotebookError(f"not a notebook: 'nbformat' is {_shown(major)}")
    if major not in (3, 4):
        raise NotebookError(f"unsupported nbformat {major} (nbguard reads nbformat 3 and 4)")
    if not isinstance(nb.get("metadata", {}), dict):
        raise NotebookError("'metadata' is not an object")
    if major == 3:
        worksheets = nb.get("worksheets")
        if not isinstance(worksheets, list) or not all(
            isinstance(ws, dict) and isinstance(ws.get("cells"), list) for ws in worksheets
        ):
            raise NotebookError("nbformat 3 notebook without a 'worksheets' list")
    elif not isinstance(nb.get("cells"), list):
        raise NotebookError("no 'cells' list")
    for number, cell in enumerate(iter_cells(nb), start=1):
        problem = _cell_problem(cell, major)
        if problem is not None:
            raise NotebookError(f"cell {number}: {problem}")


_PLAIN = re.compile(r"[\w .+-]{0,16}")


def _shown(value: Any) -> str:
    """A value quoted in an error message only when it is short and plain: a field
    could hold anything, a credential included, and messages must never show one."""
    if (
        value is None
        or isinstance(value, (bool, int, float))
        or (isinstance(value, str) and _PLAIN.fullmatch(value))
    ):
        return repr(value)
    if isinstance(value, str):
        return f"(a string of {len(value)} characters)"
    return f"(a JSON {_kind(value)})"


def _kind(value: Any) -> str:
    kinds = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return kinds.get(type(value), "number")


def iter_cells(nb: Notebook) -> list[Any]:
    """All cells in the order the notebook shows them (v3 worksheets flattened)."""
    if nb.get("nbformat") == 3:
        return [cell for ws in nb["worksheets"] for cell in ws["cells"]]
    cells: list[Any] = nb["cells"]
    return cells


def parse(data: bytes) -> Document:
    """Parse notebook bytes; raise NotebookError with a one-line reason."""
    bom = data.startswith(_BOM)
    if bom:
        data = data[len(_BOM) :]
    nb, has_floats = _parse_json(data)
    check_structure(nb)
    # A one-byte search runs at memchr speed; a two-byte one is 20x slower, so it
    # only runs on the rare file that holds a carriage return at all.
    newline = "\r\n" if b"\r" in data and b"\r\n" in data else "\n"
    return Document(
        nb=nb,
        data=(_BOM + data) if bom else data,
        newline=newline,
        bom=bom,
        has_floats=has_floats,
    )


_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def _open_nonblocking(path: str, flags: int) -> int:
    # Opening a named pipe blocks until something writes to it; nbguard must not hang.
    return os.open(path, flags | _NONBLOCK)


def read(path: str) -> Document:
    """Read and parse the notebook at ``path``."""
    try:
        with open(path, "rb", opener=_open_nonblocking if _NONBLOCK else None) as f:
            if _NONBLOCK:
                os.set_blocking(f.fileno(), True)  # a pipe with a writer is read to its end
            data = f.read()
    except IsADirectoryError:
        raise NotebookError("is a directory") from None
    except FileNotFoundError:
        raise NotebookError("no such file") from None
    except OSError as exc:
        raise NotebookError(f"cannot read: {exc.strerror or exc}") from None
    return parse(data)


# --- writing ---------------------------------------------------------------

_TRANSIENT_NB_KEYS = ("orig_nbformat", "orig_nbformat_minor", "signature")
_SPLIT_NON_TEXT = frozenset({"application/javascript", "image/svg+xml"})
_V3_MULTILINE = ("text", "html", "svg", "latex", "javascript", "json")


def _is_json_mime(mime: str) -> bool:
    return mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))


def _bundle_to_disk(data: Any) -> Any:
    # nbformat rejoins every non-JSON list on read, then splits text on write.
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        if not _is_json_mime(key) and isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = "".join(value)
        if isinstance(value, str) and (key.startswith("text/") or key in _SPLIT_NON_TEXT):
            value = value.splitlines(True)
        out[key] = value
    return out


def _output_to_disk(output: Any) -> Any:
    output_type = output.get("output_type", "")
    if output_type in ("execute_result", "display_data"):
        if "data" in output:
            return {**output, "data": _bundle_to_disk(output["data"])}
        return output
    text = output.get("text", "")
    if output_type and isinstance(text, list):
        text = "".join(text)
        output = {**output, "text": text}
    if output_type == "stream" and isinstance(text, str):
        return {**output, "text": text.splitlines(True)}
    return output


def _cell_to_disk(cell: dict[str, Any]) -> dict[str, Any]:
    out = dict(cell)
    source = cell.get("source")
    if isinstance(source, list):
        source = "".join(source)
    if isinstance(source, str):
        out["source"] = source.splitlines(True)
    metadata = cell.get("metadata")
    if isinstance(metadata, dict) and "trusted" in metadata:
        out["metadata"] = {k: v for k, v in metadata.items() if k != "trusted"}
    attachments = cell.get("attachments")
    if isinstance(attachments, dict):
        out["attachments"] = {name: _bundle_to_disk(bundle) for name, bundle in attachments.items()}
    outputs = cell.get("outputs")
    if outputs and isinstance(outputs, list) and cell.get("cell_type") == "code":
        out["outputs"] = [_output_to_disk(o) for o in outputs]
    return out


def _v4_to_disk(nb: Notebook) -> Notebook:
    out = dict(nb)
    metadata = out.get("metadata")
    if isinstance(metadata, dict):
        out["metadata"] = {k: v for k, v in metadata.items() if k not in _TRANSIENT_NB_KEYS}
    out["cells"] = [_cell_to_disk(cell) for cell in nb["cells"]]
    return out


def _v3_join(lines: list[str]) -> str:
    if lines and lines[0].endswith(("\n", "\r")):
        return "".join(lines)
    return "\n".join(lines)


def _v3_text(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = _v3_join(value)
    if isinstance(value, str):
        return value.splitlines(True)
    return value


def _v3_cell_to_disk(cell: dict[str, Any]) -> dict[str, Any]:
    out = dict(cell)
    metadata = out.get("metadata")
    if isinstance(metadata, dict) and "trusted" in metadata:
        out["metadata"] = {k: v for k, v in metadata.items() if k != "trusted"}
    if out.get("cell_type") == "code":
        if "input" in out:
            out["input"] = _v3_text(out["input"])
        outputs = []
        for output in out.get("outputs", []):
            output = dict(output)
            for key in _V3_MULTILINE:
                if key in output:
                    output[key] = _v3_text(output[key])
            outputs.append(output)
        out["outputs"] = outputs
    else:
        for key in ("source", "rendered"):
            if key in out:
                out[key] = _v3_text(out[key])
    return out


def _v3_to_disk(nb: Notebook) -> Notebook:
    out = {k: v for k, v in nb.items() if k not in ("orig_nbformat", "orig_nbformat_minor")}
    out["worksheets"] = [
        {**ws, "cells": [_v3_cell_to_disk(c) for c in ws["cells"]]} for ws in nb["worksheets"]
    ]
    return out


def _has_float(value: Any) -> bool:
    # A loop, not recursion: metadata nested a few hundred levels deep is valid.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _may_hold_floats(disk: Notebook) -> bool:
    # Sources and text are strings; only metadata and kept outputs can hold
    # floats, which msgspec formats differently from Python's repr.
    if _has_float(disk.get("metadata")):
        return True
    for cell in iter_cells(disk):
        for key, value in cell.items():
            if key not in ("source", "input") and _has_float(value):
                return True
    return False


def dumps(nb: Notebook, *, may_hold_floats: bool = True) -> str:
    """Serialize ``nb`` exactly as ``nbformat.writes`` does, with a final newline.

    ``may_hold_floats=False`` promises there is no float anywhere in ``nb``.
    """
    return dump_bytes(nb, may_hold_floats=may_hold_floats).decode("utf-8")


def dump_bytes(nb: Notebook, *, may_hold_floats: bool = True) -> bytes:
    """:func:`dumps` as UTF-8 bytes, made without a round trip through ``str`` where
    msgspec writes them; UnicodeEncodeError for text UTF-8 cannot hold (a lone surrogate)."""
    if nb.get("nbformat") == 3:
        disk = _v3_to_disk(nb)
        # nbformat's v3 writer escapes non-ASCII characters.
        return (_json_dumps(disk, ensure_ascii=True) + "\n").encode("ascii")
    disk = _v4_to_disk(nb)
    if not (may_hold_floats and _may_hold_floats(disk)):
        data = _msgspec_json(disk)
        if data is not None:
            return data + b"\n"
    return (json_text(disk, fast=False) + "\n").encode("utf-8")


def _msgspec_json(value: Any) -> bytes | None:
    """``value`` in nbformat's layout by msgspec, ten times faster than the json module;
    right only when ``value`` holds no float (msgspec writes 1e16 for 1e+16).
    None for values msgspec refuses (a lone surrogate, say)."""
    try:
        return msgspec.json.format(msgspec.json.encode(value, order="sorted"), indent=1)
    except (TypeError, ValueError, OverflowError, UnicodeError):
        return None


def json_text(value: Any, *, fast: bool, default: Any = None) -> str:
    """``value`` in nbformat's JSON layout: ``json.dumps`` with indent 1, sorted keys and
    non-ASCII text as it is (``default`` as in ``json.dumps``).

    ``fast`` promises no float in ``value``, so that msgspec can write it.
    """
    data = _msgspec_json(value) if fast else None
    if data is not None:
        return data.decode("utf-8")
    return _json_dumps(value, ensure_ascii=False, default=default)


def _json_dumps(obj: Any, *, ensure_ascii: bool, default: Any = None) -> str:
    return json.dumps(
        obj,
        indent=1,
        sort_keys=True,
        separators=(",", ": "),
        ensure_ascii=ensure_ascii,
        default=default,
    )


def serialize(doc: Document, nb: Notebook) -> bytes:
    """Bytes for ``nb`` in the file's own line-ending style."""
    try:
        data = dump_bytes(nb, may_hold_floats=doc.has_floats)
    except RecursionError:
        raise NotebookError("nested too deeply to write") from None
    except UnicodeEncodeError:
        raise NotebookError("holds text that cannot be encoded as UTF-8") from None
    if doc.newline == "\r\n":
        # JSON text holds no raw newlines inside strings, and no UTF-8 sequence holds
        # the byte 0x0a, so this is safe.
        data = data.replace(b"\n", b"\r\n")
    return data


def changed_bytes(doc: Document, nb: Notebook) -> bytes | None:
    """The bytes to write for ``nb``, or None where the file would not change."""
    if nb is doc.nb:
        return None  # the checks return their input itself when nothing changes
    data = serialize(doc, nb)
    return None if data == doc.data else data
