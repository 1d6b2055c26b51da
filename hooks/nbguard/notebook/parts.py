"""Every piece of text a notebook holds, with where it is, for scanners.

:func:`iter_parts` walks a notebook (nbformat 3 or 4) and yields one
:class:`Part` per scannable text: each cell's source, each output (stream
text, error traceback, every non-binary mimetype), cell and notebook
metadata, saved widget state, and non-image attachments. Text is given as
the notebook shows it: list-or-string sources joined, ANSI colour codes
removed, HTML entities decoded, JSON serialized one key per line. Images and
other binary payloads are never yielded, and inline binary ``data:``
URIs (images, video) are elided, so nothing downstream can mistake them for text.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from nbguard.notebook.document import Notebook, iter_cells, layout_of
from nbguard.notebook.dump import json_text

WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"

# How a part is written, which decides how a scanner reads it.
PYTHON, CODE, MARKDOWN, TEXT, JSON = "python", "code", "markdown", "text", "json"

# CSI sequences (colours, cursor moves) and OSC sequences (titles, links).
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?")
# Inline binary payloads (images, video, audio, fonts) in HTML and markdown.
_BINARY_DATA_URI = re.compile(
    r"data:(?:image|video|audio|font|application/(?:pdf|octet-stream|zip))/?[\w.+-]*"
    r";base64,[A-Za-z0-9+/=\s]{16,}"
)
_ELIDED_URI = "data:;base64,(elided)"
# Payloads stored as base64 or otherwise not meant to be read as text.
_BINARY_MIME_PREFIXES = ("image/", "audio/", "video/", "font/")
_BINARY_MIMES = frozenset({"application/pdf", "application/octet-stream", "application/zip"})
# nbformat 3 keeps each mimetype of an output under a short key.
_V3_OUTPUT_KEYS = {
    "text": "text/plain",
    "html": "text/html",
    "markdown": "text/markdown",
    "latex": "text/latex",
    "json": "application/json",
    "javascript": "application/javascript",
}


class Part(NamedTuple):
    """One scannable text.

    ``cell`` is the 1-based cell number as the notebook shows it (None for
    notebook-level parts); ``label`` names the part in messages (``source``,
    ``output 2 stream``, ``output 1 text/html``, ``metadata``, ``widget
    state``, ``attachment notes.txt``); ``style`` says how the text is
    written (python, code, markdown, text or json); ``language`` is the
    kernel language for code.
    """

    cell: int | None
    label: str
    text: str
    style: str
    language: str = ""


def is_binary_mime(mime: str) -> bool:
    return mime.startswith(_BINARY_MIME_PREFIXES) or mime in _BINARY_MIMES


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text) if "\x1b" in text else text


def elide_binary_uris(text: str) -> str:
    return _BINARY_DATA_URI.sub(_ELIDED_URI, text) if ";base64," in text else text


def joined(value: Any) -> str:
    """nbformat's multiline string (one string or a list of lines) as one string."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        try:
            return "".join(value)  # the usual list of lines, at C speed
        except TypeError:
            return "".join(v for v in value if isinstance(v, str))
    return ""


def as_json(value: Any) -> str:
    """``value`` serialized as nbformat writes JSON: one key per line, keys sorted."""
    return json_text(value, fast=_plain(value), default=str)


_PLAIN_DEPTH = 64


def _plain(value: Any) -> bool:
    """True for JSON made only of strings, integers, booleans, nulls, lists and objects
    with string keys, nested at most ``_PLAIN_DEPTH`` deep: no floats, which msgspec
    formats differently (1e16 for 1e+16), and nothing the json module would refuse."""
    level, depth = [value], 0  # a level of nesting at a time: no (item, depth) pair per item
    while level:
        nested: list[Any] = []
        for item in level:
            kind = type(item)
            if kind is str or kind is int or kind is bool or item is None:
                continue
            if depth >= _PLAIN_DEPTH:
                return False
            if kind is dict:
                if not all(type(key) is str for key in item):
                    return False
                nested.extend(item.values())
            elif kind is list:
                nested.extend(item)
            else:
                return False
        level, depth = nested, depth + 1
    return True


def kernel_language(nb: Notebook) -> str:
    """The notebook's language, lower case (``python`` when nothing says otherwise)."""
    metadata = nb.get("metadata")
    if isinstance(metadata, dict):
        for key, field in (("kernelspec", "language"), ("language_info", "name")):
            info = metadata.get(key)
            if isinstance(info, dict) and isinstance(info.get(field), str) and info[field]:
                return str(info[field]).lower()
        if isinstance(metadata.get("language"), str) and metadata["language"]:
            return str(metadata["language"]).lower()  # nbformat 3
    return "python"


def _cell_tags(cell: dict[str, Any]) -> list[Any]:
    return _tags(cell.get("metadata"))


def _tags(metadata: Any) -> list[Any]:
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return tags if isinstance(tags, list) else []


def _mime_text(mime: str, value: Any) -> str | None:
    """The text of one mimetype's data as a reader sees it, or None for binary data."""
    if is_binary_mime(mime):
        return None
    if not isinstance(value, (str, list)) or (
        isinstance(value, list) and not all(isinstance(v, str) for v in value)
    ):
        return as_json(value)  # JSON mimetypes hold objects
    text = joined(value)
    if mime == "text/html":
        import html  # only for HTML outputs

        text = html.unescape(text)
    return elide_binary_uris(strip_ansi(text))


def _output_parts(number: int, output: dict[str, Any], major: int) -> Iterator[tuple[str, str]]:
    """(label, text) for each text an output holds."""
    output_type = output.get("output_type")
    prefix = f"output {number}"
    if output_type == "stream":
        yield f"{prefix} stream", strip_ansi(joined(output.get("text")))
    elif output_type in ("error", "pyerr"):
        yield f"{prefix} error", _error_text(output)
    elif major == 3:
        for key, mime in _V3_OUTPUT_KEYS.items():
            if key in output:
                text = _mime_text(mime, output[key])
                if text is not None:
                    yield f"{prefix} {mime}", text
    else:
        data = output.get("data")
        if isinstance(data, dict):
            for mime, value in data.items():
                text = _mime_text(str(mime), value)
                if text is not None:
                    yield f"{prefix} {mime}", text


def _error_text(output: dict[str, Any]) -> str:
    """The traceback as shown (colour codes removed), and the error line if it is missing."""
    traceback = output.get("traceback")
    lines = [strip_ansi(t) for t in traceback if isinstance(t, str)] if isinstance(traceback, list) else []
    text = "\n".join(lines)
    evalue = output.get("evalue")
    if isinstance(evalue, str) and evalue and strip_ansi(evalue) not in text:
        ename = output.get("ename")
        head = f"{ename}: " if isinstance(ename, str) and ename else ""
        text = f"{text}\n{head}{strip_ansi(evalue)}" if text else f"{head}{strip_ansi(evalue)}"
    return text


def _attachment_text(value: Any) -> str:
    """An attachment's data as text: base64-decoded when it is base64 of UTF-8 text
    (as nbformat stores it), else as it stands."""
    if isinstance(value, dict):
        return as_json(value)
    data = joined(value)
    try:
        return base64.b64decode("".join(data.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return data


def _attachment_parts(number: int, cell: dict[str, Any]) -> Iterator[Part]:
    attachments = cell.get("attachments")
    if not isinstance(attachments, dict):
        return
    for name, bundle in attachments.items():
        if not isinstance(bundle, dict):
            continue
        for mime, value in bundle.items():
            if is_binary_mime(str(mime)):
                continue
            yield Part(number, f"attachment {name}", _attachment_text(value), TEXT)


def _source(cell: dict[str, Any], major: int) -> str:
    """A cell's source as scanned: code as written, other cells with inline binary URIs elided."""
    if cell.get("cell_type") == "code":
        return joined(cell.get("input" if major == 3 else "source"))
    return elide_binary_uris(joined(cell.get("source")))


def _cell_parts(number: int, cell: dict[str, Any], major: int, language: str) -> Iterator[Part]:
    cell_type = cell.get("cell_type")
    if cell_type == "code":
        style = PYTHON if language == "python" else CODE
        yield Part(number, "source", _source(cell, major), style, language)
    else:
        style = MARKDOWN if cell_type in ("markdown", "heading") else TEXT
        yield Part(number, "source", _source(cell, major), style)
    yield from _parts_after_source(number, cell, major)


def _parts_after_source(number: int, cell: dict[str, Any], major: int) -> Iterator[Part]:
    outputs = cell.get("outputs")
    if outputs:
        for index, output in enumerate(outputs, start=1):
            for label, text in _output_parts(index, output, major):
                yield Part(number, label, text, JSON if "json" in label else TEXT)
    metadata = cell.get("metadata")
    if isinstance(metadata, dict) and metadata:
        yield Part(number, "metadata", as_json(metadata), JSON)
    if "attachments" in cell:
        yield from _attachment_parts(number, cell)


def widget_state(nb: Notebook) -> dict[str, Any] | None:
    """The saved ipywidgets state (``metadata.widgets[...]``), or None."""
    metadata = nb.get("metadata")
    widgets = metadata.get("widgets") if isinstance(metadata, dict) else None
    state = widgets.get(WIDGET_STATE_MIME) if isinstance(widgets, dict) else None
    return state if isinstance(state, dict) else None


def iter_parts(nb: Notebook, *, skip_tagged: str | None = None) -> Iterator[Part]:
    """Every scannable part, cells first (in order), then notebook metadata and widget state.

    Cells tagged ``skip_tagged`` are left out entirely.
    """
    major = layout_of(nb)
    language = kernel_language(nb)
    for number, cell in enumerate(iter_cells(nb), start=1):
        if skip_tagged is not None and skip_tagged in _cell_tags(cell):
            continue
        yield from _cell_parts(number, cell, major, language)
    yield from _notebook_parts(nb)


def _notebook_parts(nb: Notebook) -> Iterator[Part]:
    metadata = nb.get("metadata")
    if isinstance(metadata, dict):
        rest = {k: v for k, v in metadata.items() if k != "widgets"}
        if rest:
            yield Part(None, "metadata", as_json(rest), JSON)
        widgets = metadata.get("widgets")
        if widgets:
            yield Part(None, "widget state", as_json(widgets), JSON)


NOTEBOOK = -1  # the owner of the notebook's own parts (metadata, widget state) in part_texts


def part_texts(nb: Notebook, *, skip_tagged: str | None = None) -> tuple[list[str], list[int]]:
    """The texts of :func:`iter_parts`, in the same order, and the owner of each: the
    index of its cell in ``iter_cells(nb)``, or ``NOTEBOOK``.

    Scanners look at every text, but need a part's cell number and label only for
    the rare text they flag: this makes no parts, and :func:`parts_of` makes those
    of the few owners that need them.
    """
    major = layout_of(nb)
    code_key = "input" if major == 3 else "source"
    texts: list[str] = []
    owners: list[int] = []
    for index, cell in enumerate(iter_cells(nb)):
        # _source and _cell_parts, inline: this loop runs for every cell of every notebook
        metadata = cell.get("metadata")
        if metadata and skip_tagged is not None and skip_tagged in _tags(metadata):
            continue
        if cell.get("cell_type") == "code":
            source = cell.get(code_key)
            texts.append(source if type(source) is str else joined(source))
        else:
            texts.append(elide_binary_uris(joined(cell.get("source"))))
        owners.append(index)
        if cell.get("outputs") or "attachments" in cell:
            more = [part.text for part in _parts_after_source(index + 1, cell, major)]
            texts += more
            owners += [index] * len(more)
        elif metadata and isinstance(metadata, dict):
            texts.append(as_json(metadata))
            owners.append(index)
    more = [part.text for part in _notebook_parts(nb)]
    texts += more
    owners += [NOTEBOOK] * len(more)
    return texts, owners


def parts_of(nb: Notebook, owners: Iterable[int]) -> dict[int, list[Part]]:
    """For each owner (see :func:`part_texts`), its parts as :func:`iter_parts` yields them."""
    cells = iter_cells(nb)
    major = layout_of(nb)
    language = kernel_language(nb)
    return {
        owner: list(
            _notebook_parts(nb)
            if owner == NOTEBOOK
            else _cell_parts(owner + 1, cells[owner], major, language)
        )
        for owner in owners
    }


def password_widget_values(nb: Notebook) -> list[tuple[int, str]]:
    """(line in the ``widget state`` part, value) of every saved non-empty Password widget.

    ipywidgets saves a Password widget's value in clear text with the
    notebook's widget state; no pattern can recognise it, the model name does.
    """
    state = widget_state(nb)
    models = state.get("state") if state is not None else None
    if not isinstance(models, dict):
        return []
    found = []
    for model_id, model in models.items():
        if not isinstance(model, dict) or model.get("model_name") != "PasswordModel":
            continue
        inner = model.get("state")
        value = inner.get("value") if isinstance(inner, dict) else None
        if isinstance(value, str) and value:
            found.append((str(model_id), value))
    if not found:
        return []  # most widget states: no need to serialize them a second time
    metadata = nb.get("metadata")
    lines = as_json(metadata["widgets"]).split("\n") if isinstance(metadata, dict) else []
    return [(_value_line(lines, model_id), value) for model_id, value in found]


def _value_line(lines: list[str], model_id: str) -> int:
    """The 1-based line of the model's ``"value"`` in the serialized widget state."""
    key = json.dumps(model_id, ensure_ascii=False) + ": {"
    for index, line in enumerate(lines):
        if line.lstrip(" ") == key:
            # Model keys sorted: model_module, ..., "state": {... "value": ...}.
            indent = " " * (len(line) - len(line.lstrip(" ")) + 2)
            for offset, inner in enumerate(lines[index + 1 :], start=index + 2):
                if inner.startswith(indent + '"value": '):
                    return offset
            return index + 1
    return 1
