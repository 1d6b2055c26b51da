"""Read notebooks safely: parse the bytes once and check only the structure nbguard relies on."""

from __future__ import annotations

import json
import math
import os
import re
import stat
import sys
from typing import Any, NamedTuple

Notebook = dict[str, Any]

_BOM = b"\xef\xbb\xbf"
_V4_CELL_TYPES = frozenset({"code", "markdown", "raw"})
_V3_CELL_TYPES = frozenset({"code", "markdown", "raw", "heading"})


class NotebookError(Exception):
    """A one-line, user-facing reason why a file cannot be used as a notebook."""


class Document(NamedTuple):
    """A parsed notebook together with what is needed to write it back."""

    nb: Notebook
    data: bytes
    newline: str = "\n"
    bom: bool = False
    has_floats: bool = True  # False only when parsing saw no float at all
    zeppelin: bool = False  # a Zeppelin note (.zpln): paragraphs, not cells

    @property
    def major(self) -> int:
        return int(self.nb.get("nbformat", 1))  # no key: nbformat 1, as nbformat reads it


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e999: Python would write it back as Infinity, which is not JSON
        raise ValueError("number out of range")
    return value


# From this size on, a file is parsed (and written back) with msgspec, whose import costs
# about 7 ms, and which parses 2 to 10 times faster and writes 10 times faster than the json
# module: a large file repays the import, a commit of a few small notebooks would not.
FAST_JSON_BYTES = 1 << 20


def fast_json(size: int = 0) -> Any:
    """The msgspec module where it pays: already imported (an earlier large file), or for
    ``size`` bytes of JSON from :data:`FAST_JSON_BYTES` on; else None (use the json module,
    which gives the same values)."""
    module = sys.modules.get("msgspec")
    if module is None and size >= FAST_JSON_BYTES:
        import msgspec as module
    return module


def _parse_fast(data: bytes) -> tuple[Any, bool] | None:
    """:func:`_parse_json` by msgspec where it pays; None where the json module must parse
    (it gives a precise message, or accepts what msgspec refuses)."""
    msgspec = fast_json(len(data))
    if msgspec is None:
        return None
    floats: list[float] = []

    def float_hook(text: str) -> float:
        value = float(text)
        floats.append(value)
        return value

    try:
        value = msgspec.json.Decoder(float_hook=float_hook).decode(data)
    except RecursionError:
        raise NotebookError("invalid JSON: nested too deeply") from None
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None
    if floats and any(map(math.isinf, floats)):
        raise NotebookError("invalid JSON: number out of range")
    return value, bool(floats)


def _parse_json(data: bytes) -> tuple[Any, bool]:
    """The parsed value, and whether it may hold floats."""
    fast = _parse_fast(data)
    if fast is not None:
        return fast
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


def _cell_problem(cell: Any, major: int) -> str | None:  # noqa: PLR0911 - one return per problem
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
    # No 'nbformat' key: nbformat reads the file as version 1 (nbstripout strips it so);
    # its cells are those of version 4, the shape such files have in practice.
    major = nb.get("nbformat", 1)
    if not isinstance(major, int) or isinstance(major, bool):
        raise NotebookError(f"not a notebook: 'nbformat' is {_shown(major)}")
    if major not in (1, 2, 3, 4):
        raise NotebookError(f"unsupported nbformat {major} (nbguard reads nbformat 1 to 4)")
    if not isinstance(nb.get("metadata", {}), dict):
        raise NotebookError("'metadata' is not an object")
    layout = layout_of(nb)
    if layout == 3:
        worksheets = nb.get("worksheets")
        if not isinstance(worksheets, list) or not all(
            isinstance(ws, dict) and isinstance(ws.get("cells"), list) for ws in worksheets
        ):
            raise NotebookError(f"nbformat {major} notebook without a 'worksheets' list")
    elif not isinstance(nb.get("cells"), list):
        raise NotebookError("no 'cells' list" if "nbformat" in nb else "not a notebook: no 'cells' list")
    for number, cell in enumerate(iter_cells(nb), start=1):
        problem = _cell_problem(cell, layout)
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


def layout_of(nb: Notebook) -> int:
    """3 where cells sit in worksheets and code is ``input`` (nbformat 2 and 3), else 4
    (nbformat 4, and 1, which is what a notebook without an 'nbformat' key reads as)."""
    return 3 if nb.get("nbformat") in (2, 3) else 4


def iter_cells(nb: Notebook) -> list[Any]:
    """All cells in the order the notebook shows them (v2 and v3 worksheets flattened)."""
    if layout_of(nb) == 3:
        return [cell for ws in nb["worksheets"] for cell in ws["cells"]]
    cells: list[Any] = nb["cells"]
    return cells


def cell_source(cell: dict[str, Any]) -> str:
    """A cell's source as one text (nbformat 3 code cells: ``input``)."""
    source = cell.get("source", cell.get("input", ""))
    return "".join(source) if isinstance(source, list) else str(source)


# What nbformat itself removes from a notebook's metadata on writing (``strip_transient``).
TRANSIENT_METADATA_KEYS = ("orig_nbformat", "orig_nbformat_minor", "signature")


def check_zeppelin(note: Any) -> None:
    """Raise NotebookError unless ``note`` is a Zeppelin note nbguard can strip."""
    if not isinstance(note, dict) or not isinstance(note.get("paragraphs"), list):
        raise NotebookError("not a Zeppelin note: no 'paragraphs' list")
    for number, paragraph in enumerate(note["paragraphs"], start=1):
        if not isinstance(paragraph, dict):
            raise NotebookError(f"paragraph {number}: not a JSON object")


# What a Zeppelin result message of each type is as a Jupyter output.
_ZEPPELIN_MIMES = {"HTML": "text/html", "IMG": "image/png", "SVG": "image/svg+xml"}


def _zeppelin_output(message: Any, failed: bool) -> dict[str, Any]:
    kind = message.get("type") if isinstance(message, dict) else None
    data = message.get("data") if isinstance(message, dict) else message
    text = data if isinstance(data, str) else ""
    if failed:  # a paragraph that ended in ERROR: what it printed is the error
        lines = text.splitlines()
        return {
            "output_type": "error",
            "ename": "Error",
            "evalue": lines[0] if lines else "",
            "traceback": lines,
        }
    if kind in _ZEPPELIN_MIMES:
        return {"output_type": "display_data", "data": {_ZEPPELIN_MIMES[kind]: text}, "metadata": {}}
    return {"output_type": "stream", "name": "stdout", "text": text}  # TEXT, TABLE, ANGULAR...


def zeppelin_view(note: Notebook) -> Notebook:
    """A Zeppelin note (``check_zeppelin`` passed) as a Jupyter notebook for the checks that
    read one: a cell per paragraph, numbered as the paragraphs are (markdown for ``%md``), its
    ``text`` the cell's source and its results the cell's outputs. The note itself is what is
    written; this is read only."""
    cells: list[dict[str, Any]] = []
    for paragraph in note["paragraphs"]:
        text = paragraph.get("text")
        source = text if isinstance(text, str) else ""
        results = paragraph.get("results")
        messages = results.get("msg") if isinstance(results, dict) else None
        failed = isinstance(results, dict) and results.get("code") == "ERROR"
        if source.lstrip().startswith("%md"):
            cells.append({"cell_type": "markdown", "source": source, "metadata": {}})
            continue
        outputs = [_zeppelin_output(m, failed) for m in messages] if isinstance(messages, list) else []
        cells.append(
            {
                "cell_type": "code",
                "source": source,
                "metadata": {},
                "execution_count": None,
                "outputs": outputs,
            }
        )
    return {"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": cells}


def parse(data: bytes, *, zeppelin: bool = False) -> Document:
    """Parse notebook bytes (a Zeppelin note's with ``zeppelin``); raise NotebookError
    with a one-line reason."""
    bom = data.startswith(_BOM)
    if bom:
        data = data[len(_BOM) :]
    nb, has_floats = _parse_json(data)
    if zeppelin:
        check_zeppelin(nb)
    else:
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
        zeppelin=zeppelin,
    )


# The largest file read as a notebook. Real notebooks reach tens of MB (images in
# outputs), and bench/bench_robustness.py strips one of 210 MB, which a run holds about
# twice in memory; past 256 MiB a file is far more likely a mistake (a data file named
# .ipynb) than a notebook, and reading it could exhaust a small CI machine's memory.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024

# Opening a named pipe blocks until something writes to it, a terminal may wait for a
# carrier: nbguard must not hang, nor take a terminal as its own.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read(path: str, max_bytes: int = DEFAULT_MAX_BYTES, *, zeppelin: bool = False) -> Document:
    """Read and parse the notebook at ``path``: a regular file of at most ``max_bytes``.

    Anything else (a device, a FIFO, a socket, a directory, also behind a symlink) is
    refused at once, from the opened file's own status, without reading it.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except IsADirectoryError:
        raise NotebookError("is a directory") from None
    except FileNotFoundError:
        raise NotebookError("no such file") from None
    except OSError as exc:
        raise NotebookError(f"cannot read: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            if stat.S_ISDIR(st.st_mode):
                raise NotebookError("is a directory")
            kind = next((name for test, name in _KINDS if test(st.st_mode)), "an unknown kind of file")
            raise NotebookError(f"not a regular file ({kind})")
        if st.st_size > max_bytes:
            raise NotebookError(f"file is {_size(st.st_size)}, over the {_size(max_bytes)} limit")
        data = _read_at_most(fd, st.st_size, max_bytes)
    except OSError as exc:
        raise NotebookError(f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    return parse(data, zeppelin=zeppelin)


def _read_at_most(fd: int, size: int, max_bytes: int) -> bytes:
    """The file's bytes to its end, in one read where it has ``size`` bytes as fstat said;
    a file that grows past ``max_bytes`` meanwhile (or a /proc file, whose size says 0) is refused."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = os.read(fd, min(max(size + 1 - total, 1 << 16), max_bytes + 1 - total))
        if not chunk:
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise NotebookError(f"file is over the {_size(max_bytes)} limit")


def _size(count: int) -> str:
    if count < 1 << 20:
        return f"{count:,} bytes"
    return f"{count >> 20} MiB" if count % (1 << 20) == 0 else f"{count / (1 << 20):.1f} MiB"
