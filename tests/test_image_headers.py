from __future__ import annotations

import base64
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nbguard.checks.image_headers import (
    Base64Bytes,
    bmp_size,
    bytes_reader,
    gif_size,
    jpeg_size,
    png_size,
    raster_size,
    svg_size,
    webp_size,
)

# Real 7x5 images, written by Pillow 13 (tiny qualities, to keep them short).
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAcAAAAFCAIAAAAG+GGPAAAAFElEQVR4nGM8ISfHgAGYMIWoIgoAcO4BDp5SBC0AAAAASUVORK5CYII="
)
JPEG = (  # baseline (SOF0), greyscale, JFIF
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAKBueIx4ZKCMgoy0qqC+8P//8Nzc8P//////////////////////////"
    "////////////////////////////////wAALCAAFAAcBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcI"
    "CQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcY"
    "GRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKj"
    "pKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/AG1/"
    "/9k="
)
GIF = "R0lGODdhBwAFAIEAAMgeHgAAAAAAAAAAACwAAAAABwAFAAAIDAABCBxIsKDBgwcDAgA7"
WEBP_LOSSY = "UklGRjAAAABXRUJQVlA4ICQAAABwAQCdASoHAAUACQCsJaACdAFAAAD+4LkJj0Vr+1PsI78AEAA="
WEBP_LOSSLESS = "UklGRh4AAABXRUJQVlA4TBEAAAAvBgABAAdQjyLXo/+BiOh/AAA="
WEBP_EXTENDED = (  # VP8X: has an alpha channel
    "UklGRlgAAABXRUJQVlA4WAoAAAAQAAAABgAABAAAQUxQSA0AAAABDzD/ERHifn8R/Q8PAFZQOCAkAAAAcAEAnQEq"
    "BwAFAAkArCWgAnQBQAAA/uC5CY9Fa/tT7CO/ABAA"
)
BMP = (
    "Qk2uAAAAAAAAADYAAAAoAAAABwAAAAUAAAABABgAAAAAAHgAAADEDgAAxA4AAAAAAAAAAAAAHh7IHh7IHh7IHh7I"
    "Hh7IHh7IHh7IAAAAHh7IHh7IHh7IHh7IHh7IHh7IHh7IAAAAHh7IHh7IHh7IHh7IHh7IHh7IHh7IAAAAHh7IHh7I"
    "Hh7IHh7IHh7IHh7IHh7IAAAAHh7IHh7IHh7IHh7IHh7IHh7IHh7IAAAA"
)

REAL = [
    (png_size, PNG),
    (jpeg_size, JPEG),
    (gif_size, GIF),
    (webp_size, WEBP_LOSSY),
    (webp_size, WEBP_LOSSLESS),
    (webp_size, WEBP_EXTENDED),
    (bmp_size, BMP),
]
READERS = [png_size, jpeg_size, gif_size, webp_size, bmp_size]


def _reader(data: bytes):
    return bytes_reader(data)


@pytest.mark.parametrize(("reader", "text"), REAL)
def test_real_images(reader, text):
    assert reader(_reader(base64.b64decode(text))) == (7, 5)
    assert reader(Base64Bytes(text).read) == (7, 5), "straight from the base64 text"
    assert raster_size(Base64Bytes(text).read) == (7, 5), "told apart by signature"


@pytest.mark.parametrize(("reader", "text"), REAL)
def test_other_formats_are_not_mistaken(reader, text):
    data = base64.b64decode(text)
    for other in READERS:
        if other is not reader:
            assert other(_reader(data)) is None


def _jpeg_header_length(data: bytes) -> int:
    return data.index(b"\xff\xc0") + 9  # marker, length, precision, height, width


HEADER_LENGTHS = [24, _jpeg_header_length(base64.b64decode(JPEG)), 10, 30, 25, 30, 26]


@pytest.mark.parametrize(
    ("reader", "text", "length"), [(*r, n) for r, n in zip(REAL, HEADER_LENGTHS, strict=True)]
)
def test_only_the_header_is_needed(reader, text, length):
    data = base64.b64decode(text)
    assert reader(_reader(data[:length])) == (7, 5)
    for cut in range(length):
        assert reader(_reader(data[:cut])) is None, cut


def _png(width: int, height: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", width, height) + b"\x08\x02"


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def _jpeg(*segments: bytes) -> bytes:
    return b"\xff\xd8" + b"".join(segments) + b"\xff\xd9"


def _sof(marker: int, width: int, height: int) -> bytes:
    return _segment(marker, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")


APP0 = _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
DHT = _segment(0xC4, b"\x00" * 17)
SOS = _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")

CRAFTED = [
    ("png huge", png_size, _png(20000, 30000), (20000, 30000)),
    ("png max", png_size, _png(2**31 - 1, 1), (2**31 - 1, 1)),
    ("png without IHDR", png_size, _png(1, 1).replace(b"IHDR", b"IDAT"), None),
    ("gif89a", gif_size, b"GIF89a" + struct.pack("<HH", 640, 480), (640, 480)),
    ("gif bad version", gif_size, b"GIF90a" + struct.pack("<HH", 640, 480), None),
    ("jpeg sof0", jpeg_size, _jpeg(APP0, _sof(0xC0, 3200, 2400), SOS), (3200, 2400)),
    ("jpeg sof2 after dht", jpeg_size, _jpeg(APP0, DHT, _sof(0xC2, 640, 480)), (640, 480)),
    ("jpeg sof15", jpeg_size, _jpeg(_sof(0xCF, 9, 8)), (9, 8)),
    (
        "jpeg large exif first",
        jpeg_size,
        _jpeg(APP0, _segment(0xE1, b"Exif\x00\x00" + b"\xaa" * 65000), _sof(0xC1, 4000, 3000)),
        (4000, 3000),
    ),
    ("jpeg fill bytes", jpeg_size, _jpeg(b"\xff\xff\xff", _sof(0xC0, 5, 6)), (5, 6)),
    ("jpeg standalone marker", jpeg_size, _jpeg(b"\xff\xd0", _sof(0xC0, 5, 6)), (5, 6)),
    ("jpeg sos before sof", jpeg_size, _jpeg(APP0, SOS, _sof(0xC0, 5, 6)), None),
    ("jpeg height from dnl", jpeg_size, _jpeg(_sof(0xC0, 5, 0)), None),
    ("jpeg bad length", jpeg_size, b"\xff\xd8\xff\xe0\x00\x01", None),
    ("jpeg garbage after soi", jpeg_size, b"\xff\xd8\x00\x00\x00\x00", None),
    ("jpeg cut in sof", jpeg_size, _jpeg(_sof(0xC0, 5, 6))[:8], None),
    ("jpeg only soi", jpeg_size, b"\xff\xd8", None),
    (
        "webp lossy 14-bit sizes",
        webp_size,
        b"RIFF\x00\x00\x00\x00WEBPVP8 \x00\x00\x00\x00\x00\x00\x00\x9d\x01\x2a"
        + struct.pack("<HH", 0xC000 | 16383, 1000),
        (16383, 1000),
    ),
    (
        "webp lossless",
        webp_size,
        b"RIFF\x00\x00\x00\x00WEBPVP8L\x00\x00\x00\x00\x2f" + struct.pack("<I", (1000 - 1) | (700 - 1) << 14),
        (1000, 700),
    ),
    (
        "webp extended 24-bit sizes",
        webp_size,
        b"RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x10\x00\x00\x00"
        + (20000 - 1).to_bytes(3, "little")
        + (16777216 - 1).to_bytes(3, "little"),
        (20000, 16777216),
    ),
    ("webp unknown chunk", webp_size, b"RIFF\x00\x00\x00\x00WEBPVP9 " + b"\x00" * 20, None),
    ("riff but not webp", webp_size, b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x00" * 20, None),
    (
        "bmp top-down",
        bmp_size,
        b"BM" + b"\x00" * 12 + struct.pack("<Iii", 40, 300, -200),
        (300, 200),
    ),
    (
        "bmp os/2 core header",
        bmp_size,
        b"BM" + b"\x00" * 12 + struct.pack("<IHH", 12, 64, 32),
        (64, 32),
    ),
    ("bmp bad header size", bmp_size, b"BM" + b"\x00" * 12 + struct.pack("<Iii", 2, 3, 4), None),
]


@pytest.mark.parametrize(
    ("reader", "data", "expected"), [c[1:] for c in CRAFTED], ids=[c[0] for c in CRAFTED]
)
def test_crafted_headers(reader, data, expected):
    assert reader(_reader(data)) == expected
    assert raster_size(_reader(data)) == expected


def test_real_jpeg_with_frame_marker_changed_to_progressive():
    data = base64.b64decode(JPEG)
    sof = data.index(b"\xff\xc0")
    progressive = data[:sof] + b"\xff\xc2" + data[sof + 2 :]
    assert jpeg_size(_reader(progressive)) == (7, 5)


def test_jpeg_reads_past_a_large_segment_in_base64():
    data = _jpeg(APP0, _segment(0xE1, b"\x00" * 60000), _sof(0xC0, 123, 45))
    wrapped = "\n".join(base64.encodebytes(data).decode().splitlines())
    assert jpeg_size(Base64Bytes(wrapped).read) == (123, 45)


def test_raster_size_of_other_data_is_none():
    for data in (b"", b"<svg/>", b"II*\x00" + b"\x00" * 40, b"\x00" * 64):
        assert raster_size(_reader(data)) is None


# --- random access to base64 -------------------------------------------------


@given(
    data=st.binary(max_size=200),
    width=st.integers(min_value=0, max_value=80),
    offset=st.integers(min_value=0, max_value=210),
    size=st.integers(min_value=0, max_value=50),
    padded=st.booleans(),
)
def test_base64_bytes_reads_like_a_slice(data, width, offset, size, padded):
    text = base64.b64encode(data).decode()
    if not padded:
        text = text.rstrip("=")
    if width:
        text = "\r\n".join(text[i : i + width] for i in range(0, len(text), width)) + "\n"
    assert Base64Bytes(text).read(offset, size) == data[offset : offset + size]


@pytest.mark.parametrize("text", ["", "A", "!!!!", "QUJD="])
def test_base64_bytes_never_raises_on_bad_text(text):
    assert isinstance(Base64Bytes(text).read(0, 10), bytes)


def test_base64_bytes_negative_offset_is_empty():
    assert Base64Bytes("QUJD").read(-1, 2) == b""


# --- SVG ---------------------------------------------------------------------

MATPLOTLIB_SVG = """<?xml version="1.0" encoding="utf-8" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"
  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="460.8pt" height="345.6pt"
 viewBox="0 0 460.8 345.6" xmlns="http://www.w3.org/2000/svg" version="1.1">
 <metadata><rdf:RDF width="1"/></metadata>
</svg>
"""
GRAPHVIZ_SVG = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Generated by graphviz version 2.49.1 (0) -->
<svg width="360pt" height="314pt"
 viewBox="0.00 0.00 360.00 314.00" xmlns="http://www.w3.org/2000/svg">
<g id="graph0" class="graph" transform="scale(1 1)"></g></svg>
"""

SVG_CASES = [
    ("matplotlib, pt", MATPLOTLIB_SVG, (614, 461)),
    ("graphviz, pt", GRAPHVIZ_SVG, (480, 419)),
    ("px", '<svg height="300px" width="450px" viewBox="0 0 9 9"></svg>', (450, 300)),
    ("unitless", "<svg width='20' height='10'/>", (20, 10)),
    ("inches and cm", '<svg width="2in" height="2.54cm">', (192, 96)),
    ("mm and pc", '<svg width="254mm" height="1pc">', (960, 16)),
    ("exponent", '<svg width="1e3" height="2E2">', (1000, 200)),
    ("viewBox only", '<svg viewBox="-10 -10 800 600">', (800, 600)),
    ("viewBox with commas", '<svg viewBox="0,0,80,60">', (80, 60)),
    ("width and viewBox", '<svg width="400" viewBox="0 0 800 600">', (400, 300)),
    ("height and viewBox", '<svg height="300" viewBox="0 0 800 600">', (400, 300)),
    ("percent falls back to viewBox", '<svg width="100%" height="100%" viewBox="0 0 8 6">', (8, 6)),
    ("em without viewBox", '<svg width="10em" height="5em">', None),
    ("stroke-width is not width", '<svg stroke-width="3" height="4" viewBox="0 0 8 4">', (8, 4)),
    (
        "namespaced root",
        '<svg:svg xmlns:svg="http://www.w3.org/2000/svg" width="5" height="6">',
        (5, 6),
    ),
    ("child sizes ignored", '<svg viewBox="0 0 8 6"><rect width="99" height="99"/></svg>', (8, 6)),
    ("no size at all", "<svg><circle r='3'/></svg>", None),
    ("zero size", '<svg width="0" height="0">', None),
    ("bad viewBox", '<svg viewBox="0 0 8">', None),
    ("viewBox not numbers", '<svg viewBox="0 0 eight six">', None),
    ("not svg", "<svgx width='1' height='1'>", None),
    ("not svg at all", "hello", None),
    ("tiny rounds up to 1", '<svg width="0.2" height="0.4">', (1, 1)),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in SVG_CASES], ids=[c[0] for c in SVG_CASES])
def test_svg_size(text, expected):
    assert svg_size(text) == expected


def test_jpeg_gives_up_after_a_thousand_segments_before_the_frame():
    sof = b"\xff\xc0\x00\x11\x08" + struct.pack(">HH", 5, 7)
    app = b"\xff\xe0\x00\x02"  # an empty APP0 segment
    assert jpeg_size(_reader(b"\xff\xd8" + app * 999 + sof)) == (7, 5)
    assert jpeg_size(_reader(b"\xff\xd8" + app * 1000 + sof)) is None
