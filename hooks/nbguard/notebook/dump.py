"""Serialize notebooks exactly as Jupyter (nbformat) does, fully in memory.

This reproduces ``nbformat.writes`` byte for byte without importing nbformat;
:mod:`nbguard.notebook.write` puts the bytes on disk.
"""

from __future__ import annotations

import json
from typing import Any

from nbguard.notebook.document import (
    TRANSIENT_METADATA_KEYS,
    Document,
    Notebook,
    NotebookError,
    fast_json,
    iter_cells,
)

_SPLIT_NON_TEXT = frozenset({"application/javascript", "image/svg+xml"})
_V3_MULTILINE = ("text", "html", "svg", "latex", "javascript", "json")


def _is_json_mime(mime: str) -> bool:
    return mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))


def _bundle_to_disk(data: Any) -> Any:
    # nbformat rejoins every non-JSON list on read, then splits text on write.
    if not isinstance(data, dict):
        return data
    out = {}
    for key, item in data.items():
        value = item
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
        out["metadata"] = {k: v for k, v in metadata.items() if k not in TRANSIENT_METADATA_KEYS}
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
            copied = dict(output)
            for key in _V3_MULTILINE:
                if key in copied:
                    copied[key] = _v3_text(copied[key])
            outputs.append(copied)
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


def _v2_text(value: Any) -> Any:
    # nbformat 2 rejoins lists with newlines on read and splits without keeping them on write.
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "\n".join(value)
    if isinstance(value, str):
        return value.splitlines()
    return value


def _v2_to_disk(nb: Notebook) -> Notebook:
    def cell(c: dict[str, Any]) -> dict[str, Any]:
        out = dict(c)
        if out.get("cell_type") == "code":
            if "input" in out:
                out["input"] = _v2_text(out["input"])
            out["outputs"] = [
                {k: _v2_text(v) if k in _V3_MULTILINE else v for k, v in o.items()}
                for o in out.get("outputs", [])
            ]
        else:
            for key in ("source", "rendered"):
                if key in out:
                    out[key] = _v2_text(out[key])
        return out

    return {**nb, "worksheets": [{**ws, "cells": [cell(c) for c in ws["cells"]]} for ws in nb["worksheets"]]}


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
    major = nb.get("nbformat", 1)
    if major == 1:  # nbformat's v1 writer (also for no 'nbformat' key): indent 4, keys as they are
        return (json.dumps(nb, indent=4, ensure_ascii=True) + "\n").encode("ascii")
    if major in (2, 3):
        disk = _v3_to_disk(nb) if major == 3 else _v2_to_disk(nb)
        # nbformat's v2 and v3 writers escape non-ASCII characters.
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
    None for values msgspec refuses (a lone surrogate, say), and where msgspec does not pay
    (:func:`~nbguard.notebook.document.fast_json`: a process that read no large file)."""
    msgspec = fast_json()
    if msgspec is None:
        return None
    try:
        data: bytes = msgspec.json.format(msgspec.json.encode(value, order="sorted"), indent=1)
    except (TypeError, ValueError, OverflowError, UnicodeError):
        return None
    return data


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
        # nbstripout's Zeppelin writer: json.dump with indent 2, keys as they are.
        data = (
            (json.dumps(nb, indent=2) + "\n").encode("ascii")
            if doc.zeppelin
            else dump_bytes(nb, may_hold_floats=doc.has_floats)
        )
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
