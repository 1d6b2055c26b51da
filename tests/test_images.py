from __future__ import annotations

import base64
import json
import re
import shlex
import struct
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nbfactory import (
    code,
    corpus_notebooks,
    display_data,
    error,
    execute_result,
    make_nb,
    markdown,
    raw,
    stream,
    subcommand,
)
from nbguard.checks import images
from nbguard.checks.images import ALLOW_TAG, base64_size, check, iter_images, kib, pixel_size
from nbguard.notebook import iter_cells, layout_of, read
from nbguard.report.finding import Finding

main = subcommand("images")

ROOT = Path(__file__).resolve().parents[1]
KiB = 1024


def _png(width: int, height: int, nbytes: int) -> bytes:
    """``nbytes`` bytes that start with a PNG header of the given size."""
    head = b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", width, height)
    assert nbytes >= len(head)
    return head + b"\x00" * (nbytes - len(head))


def _b64(data: bytes, width: int = 0) -> str:
    text = base64.b64encode(data).decode()
    if width:
        text = "\n".join(text[i : i + width] for i in range(0, len(text), width)) + "\n"
    return text


def _lines(text: str) -> list[str]:
    return text.splitlines(True)


def _png_output(nbytes: int, width: int = 64, height: int = 48) -> dict:
    return display_data({"image/png": _b64(_png(width, height, nbytes)), "text/plain": "<Figure>"})


def _tagged(*tags: str) -> dict:
    return {"tags": list(tags)}


def _write(path: Path, nb: dict) -> str:
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return str(path)


# --- sizes from base64 length ------------------------------------------------

BASE64_SIZES = [
    ("", 0),
    ("QQ==", 1),
    ("QUI=", 2),
    ("QUJD", 3),
    ("QQ", 1),  # unpadded
    ("QUI", 2),
    ("QUJDRA==\n", 4),  # nbformat's trailing newline
    ("QUJD\nRA==", 4),
    ("QUJD\r\nRA==\r\n", 4),
    (" QU JD\tRA = = \n", 4),
]


@pytest.mark.parametrize(("text", "expected"), BASE64_SIZES)
def test_base64_size(text, expected):
    assert base64_size(text) == expected


@given(data=st.binary(max_size=300), width=st.integers(min_value=0, max_value=100))
def test_base64_size_is_the_decoded_length(data, width):
    assert base64_size(_b64(data, width)) == len(data)


@pytest.mark.parametrize(("nbytes", "expected"), [(0, 0), (1, 1), (1024, 1), (1025, 2), (256 * 1024, 256)])
def test_kib_rounds_up(nbytes, expected):
    assert kib(nbytes) == expected


# --- every place an image can be ---------------------------------------------

SVG_TEXT = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30">\n<rect/>\n</svg>\n'
GIF = b"GIF89a" + struct.pack("<HH", 12, 34) + b"\x00" * 1014
JPEG = (
    b"\xff\xd8\xff\xc0\x00\x11\x08"
    + struct.pack(">HH", 78, 56)  # height, then width
    + b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
)
JPEG += b"\x00" * (2000 - len(JPEG))
PNG_1500 = _png(64, 48, 1500)
HTML = '<p>plot</p>\n<img src="data:image/png;base64,{}" alt="x">\n'

PLACES = [
    (
        "display_data png",
        code("x", outputs=[stream("hi\n"), display_data({"image/png": _b64(PNG_1500)})]),
        "image/png in output 2 is 2 KiB (limit 0 KiB), 64x48 px",
        None,
    ),
    (
        "execute_result jpeg",
        code("x", outputs=[execute_result({"image/jpeg": _b64(JPEG), "text/plain": "I"})]),
        "image/jpeg in output 1 is 2 KiB (limit 0 KiB), 56x78 px",
        None,
    ),
    (
        "gif as a list of lines",
        code("x", outputs=[display_data({"image/gif": _lines(_b64(GIF, 76))})]),
        "image/gif in output 1 is 1 KiB (limit 0 KiB), 12x34 px",
        None,
    ),
    (
        "svg text counts utf-8 bytes",
        code("x", outputs=[display_data({"image/svg+xml": _lines(SVG_TEXT.replace("rect", "é"))})]),
        "image/svg+xml in output 1 is 1 KiB (limit 0 KiB), 40x30 px",
        None,
    ),
    (
        "another image type, size unknown",
        code("x", outputs=[display_data({"image/x-icon": _b64(b"\x00" * 2000)})]),
        "image/x-icon in output 1 is 2 KiB (limit 0 KiB)",
        None,
    ),
    (
        "markdown attachment",
        markdown(
            "![a](attachment:photo.png)",
            attachments={"photo.png": {"image/png": _b64(PNG_1500)}},
        ),
        "image/png in attachment photo.png is 2 KiB (limit 0 KiB), 64x48 px",
        None,
    ),
    (
        "raw attachment, base64 svg",
        {
            **raw("x"),
            "attachments": {"d.svg": {"image/svg+xml": _b64(SVG_TEXT.encode())}},
        },
        "image/svg+xml in attachment d.svg is 1 KiB (limit 0 KiB), 40x30 px",
        None,
    ),
    (
        "data URI in markdown",
        markdown(["# Title\n", "\n", f"![x](data:image/png;base64,{_b64(PNG_1500)})\n"]),
        "image/png data URI in markdown is 2 KiB (limit 0 KiB), 64x48 px",
        3,
    ),
    (
        "data URI in html output",
        code(
            "x",
            outputs=[
                stream("hi\n"),
                execute_result({"text/html": _lines(HTML.format(_b64(PNG_1500, 60)))}),
            ],
        ),
        "image/png data URI in output 2 text/html is 2 KiB (limit 0 KiB), 64x48 px",
        2,
    ),
    (
        "data URI in markdown output, with a parameter",
        code(
            "x",
            outputs=[display_data({"text/markdown": f"![](DATA:image/GIF;name=a.gif;BASE64,{_b64(GIF)})"})],
        ),
        "image/gif data URI in output 1 text/markdown is 1 KiB (limit 0 KiB), 12x34 px",
        1,
    ),
    (
        "data URI continued in a javascript string",
        code(
            "x",
            outputs=[
                display_data(
                    {
                        "text/html": 'frames[0] = "data:image/png;base64,'
                        + _b64(PNG_1500, 80).replace("\n", "\\\n")
                        + '";\n'
                    }
                )
            ],
        ),
        "image/png data URI in output 1 text/html is 2 KiB (limit 0 KiB), 64x48 px",
        1,
    ),
]


@pytest.mark.parametrize(("cell", "message", "line"), [p[1:] for p in PLACES], ids=[p[0] for p in PLACES])
def test_every_place_is_found(cell, message, line):
    nb = make_nb(markdown("intro"), cell)
    found = check(nb, max_kb=0)
    assert [f._replace(part="") for f in found] == [
        Finding("NBG301", message, cell=2, line=line, check="images")
    ]
    assert found[0].part  # the part of the cell, for the line formats (test_locate.py)
    assert check(nb, max_kb=2) == []


@pytest.mark.parametrize(
    "cell",
    [
        code("x", outputs=[stream("A" * 300_000), error(evalue="A" * 300_000)]),
        code("x", outputs=[display_data({"text/plain": "A" * 300_000})]),
        code("x", outputs=[display_data({"application/pdf": "A" * 400_000})]),
        code("x", outputs=[display_data({"text/html": "<img src='data:image/png,AAAA'>"})]),
        code("x = 'data:image/png;base64," + "A" * 400_000 + "'"),
        markdown("not data:image/png;base64 at all"),
        raw("<img src='data:image/png;base64," + "A" * 400_000 + "'>"),
        markdown("m", attachments={"a.pdf": {"application/pdf": "A" * 400_000}}),
        code("x", outputs=[display_data({"image/png": {"not": "text"}})]),
        code("x", outputs=[display_data({"image/png": ["A", 1]})]),
    ],
    ids=[
        "stream and error",
        "plain text",
        "pdf",
        "data URI that is not base64",
        "code source",
        "no data URI",
        "raw source",
        "non-image attachment",
        "json value",
        "list with a number",
    ],
)
def test_what_does_not_count(cell):
    assert list(iter_images(make_nb(cell))) == []


def test_all_images_of_a_cell_and_notebook_are_reported_in_order():
    nb = make_nb(
        code("a", outputs=[_png_output(300 * KiB), _png_output(100), _png_output(257 * KiB)]),
        markdown("b"),
        code("c", outputs=[_png_output(1000 * KiB, 3200, 2400)]),
    )
    assert [(f.cell, f.message) for f in check(nb)] == [
        (1, "image/png in output 1 is 300 KiB (limit 256 KiB), 64x48 px"),
        (1, "image/png in output 3 is 257 KiB (limit 256 KiB), 64x48 px"),
        (3, "image/png in output 1 is 1000 KiB (limit 256 KiB), 3200x2400 px"),
    ]


# --- the exact limit -----------------------------------------------------------

BOUNDARY = [
    (256 * KiB, 256, []),
    (256 * KiB + 1, 256, ["image/png in output 1 is 257 KiB (limit 256 KiB), 64x48 px"]),
    (10 * KiB, 10, []),
    (10 * KiB + 1, 10, ["image/png in output 1 is 11 KiB (limit 10 KiB), 64x48 px"]),
]


@pytest.mark.parametrize("form", ["string", "wrapped", "wrapped list of lines"])
@pytest.mark.parametrize(("nbytes", "max_kb", "messages"), BOUNDARY)
def test_limit_is_exact(nbytes, max_kb, messages, form):
    text = _b64(_png(64, 48, nbytes), width=0 if form == "string" else 76)
    value = _lines(text) if form.endswith("lines") else text
    nb = make_nb(code("x", outputs=[display_data({"image/png": value})]))
    assert [f.message for f in check(nb, max_kb=max_kb)] == messages


def test_default_limit_is_256_kib():
    at_limit = make_nb(code("x", outputs=[_png_output(256 * KiB)]))
    over = make_nb(code("x", outputs=[_png_output(256 * KiB + 1)]))
    assert check(at_limit) == []
    assert len(check(over)) == 1


# --- total, pixels, allow tag --------------------------------------------------


def _three_images(tagged: bool = False) -> dict:
    return make_nb(
        code("a", outputs=[_png_output(100 * KiB)]),
        markdown("b", attachments={"p.png": {"image/png": _b64(_png(1, 1, 100 * KiB))}}),
        code("c", outputs=[_png_output(100 * KiB)], metadata=_tagged(ALLOW_TAG) if tagged else {}),
    )


@pytest.mark.parametrize(
    ("max_total_kb", "tagged", "expected"),
    [
        (300, False, []),
        (299, False, ["images total 300 KiB (limit 299 KiB) in 3 images"]),
        (0, False, ["images total 300 KiB (limit 0 KiB) in 3 images"]),
        (200, True, []),
        (199, True, ["images total 200 KiB (limit 199 KiB) in 2 images"]),
        (None, False, []),
    ],
)
def test_total_per_notebook(max_total_kb, tagged, expected):
    findings = check(_three_images(tagged), max_total_kb=max_total_kb)
    assert [f.message for f in findings] == expected
    assert all(f.code == "NBG302" and f.cell is None and f.line is None for f in findings)


def test_total_of_one_image_says_image():
    nb = make_nb(code("a", outputs=[_png_output(2 * KiB)]))
    assert [f.message for f in check(nb, max_total_kb=1)] == ["images total 2 KiB (limit 1 KiB) in 1 image"]


PIXELS = [
    (
        "over pixels only",
        _png_output(3 * KiB, 3200, 2400),
        {"max_pixels": 7_680_000 - 1},
        "NBG303",
        "image/png in output 1 is 3200x2400 px (7680000 px, limit 7679999 px), 3 KiB",
    ),
    ("at the pixel limit", _png_output(3 * KiB, 3200, 2400), {"max_pixels": 7_680_000}, None, None),
    (
        "over both",
        _png_output(300 * KiB, 3200, 2400),
        {"max_pixels": 1_000_000},
        "NBG301",
        "image/png in output 1 is 300 KiB (limit 256 KiB), 3200x2400 px (7680000 px, limit 1000000 px)",
    ),
    (
        "svg pixels",
        display_data({"image/svg+xml": '<svg width="2000" height="1000"/>'}),
        {"max_pixels": 1_000_000},
        "NBG303",
        "image/svg+xml in output 1 is 2000x1000 px (2000000 px, limit 1000000 px), 1 KiB",
    ),
    (
        "pixel size unknown passes",
        display_data({"image/png": _b64(b"\x00" * 100)}),
        {"max_pixels": 0},
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("output", "options", "code_", "message"), [p[1:] for p in PIXELS], ids=[p[0] for p in PIXELS]
)
def test_pixel_limit(output, options, code_, message):
    findings = check(make_nb(code("x", outputs=[output])), **options)
    assert [(f.code, f.message) for f in findings] == ([(code_, message)] if code_ else [])


def test_allow_tag_lets_one_cell_through():
    big = 300 * KiB
    nb = make_nb(
        code("a", outputs=[_png_output(big, 5000, 5000)], metadata=_tagged("x", ALLOW_TAG)),
        markdown(
            "b",
            attachments={"p.png": {"image/png": _b64(_png(1, 1, big))}},
            metadata=_tagged(ALLOW_TAG),
        ),
        code("c", outputs=[_png_output(big)], metadata=_tagged("allow-large-image")),
    )
    findings = check(nb, max_total_kb=1, max_pixels=1)
    assert [(f.code, f.cell) for f in findings] == [("NBG301", 3), ("NBG302", None)]
    assert findings[1].message == "images total 300 KiB (limit 1 KiB) in 1 image"


@pytest.mark.parametrize("metadata", [{"tags": ALLOW_TAG}, {"tags": None}, {"tag": [ALLOW_TAG]}])
def test_allow_tag_must_be_in_the_tags_list(metadata):
    nb = make_nb(code("a", outputs=[_png_output(300 * KiB)], metadata=metadata))
    assert len(check(nb)) == 1


# --- numbering and nbformat 3 ----------------------------------------------------


def _v3(*worksheets: list[dict]) -> dict:
    return {
        "metadata": {"name": ""},
        "nbformat": 3,
        "nbformat_minor": 0,
        "worksheets": [{"cells": list(cells), "metadata": {}} for cells in worksheets],
    }


def _v3_code(*outputs: dict) -> dict:
    return {
        "cell_type": "code",
        "input": "x",
        "language": "python",
        "metadata": {},
        "outputs": list(outputs),
    }


def test_nbformat_3_outputs_and_markdown_across_worksheets():
    png = _b64(PNG_1500)
    nb = _v3(
        [{"cell_type": "heading", "level": 1, "metadata": {}, "source": "T"}],
        [
            _v3_code({"output_type": "stream", "stream": "stdout", "text": "a"}),
            _v3_code(
                {"output_type": "pyout", "png": png, "prompt_number": 1, "text": "x"},
                {"output_type": "display_data", "jpeg": _b64(JPEG), "svg": SVG_TEXT},
                {"output_type": "display_data", "html": HTML.format(png)},
            ),
            {
                "cell_type": "markdown",
                "metadata": {},
                "source": f"![](data:image/png;base64,{png})",
            },
        ],
    )
    assert [(f.cell, f.line, f.message) for f in check(nb, max_kb=0)] == [
        (3, None, "image/png in output 1 is 2 KiB (limit 0 KiB), 64x48 px"),
        (3, None, "image/jpeg in output 2 is 2 KiB (limit 0 KiB), 56x78 px"),
        (3, None, "image/svg+xml in output 2 is 1 KiB (limit 0 KiB), 40x30 px"),
        (3, 2, "image/png data URI in output 3 text/html is 2 KiB (limit 0 KiB), 64x48 px"),
        (4, 1, "image/png data URI in markdown is 2 KiB (limit 0 KiB), 64x48 px"),
    ]


def test_cells_are_numbered_as_shown():
    nb = make_nb(markdown("a"), raw("b"), code("c"), markdown("d"), code("e", outputs=[_png_output(100)]))
    assert [f.cell for f in check(nb, max_kb=0)] == [5]


def test_unprintable_attachment_name_is_quoted():
    nb = make_nb(markdown("m", attachments={"a\nb.png": {"image/png": _b64(b"x" * 2000)}}))
    assert check(nb, max_kb=1)[0].message == "image/png in attachment 'a\\nb.png' is 2 KiB (limit 1 KiB)"


def test_pixel_size_of_images():
    nb = make_nb(
        code("a", outputs=[_png_output(100, 640, 480), display_data({"image/svg+xml": SVG_TEXT})]),
    )
    assert [pixel_size(i) for i in iter_images(nb)] == [(640, 480), (40, 30)]


# --- the fast paths give what the plain search gives --------------------------------


def _every_image(nb: dict) -> list[images.Image]:
    """iter_images without its cheap test: every untagged cell searched in full."""
    major = layout_of(nb)  # nbformat 2 and 3: outputs keyed by format (png), as v3
    return [
        image
        for number, cell in enumerate(iter_cells(nb), start=1)
        if not images.allowed(cell)
        for image in images.cell_images(cell, number, major)
    ]


_URI = f"data:image/png;base64,{_b64(PNG_1500)}"
_SPLIT_URI = markdown([f"![x]({_URI[:18]}", f"{_URI[18:]})"])  # "...;bas" + "e64,..."

# Each case: a cell, and whether the cheap test must let it through (None: either way).
GATE = [
    ("code without outputs", code("x = 'data:image/png;base64,AAAA'"), False),
    ("markdown without a semicolon", markdown(["# Title\n", "data:image/png,base64"]), False),
    ("markdown with a semicolon", markdown("a &nbsp; b"), True),
    ("markdown with a data URI", markdown(["# T\n", f"![x]({_URI})\n"]), True),
    ("a data URI across two lines of a list", _SPLIT_URI, True),
    ("upper-case data URI", markdown(f"![x]({_URI.upper()[:22]}{_URI[22:]})"), True),
    ("markdown list with a number", markdown(["a;", 1]), False),
    ("markdown source that is not text", {**markdown(""), "source": {"a;": 1}}, False),
    ("raw with a data URI", raw(f"<img src='{_URI}'>"), False),
    ("heading with a data URI", {"cell_type": "heading", "level": 1, "metadata": {}, "source": _URI}, False),
    ("empty outputs and attachments", {**markdown("m"), "outputs": [], "attachments": {}}, False),
    ("outputs that are not a list", {**markdown("m"), "outputs": {"a": 1}}, True),
    ("attachments that are not a dict", {**markdown("m"), "attachments": ["a"]}, True),
    ("text outputs only", code("x", outputs=[stream("a;b")]), True),
    ("an image output", _png_output(100), None),
    *((f"place: {name}", cell, True) for name, cell, _, _ in PLACES),
]


@pytest.mark.parametrize(("cell", "through"), [g[1:] for g in GATE], ids=[g[0] for g in GATE])
def test_the_cheap_test_stops_only_cells_without_images(cell, through):
    if cell.get("output_type"):  # an output, not a cell
        cell = code("x", outputs=[cell])
    if through is not None:
        assert images.may_hold_images(cell) is through
    if not images.may_hold_images(cell):
        assert list(images.cell_images(cell, 1)) == []
    for tags in ([], [ALLOW_TAG]):
        nb = make_nb(markdown("a"), {**cell, "metadata": {"tags": tags}})
        assert list(iter_images(nb)) == _every_image(nb)


def test_a_data_uri_across_lines_of_a_list_is_found():
    assert [(i.where, i.nbytes, i.line) for i in iter_images(make_nb(_SPLIT_URI))] == [
        ("data URI in markdown", 1500, 1)
    ]


def test_a_malformed_output_still_fails_as_before():
    cell = {**markdown("m"), "outputs": ["not an output"]}
    with pytest.raises(AttributeError):
        list(iter_images(make_nb(cell)))
    assert list(iter_images(make_nb({**cell, "metadata": {"tags": [ALLOW_TAG]}}))) == []


_OLD_DATA_URI = re.compile(  # the expression before its base64 class was spelt out
    r"data:(image/[a-z0-9.+-]+)(?:;[a-z0-9.+-]+=[^;,\s\"'<>()]*)*;base64,"
    r"([a-z0-9+/=\s]*(?:\\\r?\n[a-z0-9+/=\s]*)*)",
    re.IGNORECASE,
)

URI_TEXTS = [
    "",
    "no uri here; data: nothing",
    f"a {_URI} b {_URI.upper()} c",
    f"DaTa:image/gif;x=1;BASE64,{_b64(GIF)}!",
    f"data:data:{_URI}",  # a false start just before a real one
    "data:image/png;base64,AB\\\nCD\\\r\nEF'",  # continued in a JavaScript string
    f"İ before {_URI} and after: ẞ {_URI}",  # İ lower-cases to two characters
    "data:image/png;base64,AA\u0131\u017fK\u0130\u212a==x",  # letters that match a-z ignoring case
    f"data:image/svg+xml;base64,{_b64(SVG_TEXT.encode())}\ndata:image/png;base64",
]


@pytest.mark.parametrize("text", URI_TEXTS)
def test_data_uris_are_found_as_by_the_plain_expression(text):
    expected = [(m.span(), m.groups()) for m in _OLD_DATA_URI.finditer(text)]
    assert [(m.span(), m.groups()) for m in images._DATA_URI.finditer(text)] == expected
    assert [(m.span(), m.groups()) for m in images._uri_matches(text, text.lower())] == expected


def test_the_base64_class_is_the_case_insensitive_one_spelt_out():
    spelt_out = re.compile(images._BASE64_CHARS).fullmatch
    ignoring_case = re.compile(r"[a-z0-9+/=\s]", re.IGNORECASE).fullmatch
    differ = [c for c in map(chr, range(sys.maxunicode + 1)) if bool(spelt_out(c)) != bool(ignoring_case(c))]
    assert differ == []


@given(st.text(alphabet="data:imgepn/;b64,AZz=+\u0130\u0131\u017f\u212a\\\n x", max_size=60))
def test_data_uri_search_on_any_text(text):
    expected = [(m.span(), m.groups()) for m in _OLD_DATA_URI.finditer(text)]
    assert [(m.span(), m.groups()) for m in images._uri_matches(text, text.lower())] == expected


def test_check_does_not_modify_the_notebook():
    nb = _three_images(tagged=True)
    before = json.dumps(nb, sort_keys=True)
    check(nb, max_kb=0, max_total_kb=0, max_pixels=0)
    assert json.dumps(nb, sort_keys=True) == before


# --- command line ------------------------------------------------------------------


@pytest.fixture
def notebooks(tmp_path):
    big = _write(
        tmp_path / "report.ipynb",
        make_nb(
            markdown("# Report"),
            code("plot()", outputs=[stream("ok\n"), _png_output(300 * KiB, 3200, 2400)]),
        ),
    )
    small = _write(tmp_path / "small.ipynb", make_nb(code("x", outputs=[_png_output(KiB)])))
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{", encoding="utf-8")
    return big, small, str(broken)


def test_main_reports_every_file(notebooks, capsys):
    big, small, broken = notebooks
    assert main([big, small, broken]) == 1
    out, err = capsys.readouterr()
    assert out == (
        f"{big}:cell 2: NBG301 image/png in output 2 is 300 KiB (limit 256 KiB), 3200x2400 px\n"
        f"{broken}: NBG001 invalid JSON: Expecting property name enclosed in double quotes"
        " (line 1, column 2)\n"
    )
    assert err == ""


def test_main_clean_is_quiet(notebooks, capsys):
    _, small, _ = notebooks
    assert main([small]) == 0
    assert capsys.readouterr() == ("", "")


def test_main_options(notebooks, capsys):
    big, small, _ = notebooks
    assert main(["--max-kb", "300", "--max-total-kb=300", big, small]) == 0
    assert main(["--max-kb=1000", "--max-pixels", "1000000", "--max-total-kb", "0", small, big]) == 1
    assert capsys.readouterr().out == (
        f"{small}: NBG302 images total 1 KiB (limit 0 KiB) in 1 image\n"
        f"{big}:cell 2: NBG303 image/png in output 2 is 3200x2400 px"
        " (7680000 px, limit 1000000 px), 300 KiB\n"
        f"{big}: NBG302 images total 300 KiB (limit 0 KiB) in 1 image\n"
    )


def test_main_json(notebooks, capsys):
    big, _, _ = notebooks
    assert main(["--format", "json", "--max-kb", "0", big]) == 1
    assert json.loads(capsys.readouterr().out) == [
        {
            "path": big,
            "cell": 2,
            "line": None,
            "code": "NBG301",
            "check": "images",
            "message": "image/png in output 2 is 300 KiB (limit 0 KiB), 3200x2400 px",
        }
    ]


@pytest.mark.parametrize("value", ["-1", "1.5", "ten", ""])
@pytest.mark.parametrize("option", ["--max-kb", "--max-total-kb", "--max-pixels"])
def test_main_rejects_bad_limits(option, value, notebooks, capsys):
    with pytest.raises(SystemExit) as exc:
        main([f"{option}={value}", notebooks[1]])
    assert exc.value.code == 2
    assert option in capsys.readouterr().err


def test_main_on_a_folder(tmp_path, capsys):
    _write(tmp_path / "a.ipynb", make_nb(code("x", outputs=[_png_output(2 * KiB)])))
    _write(tmp_path / "b.ipynb", make_nb(markdown("no images")))
    assert main(["--max-kb", "1", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert (
        out
        == f"{tmp_path / 'a.ipynb'}:cell 1: NBG301 image/png in output 1 is 2 KiB (limit 1 KiB), 64x48 px\n"
    )


def test_example_notebook_and_manifest_entry():
    example = str(ROOT / "examples" / "large_image.ipynb")
    findings = check(read(example).nb, max_kb=16)
    assert [f.code for f in findings] == ["NBG301"]
    assert check(read(example).nb) == [], "the example is small enough for the default limit"
    manifest = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "- id: nbguard-images\n" in manifest
    assert "  entry: nbguard images\n" in manifest


def _readme_examples() -> list[tuple[list[str], str]]:
    """(arguments, expected output) of each ``$ nbguard images`` line in the README section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### `nbguard-images`", 1)[1].split("\n#", 1)[0]
    examples: list[tuple[list[str], str]] = []
    for block in re.findall(r"```console\n(.*?)```", section, flags=re.DOTALL):
        for command in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            line, _, output = command.partition("\n")
            argv = shlex.split(line)
            assert argv[:2] == ["nbguard", "images"]
            examples.append((argv[2:], output))
    return examples


def test_readme_examples_are_exact(monkeypatch, capsys):
    examples = _readme_examples()
    assert examples
    monkeypatch.chdir(ROOT)
    for argv, expected in examples:
        assert main(argv) == (1 if expected else 0)
        assert capsys.readouterr().out == expected


# --- the real corpus -----------------------------------------------------------------

CORPUS = corpus_notebooks()


@pytest.mark.corpus
def test_corpus_sizes_and_headers_match_decoding():
    images_seen = rasters = 0
    for path in CORPUS:
        try:
            nb = read(str(path)).nb
        except Exception:  # noqa: BLE001, S112 - unreadable files are the runner's business (NBG001)
            continue
        cells = len(iter_cells(nb))
        findings = check(nb, max_kb=0, max_total_kb=0, max_pixels=0)
        assert all(f.cell is None or 1 <= f.cell <= cells for f in findings)
        assert list(iter_images(nb)) == _every_image(nb), path
        for image in iter_images(nb):
            images_seen += 1
            if not image.is_base64:
                assert image.nbytes == len(image.payload.encode("utf-8"))
                continue
            data = base64.b64decode(image.payload)
            assert image.nbytes == len(data), (path, image.where)
            if data.startswith((b"\x89PNG", b"\xff\xd8")):
                rasters += 1
                size = pixel_size(image)
                assert size is not None, (path, image.where)
                assert min(size) > 0, (path, image.where)
    assert images_seen > 0
    assert rasters > 0


@pytest.mark.parametrize(
    ("config", "argv", "expected"),
    [
        ("max-kb = false\n", [], 0),
        ("", ["--max-kb=false"], 0),
        ("max-kb = 1\n", ["--max-kb=false"], 0),
        ("max-kb = false\n", ["--max-kb=1"], 1),
        ("max-kb = 1\n", [], 1),
    ],
)
def test_max_kb_false_switches_the_limit_off(tmp_path, monkeypatch, capsys, config, argv, expected):
    """The README says `false` switches a limit off; max-kb is a limit like the others."""
    from nbfactory import dumps
    from nbguard import cli

    (tmp_path / ".nbguard.toml").write_text(config)
    (tmp_path / "nb.ipynb").write_text(dumps(make_nb(code("plot()", outputs=[_png_output(4 * KiB)], id="c"))))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["images", *argv, "nb.ipynb"]) == expected
    out = capsys.readouterr()
    assert ("NBG301" in out.out) == bool(expected), out
    assert out.err == ""
