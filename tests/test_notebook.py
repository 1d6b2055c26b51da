from __future__ import annotations

import json
import os
import re
import stat
import sys
from pathlib import Path

import pytest

from nbfactory import code, corpus_notebooks, display_data, make_nb, markdown, stream
from nbguard import notebook
from nbguard.notebook import NotebookError, document, dump, write


def nbformat_roundtrip(text: str) -> str:
    """What Jupyter writes for a notebook it read: nbformat's reader then writer."""
    nbformat = pytest.importorskip("nbformat")
    major = json.loads(text).get("nbformat", 1)
    module = {1: nbformat.v1.nbjson, 2: nbformat.v2.nbjson, 3: nbformat.v3.nbjson, 4: nbformat.v4.nbjson}[
        major
    ]
    return module.writes(module.reads(text)) + "\n"


WRITER_CASES = [
    pytest.param(make_nb(code("x = 1\ny = 2", count=1)), id="string-source"),
    pytest.param(make_nb(code(["a", "b\n", "c\r\nd"])), id="list-source-odd-splits"),
    pytest.param(make_nb(markdown("é ü 漢字 😀 \u2028 tab\there")), id="unicode"),
    pytest.param(make_nb(code("x", outputs=[stream(["a", "b\n"])])), id="stream-list"),
    pytest.param(
        make_nb(
            code(
                "x",
                outputs=[
                    display_data(
                        {
                            "text/plain": ["a\n", "b"],
                            "image/png": ["iVBORw0KGgo\n", "AAAA"],
                            "application/json": {"a": [1, 2.5, None, True]},
                            "image/svg+xml": "<svg>\n</svg>",
                        }
                    )
                ],
            )
        ),
        id="mimebundle",
    ),
    pytest.param(
        make_nb(
            markdown(
                "![x](attachment:x.png)",
                attachments={"x.png": {"image/png": ["QUJD\n", "REVG"], "text/plain": "line1\nline2"}},
            )
        ),
        id="attachments",
    ),
    pytest.param(make_nb(code("x"), metadata={"a": 1.5, "b": 1e-05, "c": 10**30, "d": -0.0}), id="floats"),
    pytest.param(
        make_nb(code("x", metadata={"trusted": True}), metadata={"orig_nbformat": 4, "signature": "s"}),
        id="transient",
    ),
    pytest.param(make_nb(), id="no-cells"),
]


@pytest.mark.parametrize("nb", WRITER_CASES)
def test_dumps_matches_nbformat(nb):
    text = json.dumps(nb)
    doc = notebook.parse(text.encode())
    assert notebook.dumps(doc.nb) == nbformat_roundtrip(text)
    assert notebook.dumps(doc.nb, may_hold_floats=doc.has_floats) == nbformat_roundtrip(text)


def test_dumps_v3_matches_nbformat():
    nb = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"name": "é"},
        "worksheets": [
            {
                "metadata": {},
                "cells": [
                    {
                        "cell_type": "code",
                        "input": ["x = 1\n", "y"],
                        "language": "python",
                        "outputs": [{"output_type": "stream", "stream": "stdout", "text": ["hé\n"]}],
                        "prompt_number": 3,
                        "metadata": {},
                        "collapsed": False,
                    },
                    {"cell_type": "heading", "level": 1, "source": ["Title"], "metadata": {}},
                ],
            }
        ],
    }
    text = json.dumps(nb)
    assert notebook.dumps(notebook.parse(text.encode()).nb) == nbformat_roundtrip(text)


CORPUS = corpus_notebooks()


@pytest.mark.corpus
def test_dumps_matches_nbformat_over_corpus():
    mismatches, compared = [], 0
    for path in CORPUS:
        data = path.read_bytes()
        try:
            doc = notebook.parse(data)
        except NotebookError:
            continue
        compared += 1
        expected = nbformat_roundtrip(data.decode("utf-8"))
        if notebook.dumps(doc.nb, may_hold_floats=doc.has_floats) != expected:
            mismatches.append(path.name)
    assert compared > 1800
    assert mismatches == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "empty file", id="empty"),
        pytest.param(b"  \n", "empty file", id="blank"),
        pytest.param(b'{"cells": [,]}', "invalid JSON: Expecting value (line 1, column 12)", id="bad-json"),
        pytest.param(
            b'{\n "a": 1\n "b": 2}',
            "invalid JSON: Expecting ',' delimiter (line 3, column 2)",
            id="missing-comma",
        ),
        pytest.param(
            b'{"nbformat": 4, "cells": [], "x": NaN}',
            "invalid JSON: NaN is not valid JSON",
            id="nan",
        ),
        pytest.param(b'{"a": "caf\xe9"}', "not UTF-8 text: byte 0xe9 at offset 10", id="latin-1"),
        pytest.param(b"[1, 2]", "not a notebook: top level is a JSON array", id="array"),
        pytest.param(b'"x"', "not a notebook: top level is a JSON string", id="string"),
        pytest.param(b'{"metadata": {}}', "not a notebook: no 'cells' list", id="no-version-no-cells"),
        pytest.param(
            b'{"nbformat": "4", "cells": []}', "not a notebook: 'nbformat' is '4'", id="str-version"
        ),
        pytest.param(
            b'{"nbformat": 2, "worksheets": {}}', "nbformat 2 notebook without a 'worksheets' list", id="v2"
        ),
        pytest.param(
            b'{"nbformat": 5, "cells": []}',
            "unsupported nbformat 5 (nbguard reads nbformat 1 to 4)",
            id="v5",
        ),
        pytest.param(b'{"nbformat": 4}', "no 'cells' list", id="no-cells"),
        pytest.param(b'{"nbformat": 4, "cells": {}}', "no 'cells' list", id="cells-not-list"),
        pytest.param(b'{"nbformat": 4, "cells": [1]}', "cell 1: not a JSON object", id="cell-not-object"),
        pytest.param(
            b'{"nbformat": 4, "cells": [{"cell_type": "ghp_0123456789abcdefABCDEF0123456789abcd", "source": ""}]}',
            "cell 1: unknown cell_type (a string of 40 characters)",
            id="long-cell-type-not-quoted",
        ),
        pytest.param(
            b'{"nbformat": {"a": 1}, "cells": []}',
            "not a notebook: 'nbformat' is (a JSON object)",
            id="object-version",
        ),
        pytest.param(
            b'{"nbformat": 4, "cells": [{"cell_type": "foo", "source": ""}]}',
            "cell 1: unknown cell_type 'foo'",
            id="unknown-type",
        ),
        pytest.param(
            b'{"nbformat": 4, "cells": [{"cell_type": ["code"], "source": ""}]}',
            "cell 1: unknown cell_type (a JSON array)",
            id="cell-type-array",
        ),
        pytest.param(
            b'{"nbformat": 3, "worksheets": [{"cells": [{"cell_type": {"a": 1}, "input": ""}]}]}',
            "cell 1: unknown cell_type (a JSON object)",
            id="v3-cell-type-object",
        ),
        pytest.param(
            b'{"nbformat": 4, "cells": [{"cell_type": "code", "outputs": []}]}',
            "cell 1: no 'source'",
            id="no-source",
        ),
        pytest.param(
            b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": [1]}]}',
            "cell 1: 'source' is not text or a list of text",
            id="source-not-text",
        ),
        pytest.param(
            b'{"nbformat": 4, "cells": [{"cell_type": "markdown", "source": ""},'
            b' {"cell_type": "code", "source": "x"}]}',
            "cell 2: code cell has no 'outputs' list",
            id="no-outputs",
        ),
        pytest.param(
            b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": "", "outputs": [{}]}]}',
            "cell 1: an output has no 'output_type'",
            id="output-without-type",
        ),
        pytest.param(
            b'{"nbformat": 3, "cells": []}',
            "nbformat 3 notebook without a 'worksheets' list",
            id="v3-no-worksheets",
        ),
        pytest.param(b"[" * 200_000 + b"]" * 200_000, "invalid JSON: nested too deeply", id="deep"),
    ],
)
def test_parse_errors(data, message):
    with pytest.raises(NotebookError) as excinfo:
        notebook.parse(data)
    assert str(excinfo.value) == message


def test_parse_tolerates_bom_and_detects_crlf():
    text = json.dumps(make_nb(code("x")), indent=1).replace("\n", "\r\n")
    doc = notebook.parse(b"\xef\xbb\xbf" + text.encode())
    assert doc.bom
    assert doc.newline == "\r\n"
    assert doc.nb["cells"][0]["source"] == "x"
    assert notebook.serialize(doc, doc.nb).count(b"\r\n") == notebook.dumps(doc.nb).count("\n")


def test_read_errors(tmp_path):
    with pytest.raises(NotebookError, match="^no such file$"):
        notebook.read(str(tmp_path / "missing.ipynb"))
    (tmp_path / "dir.ipynb").mkdir()
    with pytest.raises(NotebookError, match="^is a directory$"):
        notebook.read(str(tmp_path / "dir.ipynb"))


def test_write_file_keeps_mode_and_follows_symlinks(tmp_path):
    target = tmp_path / "real.ipynb"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    link = tmp_path / "link.ipynb"
    link.symlink_to(target)
    write.write_file(str(link), b"new", root=str(tmp_path))
    assert link.is_symlink()
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.ipynb", "real.ipynb"]


def test_write_file_refuses_read_only_file(tmp_path):
    target = tmp_path / "ro.ipynb"
    target.write_bytes(b"old")
    os.chmod(target, 0o444)
    with pytest.raises(NotebookError, match="read-only"):
        write.write_file(str(target), b"new", root=None)
    assert target.read_bytes() == b"old"


def test_write_file_failure_leaves_original_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "nb.ipynb"
    target.write_bytes(b"old")

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(NotebookError, match="^cannot write: No space left on device$"):
        write.write_file(str(target), b"new", root=None)
    assert target.read_bytes() == b"old"
    assert [p.name for p in Path(tmp_path).iterdir()] == ["nb.ipynb"]


# Cells check_structure must accept or reject exactly as _cell_problem judges them.
CELLS = [
    {"cell_type": "markdown", "metadata": {}, "source": ["# a\n", "b"]},
    {"cell_type": "raw", "metadata": {}, "source": "text"},
    {"cell_type": "code", "metadata": {}, "source": [], "outputs": [{"output_type": "stream"}]},
    {"cell_type": "code", "metadata": {}, "source": "", "outputs": []},
    {"cell_type": "markdown", "source": "no metadata"},
    {"cell_type": "markdown", "metadata": None, "source": "null metadata"},
    {"cell_type": "markdown", "metadata": [], "source": ""},
    {"cell_type": "heading", "metadata": {}, "source": ""},
    {"cell_type": "markdown", "metadata": {}},
    {"cell_type": "markdown", "metadata": {}, "source": ["a", 1]},
    {"cell_type": "markdown", "metadata": {}, "source": None},
    {"cell_type": "code", "metadata": {}, "source": ""},
    {"cell_type": "code", "metadata": {}, "source": "", "outputs": {}},
    {"cell_type": "code", "metadata": {}, "source": "", "outputs": [[]]},
    {"cell_type": "code", "metadata": {}, "source": "", "outputs": [{"output_type": 1}]},
    {"cell_type": "code", "metadata": {}, "source": "", "outputs": [{}]},
    {"metadata": {}, "source": ""},
    [],
    "cell",
]


@pytest.mark.parametrize("cell", CELLS)
def test_check_structure_reports_the_cell_problem(cell):
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [markdown("x"), cell]}
    problem = document._cell_problem(cell, 4)
    if problem is None:
        notebook.check_structure(nb)
    else:
        with pytest.raises(NotebookError, match=f"^cell 2: {re.escape(problem)}$"):
            notebook.check_structure(nb)


# --- the writer on shapes nbformat's writer passes through unchanged -----------------


def test_dumps_keeps_what_is_not_a_bundle_a_source_or_metadata_as_it_is():
    nb = {
        "cells": [
            {"cell_type": "raw", "metadata": {}, "source": None},
            code(
                "x",
                outputs=[
                    {"execution_count": 1, "metadata": {}, "output_type": "execute_result"},
                    {"data": "not a bundle", "metadata": {}, "output_type": "display_data"},
                ],
            ),
        ],
        "metadata": "not a mapping",
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    assert json.loads(notebook.dumps(nb)) == {
        **nb,
        "cells": [nb["cells"][0], {**nb["cells"][1], "source": ["x"]}],
    }


def test_dumps_v3_joins_lines_without_newlines_and_keeps_other_values():
    nb = {
        "metadata": {},
        "nbformat": 3,
        "nbformat_minor": 0,
        "worksheets": [
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "input": ["x = 1", "y = 2"],
                        "metadata": {},
                        "outputs": [{"output_type": "pyout", "prompt_number": 1, "text": 5}],
                    },
                    {"cell_type": "code", "metadata": {}, "outputs": []},
                ],
                "metadata": {},
            }
        ],
    }
    cells = json.loads(notebook.dumps(nb))["worksheets"][0]["cells"]
    assert cells[0]["input"] == ["x = 1\n", "y = 2"]
    assert cells[0]["outputs"] == [{"output_type": "pyout", "prompt_number": 1, "text": 5}]
    assert cells[1] == {"cell_type": "code", "metadata": {}, "outputs": []}


def _plain_doc() -> document.Document:
    doc = notebook.parse(json.dumps(make_nb(code("x"))).encode())
    assert not doc.has_floats
    return doc


def test_serialize_refuses_text_utf8_cannot_hold():
    nb = make_nb(code("lone \ud800 surrogate"))
    with pytest.raises(NotebookError) as raised:
        notebook.serialize(_plain_doc(), nb)
    assert str(raised.value) == "holds text that cannot be encoded as UTF-8"


def test_serialize_refuses_metadata_nested_too_deeply_to_write():
    deep: dict[str, object] = {}
    inner = deep
    for _ in range(5000):
        inner["a"] = {}
        inner = inner["a"]
    nb = make_nb(code("x"), metadata={"deep": deep})
    with pytest.raises(NotebookError) as raised:
        notebook.serialize(_plain_doc(), nb)
    assert str(raised.value) == "nested too deeply to write"


def _read_both_ways(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple[object, bytes] | str, ...]:
    """``data`` parsed and written back by the json module (a process that has not imported
    msgspec, and a small file) and by msgspec (a large file): the value and the bytes, or the
    error message."""
    import msgspec  # noqa: F401 - loaded, so that the second way finds it

    results: list[tuple[object, bytes] | str] = []
    for threshold, loaded in ((1 << 62, False), (0, True)):
        with monkeypatch.context() as patch:
            patch.setattr(document, "FAST_JSON_BYTES", threshold)
            if not loaded:
                patch.delitem(sys.modules, "msgspec")
            assert (document.fast_json(len(data)) is not None) is loaded
            try:
                doc = notebook.parse(data)
                results.append((doc.nb, dump.serialize(doc, doc.nb)))
            except NotebookError as exc:
                results.append(str(exc))
    return tuple(results)


@pytest.mark.parametrize(
    "data",
    [
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {"a": 1e16, "b": -0.0}, "cells": []}',
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {"s": "\\ud800"}, "cells": []}',
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {"n": 123456789012345678901234567890}, "cells": []}',
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {"x": 1e999}, "cells": []}',
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {"x": NaN}, "cells": []}',
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {"k": 1, "k": 2}, "cells": []}',
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [}',
        b"\xef\xbb\xbf" + json.dumps(make_nb(markdown("é 漢字 😀"))).encode(),
    ],
    ids=["floats", "lone-surrogate", "big-int", "overflow", "nan", "duplicate-key", "broken", "bom-unicode"],
)
def test_the_json_module_and_msgspec_read_and_write_alike(data, monkeypatch):
    json_way, msgspec_way = _read_both_ways(data, monkeypatch)
    assert json_way == msgspec_way


@pytest.mark.corpus
def test_the_json_module_and_msgspec_read_and_write_every_corpus_notebook_alike(monkeypatch):
    differ = []
    for path in CORPUS:
        json_way, msgspec_way = _read_both_ways(path.read_bytes(), monkeypatch)
        if json_way != msgspec_way:
            differ.append(path.name)
    assert differ == []
