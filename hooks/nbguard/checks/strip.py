"""``nbguard strip``: remove outputs, execution counts and noisy metadata.

The core, :func:`strip`, takes a notebook dict and returns a stripped one
without touching its input; unchanged parts are shared, so comparing the two
is cheap. Behaviour and option names follow nbstripout, minus its bugs.
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nbguard import notebook
from nbguard.config import ConfigError, Resolver, cli_settings
from nbguard.notebook import Document, Notebook, NotebookError, paths
from nbguard.notebook.write import remove_stale_temp_files, write_file
from nbguard.report.finding import Finding
from nbguard.run import (
    Reporter,
    add_common_arguments,
    error_finding,
    jobs_for,
    load,
    map_batches,
)

CHECK = "strip"
CODE_WOULD_STRIP = "NBG401"

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
_TRANSIENT_NB_KEYS = ("orig_nbformat", "orig_nbformat_minor")


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
    enabled: bool = True  # False where configuration says `strip = false` for a path
    removed_keys: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        keys = tuple(k for k in (*DEFAULT_EXTRA_KEYS, *self.extra_keys) if k not in self.keep_metadata_keys)
        object.__setattr__(self, "removed_keys", keys)


def valid_key(key: str) -> bool:
    head, _, tail = key.partition(".")
    return head in ("metadata", "cell") and bool(tail)


KeyTree = tuple[frozenset[str], dict[str, "KeyTree"]]


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


def _source_text(cell: dict[str, Any]) -> str:
    source = cell.get("source", cell.get("input", ""))
    return "".join(source) if isinstance(source, list) else str(source)


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
    return outputs


def _strip_cell(
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
    if cell_metadata_keys is not None and cell_keys[0].isdisjoint(out):
        # Saves a call per cell: most cells hold none of the keys to remove.
        metadata = out.get("metadata")
        if not isinstance(metadata, dict) or cell_metadata_keys.isdisjoint(metadata):
            return out
    result: dict[str, Any] = remove_keys(out, cell_keys)
    return result


def _kept_cells(cells: list[Any], opts: StripOptions) -> list[tuple[int, Any]]:
    """(1-based number as shown, cell) for every cell that is not dropped."""
    dropped_tags = set(opts.drop_tagged_cells)
    kept = []
    for number, cell in enumerate(cells, start=1):
        if opts.drop_empty_cells and not _source_text(cell).strip():
            continue
        if dropped_tags and dropped_tags.intersection(t for t in _tags(cell) if isinstance(t, str)):
            continue
        kept.append((number, cell))
    return kept


@functools.lru_cache(maxsize=32)
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


def strip(nb: Notebook, opts: StripOptions | None = None) -> Notebook:
    """The stripped notebook; ``nb`` itself is not modified.

    Raises NotebookError where the notebook contradicts itself (a cell whose
    ``keep_output`` metadata is false but is tagged ``keep_output``).
    """
    opts = opts or StripOptions()
    if not opts.enabled:
        return nb
    nb_keys, cell_keys = _key_trees(opts.removed_keys)
    metadata_keys = _only_metadata_keys(cell_keys)

    metadata = nb.get("metadata", {})
    keep_output = opts.keep_output
    if keep_output is None and isinstance(metadata, dict) and "keep_output" in metadata:
        keep_output = bool(metadata["keep_output"])
    out = dict(nb)
    if "metadata" in nb:
        new_metadata = remove_keys(metadata, nb_keys)
        if isinstance(new_metadata, dict):
            new_metadata = {k: v for k, v in new_metadata.items() if k not in _TRANSIENT_NB_KEYS}
        out["metadata"] = new_metadata

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

    if nb.get("nbformat") == 3:
        for key in _TRANSIENT_NB_KEYS:
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


def describe(before: Notebook, after: Notebook) -> str:
    """A short summary of what stripping changes, for messages."""
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


# --- command line ---------------------------------------------------------


def _split_list(values: Sequence[str] | None) -> tuple[str, ...]:
    """Values of a list option: repeated, comma- or whitespace-separated."""
    out: list[str] = []
    for value in values or ():
        out.extend(v for v in re.split(r"[,\s]+", value) if v)
    return tuple(dict.fromkeys(out))


def parse_size(text: str) -> int:
    """nbstripout's sizes: a count of characters with an optional k/M/G (powers of 10)."""
    text = text.strip().upper()
    scale = {"K": 10**3, "M": 10**6, "G": 10**9}.get(text[-1:], 1)
    digits = text[:-1] if scale != 1 else text
    if not digits.isdigit():
        raise argparse.ArgumentTypeError(f"invalid size {text!r}: use e.g. 500, 10k, 2M")
    return int(digits) * scale


def add_strip_arguments(parser: argparse.ArgumentParser) -> None:
    """The stripping options, shared by ``strip`` and ``check``.

    Defaults are SUPPRESS so that only options given on the command line
    override the configuration file; the real defaults live in config.KEYS.
    """
    g = parser.add_argument_group("stripping", argument_default=argparse.SUPPRESS)
    g.add_argument("--keep-output", action="store_true", help="keep outputs (default: strip them)")
    g.add_argument(
        "--keep-count",
        action="store_true",
        help="keep execution counts (default: set them to null)",
    )
    g.add_argument(
        "--extra-keys",
        action="append",
        metavar="KEYS",
        help="more keys to remove, e.g. metadata.kernelspec,cell.metadata.tags",
    )
    g.add_argument(
        "--keep-metadata-keys",
        action="append",
        metavar="KEYS",
        help="keys of the default list to keep, e.g. cell.metadata.scrolled",
    )
    g.add_argument(
        "--drop-empty-cells",
        action="store_true",
        help="remove cells whose source is empty or whitespace",
    )
    g.add_argument(
        "--drop-tagged-cells",
        action="append",
        metavar="TAGS",
        help="remove cells carrying any of these tags",
    )
    g.add_argument(
        "--strip-init-cells",
        action="store_true",
        help="strip outputs of init_cell cells too (default: keep them)",
    )
    g.add_argument(
        "--max-size",
        type=parse_size,
        metavar="SIZE",
        help="keep outputs of at most SIZE characters, e.g. 10k (default: 0)",
    )
    g.add_argument(
        "--keep-output-type",
        action="append",
        metavar="TYPES",
        help="keep outputs of these types, e.g. stream:stderr,error",
    )
    g.add_argument(
        "--drop-output-type",
        action="append",
        metavar="TYPES",
        help="drop outputs of these types even when outputs are kept",
    )
    g.add_argument(
        "--keep-id",
        action="store_const",
        const="keep",
        dest="id_action",
        help="keep cell ids (the default)",
    )
    g.add_argument(
        "--id-action",
        choices=ID_ACTIONS,
        help="cell ids: keep them, renumber them 0..n-1, or drop them (default: keep)",
    )


def options_from_settings(settings: Mapping[str, Any]) -> StripOptions:
    """StripOptions from effective settings; ConfigError for an invalid metadata key."""
    extra = _split_list(settings["extra-keys"])
    keep_keys = _split_list(settings["keep-metadata-keys"])
    for key in (*extra, *keep_keys):
        if not valid_key(key):
            raise ConfigError(f"invalid metadata key {key!r}: use metadata.<path> or cell.<path>")
    max_size = settings["max-size"]
    return StripOptions(
        keep_output=settings["keep-output"],
        keep_count=settings["keep-count"],
        extra_keys=extra,
        keep_metadata_keys=keep_keys,
        drop_empty_cells=settings["drop-empty-cells"],
        drop_tagged_cells=_split_list(settings["drop-tagged-cells"]),
        strip_init_cells=settings["strip-init-cells"],
        max_size=parse_size(max_size) if isinstance(max_size, str) else max_size,
        keep_output_types=_split_list(settings["keep-output-type"]),
        drop_output_types=_split_list(settings["drop-output-type"]),
        id_action=settings["id-action"],
        enabled=settings["strip"],
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        "--verify",
        "--dry-run",
        dest="check",
        action="store_true",
        help="write nothing; name each notebook that would change and exit 1",
    )
    mode.add_argument(
        "-t",
        "--textconv",
        action="store_true",
        help="print the stripped notebooks to standard output",
    )
    add_strip_arguments(parser)


@dataclass(frozen=True)
class FileResult:
    """What stripping one file did: its exit status, findings and a note to print."""

    retv: int
    findings: tuple[Finding, ...] = ()
    note: str | None = None


def stripped_bytes(doc: Document, opts: StripOptions) -> tuple[Notebook, bytes | None]:
    """The stripped notebook and its new bytes, or None where the file would not change."""
    stripped = strip(doc.nb, opts)
    return stripped, notebook.changed_bytes(doc, stripped)


def strip_path(path: str, opts: StripOptions, root: str | None, check: bool = False) -> FileResult:
    """Strip one file in place (its real target within ``root``, see write_file), or with
    ``check`` only say whether it would change."""
    try:
        doc = load(path)
        stripped, data = stripped_bytes(doc, opts)
        if data is None:
            return FileResult(0)
        summary = describe(doc.nb, stripped)
        if check:
            message = f"would be stripped ({summary})"
            return FileResult(1, (Finding(CODE_WOULD_STRIP, message, path=path, check=CHECK),))
        write_file(path, data, root=root)
        return FileResult(0, note=f"{path}: stripped {summary}")
    except NotebookError as exc:
        return FileResult(1, (error_finding(path, exc, CHECK),))


def _strip_stream(args: argparse.Namespace, opts: StripOptions, reporter: Reporter) -> int:
    """Standard input to standard output, as a git filter uses it."""
    raw = sys.stdin.buffer.read()
    try:
        doc = notebook.parse(raw)
        stripped, data = stripped_bytes(doc, opts)
    except NotebookError as exc:
        if not args.check:
            sys.stdout.buffer.write(raw)  # a filter must never lose content
        reporter.add([error_finding(paths.STDIN, exc, CHECK)])
        return 1
    if args.check:
        if data is None:
            return 0
        message = f"would be stripped ({describe(doc.nb, stripped)})"
        reporter.add([Finding(CODE_WOULD_STRIP, message, path=paths.STDIN, check=CHECK)])
        return 1
    sys.stdout.buffer.write(raw if data is None else data)
    return 0


def _textconv(path: str, opts: StripOptions, reporter: Reporter) -> int:
    """Print the stripped notebook, always (even when it is already clean)."""
    try:
        doc = load(path)
        sys.stdout.buffer.write(notebook.serialize(doc, strip(doc.nb, opts)))
    except NotebookError as exc:
        reporter.add([error_finding(path, exc, CHECK)])
        return 1
    sys.stdout.buffer.flush()
    return 0


def run(args: argparse.Namespace) -> int:
    resolver = Resolver(cli_settings(args), isolated=args.isolated)
    try:
        fmt = resolver.run_settings()["format"]
        writes = not (args.check or args.textconv)
        found = paths.expand_with_roots(args.paths or [paths.STDIN], with_roots=writes)
        targets = [path for path, _ in found]
        jobs = [(path, resolver.derived(path, options_from_settings)) for path in targets]
    except ConfigError as exc:
        print(f"nbguard: error: {exc}", file=sys.stderr)
        return 2
    if targets == [paths.STDIN] or args.textconv:
        # Notebook bytes go to standard output; reports go to standard error.
        reporter = Reporter(fmt, None if args.check else sys.stderr)
        if args.textconv:
            retv = 0
            for path, opts in jobs:
                retv |= _textconv(path, opts, reporter)
        else:
            retv = _strip_stream(args, jobs[0][1], reporter)
        reporter.finish()
        return retv
    if not args.check:
        remove_stale_temp_files(targets)
    reporter = Reporter(fmt)
    retv = 0
    worker = functools.partial(_strip_batch, check=args.check)
    work = [(path, opts, root) for (path, opts), (_, root) in zip(jobs, found, strict=True)]
    for result in map_batches(worker, work, jobs_for(args.jobs)):
        retv |= result.retv
        reporter.add(result.findings)
        if result.note:
            reporter.note(result.note)
    reporter.finish()
    return retv


def _strip_batch(batch: Sequence[tuple[str, StripOptions, str | None]], check: bool) -> list[FileResult]:
    return [strip_path(path, opts, root, check) for path, opts, root in batch]


def main(argv: Sequence[str] | None = None) -> int:
    from nbguard.cli import main as cli_main

    return cli_main(["strip", *(argv if argv is not None else sys.argv[1:])])
