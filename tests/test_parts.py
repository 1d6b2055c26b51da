from __future__ import annotations

import base64
import functools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nbfactory import (
    code,
    display_data,
    error,
    execute_result,
    make_nb,
    markdown,
    raw,
    readable_corpus_notebooks,
    stream,
)
from nbguard import notebook
from nbguard.notebook import JSON, MARKDOWN, PYTHON, TEXT, Part


def parts(nb):
    return [(p.cell, p.label, p.text, p.style) for p in notebook.iter_parts(nb)]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


PNG = b64("\x89PNG not really an image but stored as one")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param(code(["a = 1\n", "b = 2"]), [(1, "source", "a = 1\nb = 2", PYTHON)], id="code-list"),
        pytest.param(code("a = 1\nb = 2"), [(1, "source", "a = 1\nb = 2", PYTHON)], id="code-string"),
        pytest.param(markdown(["# T\n", "text"]), [(1, "source", "# T\ntext", MARKDOWN)], id="markdown"),
        pytest.param(raw("K=v"), [(1, "source", "K=v", TEXT)], id="raw"),
        pytest.param(
            code("", outputs=[stream(["a\n", "b\n"]), stream("c", name="stderr")]),
            [
                (1, "source", "", PYTHON),
                (1, "output 1 stream", "a\nb\n", TEXT),
                (1, "output 2 stream", "c", TEXT),
            ],
            id="streams",
        ),
        pytest.param(
            code("", outputs=[stream("\x1b[31mred\x1b[0m \x1b]0;title\x07done")]),
            [(1, "source", "", PYTHON), (1, "output 1 stream", "red done", TEXT)],
            id="ansi-removed",
        ),
        pytest.param(
            code(
                "",
                outputs=[
                    execute_result(
                        {
                            "text/plain": ["{'a': 1}"],
                            "text/html": "<b>&quot;x&quot; &amp; &#x27;y&#x27;</b>",
                            "image/png": PNG,
                            "image/svg+xml": "<svg/>",
                        }
                    )
                ],
            ),
            [
                (1, "source", "", PYTHON),
                (1, "output 1 text/plain", "{'a': 1}", TEXT),
                (1, "output 1 text/html", "<b>\"x\" & 'y'</b>", TEXT),
            ],
            id="mimetypes-html-decoded-images-skipped",
        ),
        pytest.param(
            code("", outputs=[display_data({"application/json": {"b": [1], "a": "x"}, "audio/wav": "UklG"})]),
            [
                (1, "source", "", PYTHON),
                (1, "output 1 application/json", '{\n "a": "x",\n "b": [\n  1\n ]\n}', JSON),
            ],
            id="json-serialized-binary-skipped",
        ),
        pytest.param(
            code(
                "",
                outputs=[
                    display_data(
                        {"application/vnd.jupyter.widget-view+json": {"model_id": "ab12", "version_major": 2}}
                    )
                ],
            ),
            [
                (1, "source", "", PYTHON),
                (
                    1,
                    "output 1 application/vnd.jupyter.widget-view+json",
                    '{\n "model_id": "ab12",\n "version_major": 2\n}',
                    JSON,
                ),
            ],
            id="widget-view",
        ),
        pytest.param(
            code("", outputs=[error("KeyError", "'k'", ["\x1b[0;31mKeyError\x1b[0m: 'k'", "line two"])]),
            [(1, "source", "", PYTHON), (1, "output 1 error", "KeyError: 'k'\nline two", TEXT)],
            id="traceback-holds-evalue",
        ),
        pytest.param(
            code("", outputs=[error("ValueError", "bad value", [])]),
            [(1, "source", "", PYTHON), (1, "output 1 error", "ValueError: bad value", TEXT)],
            id="evalue-without-traceback",
        ),
        pytest.param(
            code("", outputs=[error("E", "\x1b[1mnew\x1b[0m", ["Traceback", "E: old"])]),
            [(1, "source", "", PYTHON), (1, "output 1 error", "Traceback\nE: old\nE: new", TEXT)],
            id="evalue-missing-from-traceback",
        ),
        pytest.param(
            code("x", metadata={"tags": ["t"], "a": 1}),
            [(1, "source", "x", PYTHON), (1, "metadata", '{\n "a": 1,\n "tags": [\n  "t"\n ]\n}', JSON)],
            id="cell-metadata",
        ),
        pytest.param(
            markdown(
                "![a](attachment:a.png)",
                attachments={
                    "a.png": {"image/png": PNG},
                    "notes.txt": {"text/plain": b64("K=v\nL=w")},
                    "raw.txt": {"text/plain": ["not base64\n", "at all!"]},
                },
            ),
            [
                (1, "source", "![a](attachment:a.png)", MARKDOWN),
                (1, "attachment notes.txt", "K=v\nL=w", TEXT),
                (1, "attachment raw.txt", "not base64\nat all!", TEXT),
            ],
            id="attachments-decoded-images-skipped",
        ),
        pytest.param(
            markdown("x", attachments={"a.txt": "not a bundle", "b.txt": {"text/plain": b64("K=v")}}),
            [(1, "source", "x", MARKDOWN), (1, "attachment b.txt", "K=v", TEXT)],
            id="attachment-not-a-bundle-skipped",
        ),
        pytest.param(
            {**markdown("x"), "attachments": ["not", "a", "mapping"]},
            [(1, "source", "x", MARKDOWN)],
            id="attachments-not-a-mapping-skipped",
        ),
        pytest.param(
            markdown("see ![x](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAE) there"),
            [(1, "source", "see ![x](data:;base64,(elided)) there", MARKDOWN)],
            id="inline-image-elided",
        ),
    ],
)
def test_cell_parts(cell, expected):
    assert parts(make_nb(cell, metadata={})) == expected


def test_notebook_metadata_and_widget_state_come_after_the_cells():
    widgets = {notebook.WIDGET_STATE_MIME: {"state": {}, "version_major": 2}}
    nb = make_nb(code("x"), metadata={"kernelspec": {"language": "python"}, "widgets": widgets})
    assert parts(nb) == [
        (1, "source", "x", PYTHON),
        (None, "metadata", '{\n "kernelspec": {\n  "language": "python"\n }\n}', JSON),
        (None, "widget state", notebook.as_json(widgets), JSON),
    ]


def test_cells_with_the_skip_tag_are_left_out_and_numbering_is_kept():
    nb = make_nb(code("a"), code("b", metadata={"tags": ["skip-me"]}), markdown("c"), metadata={})
    labels = [(p.cell, p.text) for p in notebook.iter_parts(nb, skip_tagged="skip-me")]
    assert labels == [(1, "a"), (3, "c")]


def test_nbformat3_worksheets_are_numbered_as_one_list():
    nb = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"name": ""},
        "worksheets": [
            {"cells": [{"cell_type": "heading", "level": 1, "metadata": {}, "source": ["Title"]}]},
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "input": ["x = 1\n", "y"],
                        "language": "python",
                        "metadata": {},
                        "outputs": [
                            {"output_type": "pyout", "text": ["1"], "html": ["&lt;b&gt;"], "png": PNG},
                            {"output_type": "stream", "stream": "stdout", "text": ["hi"]},
                            {"output_type": "pyerr", "ename": "E", "evalue": "v", "traceback": []},
                        ],
                    }
                ]
            },
        ],
    }
    assert parts(nb) == [
        (1, "source", "Title", MARKDOWN),
        (2, "source", "x = 1\ny", PYTHON),
        (2, "output 1 text/plain", "1", TEXT),
        (2, "output 1 text/html", "<b>", TEXT),
        (2, "output 2 stream", "hi", TEXT),
        (2, "output 3 error", "E: v", TEXT),
        (None, "metadata", '{\n "name": ""\n}', JSON),
    ]


@pytest.mark.parametrize(
    ("metadata", "language"),
    [
        ({}, "python"),
        ({"kernelspec": {"language": "R"}}, "r"),
        ({"language_info": {"name": "julia"}}, "julia"),
        ({"kernelspec": {"name": "x"}, "language_info": {"name": "Python"}}, "python"),
        ({"language": "scala"}, "scala"),
    ],
)
def test_kernel_language(metadata, language):
    assert notebook.kernel_language({"metadata": metadata}) == language


def test_code_of_other_languages_is_marked_as_code():
    nb = make_nb(code("x <- 1"), metadata={"kernelspec": {"language": "R"}})
    assert next(notebook.iter_parts(nb)) == Part(1, "source", "x <- 1", notebook.CODE, "r")


def _widget_nb(models):
    state = {notebook.WIDGET_STATE_MIME: {"state": models, "version_major": 2, "version_minor": 0}}
    return make_nb(metadata={"widgets": state})


def test_password_widget_values_and_their_lines():
    models = {
        "b0": {
            "model_name": "PasswordModel",
            "model_module": "@jupyter-widgets/controls",
            "state": {"value": "s3"},
        },
        "a1": {"model_name": "TextModel", "state": {"value": "not a password"}},
        "c2": {"model_name": "PasswordModel", "state": {"description": "empty", "value": ""}},
    }
    nb = _widget_nb(models)
    [(line, value)] = notebook.password_widget_values(nb)
    widget_part = next(p for p in notebook.iter_parts(nb) if p.label == "widget state")
    assert value == "s3"
    assert widget_part.text.split("\n")[line - 1] == '     "value": "s3"'


@pytest.mark.parametrize(
    "nb",
    [
        make_nb(metadata={}),
        make_nb(metadata={"widgets": {"other": 1}}),
        _widget_nb({"x": "not a model", "y": {"model_name": "PasswordModel", "state": "odd"}}),
    ],
)
def test_no_password_widget_values(nb):
    assert notebook.password_widget_values(nb) == []


def test_as_json_matches_nbformat_layout():
    value = {"b": "é", "a": [1, {"c": None}]}
    assert notebook.as_json(value) == json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False)


def reference_json(value):
    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False, default=str)


# Any JSON a notebook can hold, with the characters and numbers that escape or format
# differently between encoders: control characters, quotes, backslashes, line and
# paragraph separators, lone surrogates, astral characters, floats, huge integers.
_TEXTS = st.text(st.sampled_from(["a", "é", "\n", "\t", "\x00", "\x1f", "\x7f", '"', "\\", "/", "\u2028"]))
_TEXTS |= st.sampled_from(["\ud800", "\U0001d11e", "\uffff", "", "key", "Key"])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=2**63 - 2) | st.floats() | _TEXTS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXTS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(JSON_VALUES)
def test_as_json_writes_exactly_what_the_json_module_writes(value):
    assert notebook.as_json(value) == reference_json(value)


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1e16, "b": [0.1, -0.0, 1e-7]},  # floats: msgspec would write 1e16
        {"deep": functools.reduce(lambda inner, _: [inner], range(100), [])},
        {1: "int key"},
        {"t": (1, 2)},
        {"s": "lone \ud800 surrogate"},
        [[[]], {}, {"": {"": []}}],
    ],
)
def test_as_json_falls_back_or_agrees_on_awkward_values(value):
    assert notebook.as_json(value) == reference_json(value)


def test_joined_keeps_only_text_lines():
    assert notebook.joined(["a\n", "b"]) == "a\nb"
    assert notebook.joined(["a\n", 1, None, "b"]) == "a\nb"
    assert notebook.joined(7) == ""


def test_as_json_fails_like_the_json_module_on_absurd_nesting():
    value = functools.reduce(lambda inner, _: [inner], range(5000), [])
    with pytest.raises(RecursionError):
        reference_json(value)
    with pytest.raises(RecursionError):
        notebook.as_json(value)


# --- part_texts and parts_of: iter_parts' texts without the parts, and the parts of a few cells ---


def _owners(nb, skip_tagged=None):
    """The owner of each part, as part_texts gives it, from iter_parts: cell index or NOTEBOOK."""
    return [
        notebook.NOTEBOOK if p.cell is None else p.cell - 1
        for p in notebook.iter_parts(nb, skip_tagged=skip_tagged)
    ]


def assert_part_texts_agree(nb, skip_tagged=None):
    parts = list(notebook.iter_parts(nb, skip_tagged=skip_tagged))
    texts, owners = notebook.part_texts(nb, skip_tagged=skip_tagged)
    assert texts == [p.text for p in parts]
    assert owners == _owners(nb, skip_tagged)
    by_owner = notebook.parts_of(nb, set(owners))
    assert [p for owner in dict.fromkeys(owners) for p in by_owner[owner]] == parts


_TEXT = st.lists(
    st.sampled_from(
        ["a", "é", "\n", "\t", "\x1b[1m", "&amp;", "K", "😀", "data:image/png;base64,AAAAAAAAAAAAAAAAAAAA"]
    ),
    max_size=6,
).map("".join)
_SOURCE = _TEXT | st.lists(_TEXT, max_size=3) | st.sampled_from([None, 7, ["a\n", 1, "b"]])
_MIME = st.sampled_from(["text/plain", "text/html", "application/json", "image/png", "application/x+json"])
_OUTPUT = st.one_of(
    st.builds(stream, _TEXT),
    st.builds(
        execute_result, st.dictionaries(_MIME, _TEXT | st.dictionaries(_TEXT, _TEXT, max_size=2), max_size=3)
    ),
    st.builds(display_data, st.dictionaries(_MIME, _TEXT, max_size=2)),
    st.builds(error, _TEXT, _TEXT, st.lists(_TEXT, max_size=2)),
    st.just({"output_type": "unknown"}),
)
_METADATA = st.one_of(
    st.just({}),
    st.dictionaries(
        st.sampled_from(["id", "tags", "collapsed", "x"]),
        _TEXT | st.booleans() | st.floats(allow_nan=False),
        max_size=3,
    ),
    st.sampled_from(
        [{"tags": ["skip-me"]}, {"tags": ["other", "skip-me"], "id": "c"}, {"tags": "skip-me"}, None, [1]]
    ),
)


@st.composite
def _cells(draw):
    kind = draw(st.sampled_from(["code", "markdown", "raw", "heading"]))
    cell = {"cell_type": kind, "metadata": draw(_METADATA), "source": draw(_SOURCE)}
    if kind == "code":
        cell["outputs"] = draw(st.lists(_OUTPUT, max_size=3))
    if draw(st.booleans()):
        cell["attachments"] = draw(
            st.dictionaries(_TEXT, st.dictionaries(_MIME, _TEXT, max_size=2), max_size=2)
        )
    return cell


_NOTEBOOKS = st.builds(
    lambda cells, metadata: make_nb(*cells, metadata=metadata),
    st.lists(_cells(), max_size=6),
    st.one_of(
        st.just({}),
        st.dictionaries(
            st.sampled_from(["kernelspec", "widgets", "x"]),
            st.dictionaries(_TEXT, _TEXT, max_size=2),
            max_size=3,
        ),
    ),
)


@settings(max_examples=300, deadline=None)
@given(_NOTEBOOKS, st.sampled_from([None, "skip-me"]))
def test_part_texts_are_the_texts_of_iter_parts_and_parts_of_its_parts(nb, skip_tagged):
    assert_part_texts_agree(nb, skip_tagged)


def test_part_texts_of_nbformat3_and_tagged_cells():
    nb3 = {
        "nbformat": 3,
        "metadata": {"name": "n"},
        "worksheets": [
            {"cells": [{"cell_type": "heading", "metadata": {}, "source": ["T"]}]},
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "input": ["x"],
                        "metadata": {"tags": ["t"]},
                        "outputs": [stream("o")],
                    }
                ]
            },
        ],
    }
    assert_part_texts_agree(nb3)
    assert_part_texts_agree(nb3, skip_tagged="t")
    assert notebook.part_texts(nb3, skip_tagged="t") == (
        ["T", '{\n "name": "n"\n}'],
        [0, notebook.NOTEBOOK],
    )


@pytest.mark.corpus
def test_part_texts_agree_with_iter_parts_on_the_corpus():
    from nbguard.checks.strip import StripOptions, strip

    compared = 0
    for _path, nb in readable_corpus_notebooks():
        assert_part_texts_agree(nb, "nbguard:allow-secrets")
        assert_part_texts_agree(strip(nb, StripOptions()))
        compared += 1
    assert compared > 1800


@pytest.mark.parametrize("depth", [62, 63, 64, 65, 66])
def test_as_json_at_the_nesting_limit(depth):
    value = functools.reduce(lambda inner, _: {"k": [inner]}, range(depth // 2), [1])
    assert notebook.as_json(value) == reference_json(value)
    value = functools.reduce(lambda inner, _: [inner], range(depth), {"a": 1.5})
    assert notebook.as_json(value) == reference_json(value)
