"""Notebooks as nbguard sees them: reading, the parts of a notebook, writing, paths.

The public names of :mod:`.document`, :mod:`.parts` and :mod:`.dump` are re-exported
here, so callers write ``notebook.parse(data)`` or ``notebook.part_texts(nb)``.
"""

from __future__ import annotations

from nbguard.notebook.document import (
    DEFAULT_MAX_BYTES,
    TRANSIENT_METADATA_KEYS,
    Document,
    Notebook,
    NotebookError,
    cell_source,
    check_structure,
    iter_cells,
    layout_of,
    parse,
    read,
    zeppelin_view,
)
from nbguard.notebook.dump import changed_bytes, dump_bytes, dumps, json_text, serialize
from nbguard.notebook.parts import (
    CODE,
    JSON,
    MARKDOWN,
    NOTEBOOK,
    PYTHON,
    TEXT,
    WIDGET_STATE_MIME,
    Part,
    as_json,
    elide_binary_uris,
    is_binary_mime,
    iter_parts,
    joined,
    kernel_language,
    part_texts,
    parts_of,
    password_widget_values,
    strip_ansi,
    widget_state,
)

__all__ = [
    "CODE",
    "DEFAULT_MAX_BYTES",
    "JSON",
    "MARKDOWN",
    "NOTEBOOK",
    "PYTHON",
    "TEXT",
    "TRANSIENT_METADATA_KEYS",
    "WIDGET_STATE_MIME",
    "Document",
    "Notebook",
    "NotebookError",
    "Part",
    "as_json",
    "cell_source",
    "changed_bytes",
    "check_structure",
    "dump_bytes",
    "dumps",
    "elide_binary_uris",
    "is_binary_mime",
    "iter_cells",
    "iter_parts",
    "joined",
    "json_text",
    "kernel_language",
    "layout_of",
    "parse",
    "part_texts",
    "parts_of",
    "password_widget_values",
    "read",
    "serialize",
    "strip_ansi",
    "widget_state",
    "zeppelin_view",
]
