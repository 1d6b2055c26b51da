"""``nbguard strip``: remove outputs, execution counts and noisy metadata.

The core, :func:`strip`, takes a notebook dict and returns a stripped one
without touching its input; unchanged parts are shared, so comparing the two
is cheap. Behaviour and option names follow nbstripout, minus its bugs.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nbguard import notebook
from nbguard.config import ConfigError
from nbguard.notebook import Document, Notebook, NotebookError
from nbguard.registry import (
    CHOICE,
    FLAG,
    LIMIT,
    LIST,
    SIZE,
    TEXT,
    Check,
    Code,
    Option,
    parse_size,
    split_list,
)
from nbguard.report.finding import Finding

NAME = "strip"
CODE_WOULD_STRIP = "NBG401"
CODE_TOO_LARGE = "NBG402"

# nbstripout's default list, in its own order.
DEFAULT_EXTRA_KEYS = (
    "metadata.signature",
    "metadata.widgets",
    "cell.metadata.collapsed",
    "cell.metadata.ExecuteTime",
    "cell.metadata.execution",
    "cell.metadata.heading_collapsed",
    "cell.metadata.hidden",
    "cell.metadata.scrolled",
)
ID_ACTIONS = ("keep", "sequential", "drop")


KeyTree = tuple[frozenset[str], dict[str, "KeyTree"]]


@dataclass(frozen=True)
class StripOptions:
    keep_output: bool | None = None  # None: the notebook's own keep_output decides
    keep_count: bool = False
    extra_keys: tuple[str, ...] = ()
    keep_metadata_keys: tuple[str, ...] = ()
    drop_empty_cells: bool = False
    drop_tagged_cells: tuple[str, ...] = ()
    strip_init_cells: bool = False
    max_size: int = 0
    keep_output_types: tuple[str, ...] = ()
    drop_output_types: tuple[str, ...] = ()
    id_action: str = "keep"
    mode: str = "auto"
    strip_regex: re.Pattern[str] | None = None  # nbstripout-fast: drop outputs whose text matches
    remove_cell_metadata: bool = False  # nb-clean: all cell metadata, but preserve_cell_metadata
    preserve_cell_metadata: tuple[str, ...] = ()
    remove_notebook_metadata: bool = False  # nb-clean's -M
    unix_newlines: bool = False  # write LF even where the file had CRLF (nbstripout's --unix-newlines)
    max_kb: int | None = None  # nbwipers' check-large-files: the stripped file's size limit
    enabled: bool = True  # False where configuration says `strip = false` for a path
    removed_keys: tuple[str, ...] = field(init=False, default=())
    # The removed keys as trees (notebook metadata, cell), made once per options, not per notebook.
    key_trees: tuple[KeyTree, KeyTree] = field(init=False, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        keys = tuple(k for k in (*DEFAULT_EXTRA_KEYS, *self.extra_keys) if k not in self.keep_metadata_keys)
        object.__setattr__(self, "removed_keys", keys)
        object.__setattr__(self, "key_trees", _key_trees(keys))


def valid_key(key: str) -> bool:
    head, _, tail = key.partition(".")
    return head in ("metadata", "cell") and bool(tail)


def compile_keys(keys: Iterable[str]) -> KeyTree:
    """Dotted keys as a tree, so each dict is visited once whatever the key count."""
    keys = tuple(keys)
    groups: dict[str, list[str]] = {}
    for key in keys:
        head, dot, tail = key.partition(".")
        if dot:
            groups.setdefault(head, []).append(tail)
    return frozenset(keys), {head: compile_keys(tails) for head, tails in groups.items()}


def remove_keys(d: Any, tree: KeyTree) -> Any:
    """``d`` without the keys in ``tree``, copied on write (nbstripout's ``pop_recursive``).

    A key matches literally (``"a.b"`` in d) or as a path (d["a"]["b"]).
    """
    if not isinstance(d, dict):
        return d
    literal, groups = tree
    out = d
    if not literal.isdisjoint(d):
        out = {k: v for k, v in d.items() if k not in literal}
    for head, sub in groups.items():
        inner = out.get(head)
        if isinstance(inner, dict):
            if not sub[1] and sub[0].isdisjoint(inner):
                continue  # the common case, decided without a recursive call
            new = remove_keys(inner, sub)
            if new is not inner:
                if out is d:
                    out = dict(d)
                out[head] = new
    return out


def output_size(item: Any) -> int:
    """nbstripout's ``get_size``: characters of every string value, recursively."""
    if isinstance(item, str):
        return len(item)
    if isinstance(item, list):
        return sum(output_size(x) for x in item)
    if isinstance(item, dict):
        return sum(output_size(x) for x in item.values())
    return len(str(item))


def _matches(output: dict[str, Any], spec: str) -> bool:
    output_type, _, name = spec.partition(":")
    return output.get("output_type") == output_type and (not name or output.get("name") == name)


_OUTPUT_FLAGS = frozenset({"init_cell", "keep_output", "tags"})


def keep_output_of(cell: dict[str, Any], default: bool | None, strip_init_cells: bool, number: int) -> bool:
    """Whether a cell's outputs stay, from ``init_cell``, ``keep_output`` tag or metadata."""
    metadata = cell.get("metadata")
    if not isinstance(metadata, dict) or _OUTPUT_FLAGS.isdisjoint(metadata):
        return bool(default)
    if "init_cell" in metadata:
        return bool(metadata["init_cell"]) and not strip_init_cells
    has_flag = "keep_output" in metadata
    flag = bool(metadata.get("keep_output", False))
    tags = metadata.get("tags")
    has_tag = isinstance(tags, list) and "keep_output" in tags
    if has_flag and has_tag and not flag:
        raise NotebookError(
            f"cell {number}: metadata keep_output is false but the cell is tagged keep_output"
        )
    if has_flag or has_tag:
        return flag or has_tag
    return bool(default)


def _tags(cell: dict[str, Any]) -> list[Any]:
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return tags if isinstance(tags, list) else []


def _strip_outputs(outputs: list[Any], keep: bool, opts: StripOptions) -> list[Any]:
    if not keep and not opts.keep_output_types and opts.max_size <= 0:
        outputs = []  # every output has text, so none fits in size 0
    elif not keep or opts.keep_output_types:
        outputs = [
            o
            for o in outputs
            if output_size(o) <= opts.max_size or any(_matches(o, t) for t in opts.keep_output_types)
        ]
    if not opts.keep_count:
        outputs = [
            {**o, "execution_count": None} if o.get("execution_count") is not None else o for o in outputs
        ]
    if opts.drop_output_types:
        outputs = [o for o in outputs if not any(_matches(o, t) for t in opts.drop_output_types)]
    if opts.strip_regex is not None:
        outputs = [o for o in outputs if not _regex_matches(o, opts.strip_regex)]
    return outputs


def _regex_matches(output: dict[str, Any], pattern: re.Pattern[str]) -> bool:
    """nbstripout-fast's ``--strip-regex`` test: a stream's text, or the text/plain of a
    display or result, searched anywhere (error outputs never match)."""
    output_type = output.get("output_type")
    if output_type == "stream":
        text = output.get("text")
    elif output_type in ("display_data", "execute_result"):
        data = output.get("data")
        text = data.get("text/plain") if isinstance(data, dict) else None
    else:
        return False
    return pattern.search(notebook.joined(text)) is not None


def _strip_cell(  # noqa: C901, PLR0913, PLR0917 - the per-cell step of strip, kept in one piece
    cell: dict[str, Any],
    index: int,
    number: int,
    keep_output: bool | None,
    cell_keys: KeyTree,
    cell_metadata_keys: frozenset[str] | None,
    opts: StripOptions,
) -> dict[str, Any]:
    """The stripped cell, or ``cell`` itself when nothing changes.

    Only real changes are collected, so an unchanged cell is neither copied nor
    compared; ``remove_keys`` copies only when it removes something.
    """
    changes: dict[str, Any] = {}
    if "outputs" in cell:
        keep = keep_output_of(cell, keep_output, opts.strip_init_cells, number)
        outputs = cell["outputs"]
        if outputs:  # an empty list stays as it is
            stripped = _strip_outputs(outputs, keep, opts)
            if stripped != outputs:
                changes["outputs"] = stripped
    if not opts.keep_count:
        for key in ("execution_count", "prompt_number"):
            if cell.get(key) is not None:
                changes[key] = None
    if opts.id_action == "sequential" and "id" in cell and cell["id"] != str(index):
        changes["id"] = str(index)
    out = {**cell, **changes} if changes else cell
    if opts.id_action == "drop" and "id" in out:
        out = {k: v for k, v in out.items() if k != "id"}
    if cell_metadata_keys is not None and not opts.remove_cell_metadata and cell_keys[0].isdisjoint(out):
        # Saves a call per cell: most cells hold none of the keys to remove.
        metadata = out.get("metadata")
        if not isinstance(metadata, dict) or cell_metadata_keys.isdisjoint(metadata):
            return out
    result: dict[str, Any] = remove_keys(out, cell_keys)
    if opts.remove_cell_metadata:
        result = _clear_cell_metadata(result, opts.preserve_cell_metadata)
    if result is not out and "outputs" in cell:
        result = _keep_output_markers(cell, result, keep_output, opts, number)
    return result


def _clear_cell_metadata(cell: dict[str, Any], preserved: tuple[str, ...]) -> dict[str, Any]:
    metadata = cell.get("metadata")
    if not isinstance(metadata, dict):
        return cell
    kept = {k: v for k, v in metadata.items() if k in preserved}
    return cell if kept == metadata else {**cell, "metadata": kept}


def _keep_output_markers(
    cell: dict[str, Any], result: dict[str, Any], keep_output: bool | None, opts: StripOptions, number: int
) -> dict[str, Any]:
    """``result`` with the marker that decided whether the cell keeps its outputs put back,
    where removing keys took it (``--extra-keys cell.metadata.tags`` and a ``keep_output``
    tag): else the next run would decide otherwise, and stripping would not be idempotent."""
    keep = keep_output_of(cell, keep_output, opts.strip_init_cells, number)
    if keep_output_of(result, keep_output, opts.strip_init_cells, number) == keep:
        return result
    before = cell["metadata"]  # a marker was there, so the metadata is a dict
    metadata = dict(result.get("metadata") or {})
    for key in ("init_cell", "keep_output"):
        if key in before:
            metadata[key] = before[key]
    if "keep_output" in (before.get("tags") or []):
        tags = metadata.get("tags")
        metadata["tags"] = [*(tags if isinstance(tags, list) else []), "keep_output"]
    return {**result, "metadata": metadata}


def _kept_cells(cells: list[Any], opts: StripOptions) -> list[tuple[int, Any]]:
    """(1-based number as shown, cell) for every cell that is not dropped."""
    dropped_tags = set(opts.drop_tagged_cells)
    kept = []
    for number, cell in enumerate(cells, start=1):
        if opts.drop_empty_cells and not notebook.cell_source(cell).strip():
            continue
        if dropped_tags and dropped_tags.intersection(t for t in _tags(cell) if isinstance(t, str)):
            continue
        kept.append((number, cell))
    return kept


def _key_trees(removed_keys: tuple[str, ...]) -> tuple[KeyTree, KeyTree]:
    """The trees of notebook and cell keys to remove; options repeat from file to file."""
    nb_keys = compile_keys(k.partition(".")[2] for k in removed_keys if k.startswith("metadata."))
    cell_keys = compile_keys(
        [k.partition(".")[2] for k in removed_keys if k.startswith("cell.")] + ["metadata.trusted"]
    )
    return nb_keys, cell_keys


def _only_metadata_keys(tree: KeyTree) -> frozenset[str] | None:
    """The keys ``tree`` removes from a cell's metadata where, besides literal keys of
    the cell itself, that is all it removes (as with the default keys); else None."""
    groups = tree[1]
    if groups.keys() != {"metadata"} or groups["metadata"][1]:
        return None
    return groups["metadata"][0]


def _strip_metadata(nb: Notebook, nb_keys: KeyTree) -> Any:
    metadata = remove_keys(nb["metadata"], nb_keys)
    if isinstance(metadata, dict) and nb.get("nbformat", 1) >= 3:  # nbformat's strip_transient
        metadata = {k: v for k, v in metadata.items() if k not in notebook.TRANSIENT_METADATA_KEYS}
    return metadata


def strip(nb: Notebook, opts: StripOptions | None = None) -> Notebook:
    """The stripped notebook; ``nb`` itself is not modified.

    Raises NotebookError where the notebook contradicts itself (a cell whose
    ``keep_output`` metadata is false but is tagged ``keep_output``).
    """
    opts = opts or StripOptions()
    if not opts.enabled:
        return nb
    nb_keys, cell_keys = opts.key_trees
    metadata_keys = _only_metadata_keys(cell_keys)

    metadata = nb.get("metadata", {})
    keep_output = opts.keep_output
    if keep_output is None and isinstance(metadata, dict) and "keep_output" in metadata:
        keep_output = bool(metadata["keep_output"])
    out = dict(nb)
    if "metadata" in nb:
        out["metadata"] = {} if opts.remove_notebook_metadata else _strip_metadata(nb, nb_keys)

    def strip_cells(cells: list[Any], first_number: int) -> list[Any]:
        kept = (
            _kept_cells(cells, opts)
            if opts.drop_empty_cells or opts.drop_tagged_cells
            else enumerate(cells, 1)
        )
        return [
            _strip_cell(cell, index, first_number + number - 1, keep_output, cell_keys, metadata_keys, opts)
            for index, (number, cell) in enumerate(kept)
        ]

    if notebook.layout_of(nb) == 3:
        if nb["nbformat"] == 3:
            for key in notebook.TRANSIENT_METADATA_KEYS:
                out.pop(key, None)
        worksheets, first = [], 1
        for ws in nb["worksheets"]:
            worksheets.append({**ws, "cells": strip_cells(ws["cells"], first)})
            first += len(ws["cells"])
        out["worksheets"] = worksheets
    else:
        out["cells"] = strip_cells(nb["cells"], 1)
        if opts.id_action == "drop" and out.get("nbformat_minor", 0) > 4:
            out["nbformat_minor"] = 4
    return nb if out == nb else out


ZEPPELIN_SUFFIX = ".zpln"


def strip_zeppelin(note: Notebook, opts: StripOptions | None = None) -> Notebook:
    """A Zeppelin note with every paragraph's results emptied, as nbstripout --mode zeppelin
    does (no other option applies); ``note`` itself where nothing changes."""
    if opts is not None and not opts.enabled:
        return note
    paragraphs = [
        {**p, "results": {}} if "results" in p and p["results"] != {} else p for p in note["paragraphs"]
    ]
    if all(a is b for a, b in zip(paragraphs, note["paragraphs"], strict=True)):
        return note
    return {**note, "paragraphs": paragraphs}


def describe(before: Notebook, after: Notebook) -> str:
    """A short summary of what stripping changes, for messages."""
    if "paragraphs" in before and "cells" not in before:  # a Zeppelin note
        changed = sum(a is not b for a, b in zip(before["paragraphs"], after["paragraphs"], strict=True))
        return f"results of {_plural(changed, 'paragraph')}"
    old, new = notebook.iter_cells(before), notebook.iter_cells(after)
    parts = []
    if len(old) != len(new):
        parts.append(_plural(len(old) - len(new), "cell"))
    else:
        outputs = counts = 0
        for a, b in zip(old, new, strict=True):
            if a is b:
                continue  # strip returns an unchanged cell itself
            outputs += len(a.get("outputs", [])) - len(b.get("outputs", []))
            if (
                (a.get("execution_count") is not None or a.get("prompt_number") is not None)
                and b.get("execution_count") is None
                and b.get("prompt_number") is None
            ):
                counts += 1
        if outputs:
            parts.append(_plural(outputs, "output"))
        if counts:
            parts.append(_plural(counts, "execution count"))
    if not parts:
        return "metadata"
    return ", ".join(parts)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def would_strip(path: str, before: Notebook, after: Notebook, check: str = NAME) -> Finding:
    """The finding for a notebook that stripping would change (``--check``, ``check`` without ``--fix``)."""
    return Finding(CODE_WOULD_STRIP, f"would be stripped ({describe(before, after)})", path=path, check=check)


def too_large(path: str, size: int, opts: StripOptions | None, check: str = NAME) -> list[Finding]:
    """NBG402 where the file as it would be committed is over ``max-kb-stripped``."""
    if opts is None or opts.max_kb is None or size <= opts.max_kb * 1024:
        return []
    message = f"is {-(-size // 1024)} KB after stripping, over the {opts.max_kb} KB limit"
    return [Finding(CODE_TOO_LARGE, message, path=path, check=check)]


def is_zeppelin(path: str, mode: str) -> bool:
    """Whether the file at ``path`` is read as a Zeppelin note under the ``mode`` setting."""
    return mode == "zeppelin" or (mode == "auto" and path.endswith(ZEPPELIN_SUFFIX))


def writing(doc: Document, opts: StripOptions | None) -> Document:
    """``doc`` as it is to be written: with LF line endings under ``unix-newlines``."""
    if opts is not None and opts.unix_newlines and doc.newline != "\n":
        return doc._replace(newline="\n")
    return doc


def stripped_bytes(doc: Document, opts: StripOptions) -> tuple[Notebook, bytes | None]:
    """The stripped notebook and its new bytes, or None where the file would not change."""
    stripped = strip_zeppelin(doc.nb, opts) if doc.zeppelin else strip(doc.nb, opts)
    return stripped, notebook.changed_bytes(writing(doc, opts), stripped)


# --- declaration -------------------------------------------------------------

OPTIONS = (
    Option(
        "keep-output",
        FLAG,
        None,
        "keep outputs (default: strip them, unless the notebook's metadata says keep_output)",
    ),
    Option("keep-count", FLAG, False, "keep execution counts (default: set them to null)"),
    Option(
        "extra-keys",
        LIST,
        [],
        "more keys to remove, metadata.PATH or cell.PATH, e.g. metadata.kernelspec,cell.metadata.tags",
        metavar="KEYS",
    ),
    Option(
        "keep-metadata-keys",
        LIST,
        [],
        "keys of the default list to keep, e.g. cell.metadata.scrolled",
        metavar="KEYS",
    ),
    Option("drop-empty-cells", FLAG, False, "remove cells whose source is empty or whitespace"),
    Option(
        "drop-tagged-cells",
        LIST,
        [],
        "remove cells carrying any of these tags (every tag listed, unlike nbstripout)",
        metavar="TAGS",
    ),
    Option("strip-init-cells", FLAG, False, "strip outputs of init_cell cells too (default: keep them)"),
    Option(
        "max-size",
        SIZE,
        0,
        "keep outputs of at most SIZE characters: 500, 10k, 2M (powers of ten, as nbstripout)",
    ),
    Option(
        "keep-output-type",
        LIST,
        [],
        "keep outputs of these types even when stripping: output_type or output_type:name, "
        "e.g. stream:stderr,error",
        metavar="TYPES",
    ),
    Option(
        "drop-output-type",
        LIST,
        [],
        "drop outputs of these types even when outputs are kept",
        metavar="TYPES",
    ),
    Option(
        "strip-regex",
        TEXT,
        None,
        "drop outputs whose text (a stream's, or a result's text/plain) matches this Python regex, "
        "even where outputs are kept (nbstripout-fast)",
        metavar="REGEX",
        expected_text="a regular expression",
    ),
    Option(
        "remove-cell-metadata",
        FLAG,
        False,
        "remove all cell metadata but the --preserve-cell-metadata keys (nb-clean's default)",
    ),
    Option(
        "preserve-cell-metadata",
        LIST,
        [],
        "with --remove-cell-metadata, the cell metadata keys to keep, e.g. tags,slideshow",
        metavar="KEYS",
        flags=("--preserve-cell-metadata-field",),
    ),
    Option(
        "remove-all-notebook-metadata",
        FLAG,
        False,
        "remove all notebook metadata, kernelspec and language_info too (nb-clean's -M)",
    ),
    Option(
        "unix-newlines",
        FLAG,
        False,
        "write LF line endings where a file being rewritten had CRLF (default: keep the file's own)",
    ),
    Option(
        "max-kb-stripped",
        LIMIT,
        None,
        "report a notebook larger than N KB as it would be committed, after stripping (NBG402; "
        "nbwipers' check-large-files)",
    ),
    Option(
        "mode",
        CHOICE,
        "auto",
        "what the files are: Jupyter notebooks, Zeppelin notes (results emptied, as nbstripout "
        "--mode zeppelin), or auto: Zeppelin for .zpln files",
        choices=("auto", "jupyter", "zeppelin"),
        flags=("-m",),
    ),
    Option(
        "invalid-keys",
        CHOICE,
        "error",
        "an extra-keys or keep-metadata-keys entry that is not metadata.PATH or cell.PATH: a usage "
        "error, or warn: ignored with a warning, as nbstripout does",
        choices=("error", "warn"),
    ),
    Option(
        "id-action",
        CHOICE,
        "keep",
        "cell ids: keep them, renumber them 0..n-1, or drop them (which lowers nbformat_minor "
        "to 4); --keep-id is nbstripout's spelling of keep",
        choices=ID_ACTIONS,
        aliases=(("--keep-id", "keep"),),
    ),
)


def options_from_settings(settings: Mapping[str, Any]) -> StripOptions:
    """StripOptions from effective settings; ConfigError for an invalid metadata key."""
    extra = split_list(settings["extra-keys"])
    keep_keys = split_list(settings["keep-metadata-keys"])
    invalid = [key for key in (*extra, *keep_keys) if not valid_key(key)]
    if invalid and settings["invalid-keys"] == "error":
        raise ConfigError(f"invalid metadata key {invalid[0]!r}: use metadata.<path> or cell.<path>")
    for key in invalid:  # nbstripout's behaviour, asked for
        print(f"nbguard: warning: ignoring invalid metadata key {key!r}", file=sys.stderr)
    extra = tuple(key for key in extra if key not in invalid)
    keep_keys = tuple(key for key in keep_keys if key not in invalid)
    max_size = settings["max-size"]
    regex = settings["strip-regex"]
    try:
        pattern = re.compile(regex) if regex else None
    except re.error as exc:
        raise ConfigError(f"invalid strip-regex {regex!r}: {exc}") from None
    return StripOptions(
        keep_output=settings["keep-output"],
        keep_count=settings["keep-count"],
        extra_keys=extra,
        keep_metadata_keys=keep_keys,
        drop_empty_cells=settings["drop-empty-cells"],
        drop_tagged_cells=split_list(settings["drop-tagged-cells"]),
        strip_init_cells=settings["strip-init-cells"],
        max_size=parse_size(max_size) if isinstance(max_size, str) else max_size,
        keep_output_types=split_list(settings["keep-output-type"]),
        drop_output_types=split_list(settings["drop-output-type"]),
        id_action=settings["id-action"],
        mode=settings["mode"],
        strip_regex=pattern,
        remove_cell_metadata=settings["remove-cell-metadata"] or bool(settings["preserve-cell-metadata"]),
        preserve_cell_metadata=split_list(settings["preserve-cell-metadata"]),
        remove_notebook_metadata=settings["remove-all-notebook-metadata"],
        unix_newlines=settings["unix-newlines"],
        max_kb=settings["max-kb-stripped"],
        enabled=settings["strip"],
    )


CHECK = Check(
    name=NAME,
    help="strip outputs, execution counts and noisy metadata (a fixer)",
    codes=(
        Code(
            CODE_WOULD_STRIP,
            "The notebook would be stripped",
            "Run `nbguard strip` (or `nbguard check --fix`) on it",
            description="`strip --check`, or `check` without `--fix`: the notebook holds outputs, "
            "execution counts or metadata that stripping removes.",
        ),
        Code(
            CODE_TOO_LARGE,
            "The notebook is too large even after stripping",
            "Move data or images out of the notebook, or raise max-kb-stripped",
            description="`max-kb-stripped`: the file as it would be committed, stripped, is larger than "
            "the limit (nbwipers' check-large-files measures the same).",
        ),
    ),
    options=OPTIONS,
    build=options_from_settings,
    fixer=True,
    group="stripping",
)
