"""Pixel sizes read from image headers, without Pillow and without decoding whole images.

Raster readers take a :data:`ByteReader`, ``read(offset, size) -> bytes``, so
that an embedded base64 image is decoded only where a header is read
(:class:`Base64Bytes`): a few dozen bytes for PNG, GIF, WebP and BMP, the
segments up to the frame header for JPEG. Every reader returns
``(width, height)`` or None when the data is not that format or is cut short.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable

ByteReader = Callable[[int, int], bytes]
Size = tuple[int, int]

_WHITESPACE = " \t\n\r\f\v"


def bytes_reader(data: bytes) -> ByteReader:
    """A reader over bytes already in memory."""
    return lambda offset, size: data[offset : offset + size]


class Base64Bytes:
    """Random access to the bytes a base64 text stands for, decoding only what is read."""

    def __init__(self, text: str) -> None:
        # Wrapped base64 (older IPython) is compacted once, so that a byte
        # offset maps to a character offset.
        if any(c in text for c in _WHITESPACE):
            text = "".join(text.split())
        self._text = text

    def read(self, offset: int, size: int) -> bytes:
        if offset < 0 or size <= 0:
            return b""
        start = offset // 3 * 4
        stop = -(-(offset + size) // 3) * 4
        chunk = self._text[start:stop]
        chunk += "=" * (-len(chunk) % 4)
        try:
            data = binascii.a2b_base64(chunk)
        except (binascii.Error, ValueError):
            return b""
        skip = offset - start // 4 * 3
        return data[skip : skip + size]


def png_size(read: ByteReader) -> Size | None:
    head = read(0, 24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def gif_size(read: ByteReader) -> Size | None:
    head = read(0, 10)
    if len(head) < 10 or head[:6] not in (b"GIF87a", b"GIF89a"):
        return None
    return int.from_bytes(head[6:8], "little"), int.from_bytes(head[8:10], "little")


def webp_size(read: ByteReader) -> Size | None:
    head = read(0, 30)
    if len(head) < 16 or head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        return None
    chunk = head[12:16]
    if chunk == b"VP8 " and len(head) >= 30 and head[23:26] == b"\x9d\x01\x2a":
        # Lossy: 14-bit sizes after the key-frame start code (RFC 6386, 9.1).
        width = int.from_bytes(head[26:28], "little") & 0x3FFF
        height = int.from_bytes(head[28:30], "little") & 0x3FFF
        return width, height
    if chunk == b"VP8L" and len(head) >= 25 and head[20] == 0x2F:
        # Lossless: 14 bits width - 1, then 14 bits height - 1.
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(head) >= 30:
        # Extended: 24-bit canvas width - 1 and height - 1.
        return int.from_bytes(head[24:27], "little") + 1, int.from_bytes(head[27:30], "little") + 1
    return None


def bmp_size(read: ByteReader) -> Size | None:
    head = read(0, 26)
    if len(head) < 22 or head[:2] != b"BM":
        return None
    header_size = int.from_bytes(head[14:18], "little")
    if header_size == 12:  # OS/2 BITMAPCOREHEADER: unsigned 16-bit sizes
        return int.from_bytes(head[18:20], "little"), int.from_bytes(head[20:22], "little")
    if header_size < 16 or len(head) < 26:
        return None
    width = int.from_bytes(head[18:22], "little", signed=True)
    height = int.from_bytes(head[22:26], "little", signed=True)
    return abs(width), abs(height)  # negative height: rows stored top-down


# Start-of-frame markers carry the size: C0-CF except DHT (C4), JPG (C8), DAC (CC).
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RST0-7: no length
_JPEG_MAX_SEGMENTS = 1000


def jpeg_size(read: ByteReader) -> Size | None:  # noqa: PLR0911 - one return per way a header ends
    """Walk the segments after SOI up to the first SOF marker; stop at SOS or EOI."""
    if read(0, 2) != b"\xff\xd8":
        return None
    pos = 2
    for _ in range(_JPEG_MAX_SEGMENTS):
        head = read(pos, 4)
        if len(head) < 2 or head[0] != 0xFF:
            return None
        marker = head[1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker in _JPEG_STANDALONE:
            pos += 2
            continue
        if marker in (0xD8, 0xD9, 0xDA) or len(head) < 4:
            return None  # SOI again, EOI or start of scan before any frame header
        length = int.from_bytes(head[2:4], "big")
        if length < 2:
            return None
        if marker in _JPEG_SOF:
            frame = read(pos + 5, 4)  # after length (2) and sample precision (1)
            if len(frame) < 4:
                return None
            height, width = int.from_bytes(frame[:2], "big"), int.from_bytes(frame[2:], "big")
            # A height of 0 is defined later by a DNL segment: not known from the header.
            return (width, height) if width and height else None
        pos += 2 + length
    return None


_RASTER_READERS = (png_size, jpeg_size, gif_size, webp_size, bmp_size)


def raster_size(read: ByteReader) -> Size | None:
    """The size of a PNG, JPEG, GIF, WebP or BMP image, told apart by its signature."""
    for reader in _RASTER_READERS:
        size = reader(read)
        if size is not None:
            return size
    return None


# --- SVG -------------------------------------------------------------------

_SVG_TAG = re.compile(r"<(?:[\w.-]+:)?svg(?=[\s/>])[^>]*>", re.IGNORECASE)
_SVG_ATTRIBUTE = re.compile(
    r"""(?<![\w:.-])(width|height|viewBox)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE
)
_LENGTH = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([a-zA-Z]*)\s*")
# CSS pixels per unit; em, ex and % depend on the page and stay unknown.
_PX_PER_UNIT = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54}
_PX_PER_UNIT["mm"] = _PX_PER_UNIT["cm"] / 10
_SVG_SEARCH_LIMIT = 65536  # the root tag follows at most a prolog, comments and a DOCTYPE


def _svg_length(text: str) -> float | None:
    match = _LENGTH.fullmatch(text)
    if match is None:
        return None
    scale = _PX_PER_UNIT.get(match.group(2).lower())
    value = float(match.group(1))
    return value * scale if scale is not None and value > 0 else None


def _view_box(text: str) -> tuple[float, float] | None:
    parts = text.replace(",", " ").split()
    if len(parts) != 4:
        return None
    try:
        width, height = float(parts[2]), float(parts[3])
    except ValueError:
        return None
    return (width, height) if width > 0 and height > 0 else None


def svg_size(text: str) -> Size | None:
    """CSS pixel size from the root element's width and height, or its viewBox.

    A missing or relative width or height is derived from the viewBox's aspect ratio.
    """
    tag = _SVG_TAG.search(text, 0, _SVG_SEARCH_LIMIT)
    if tag is None:
        return None
    attributes = {
        m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
        for m in _SVG_ATTRIBUTE.finditer(tag.group(0))
    }
    width = _svg_length(attributes.get("width", ""))
    height = _svg_length(attributes.get("height", ""))
    box = _view_box(attributes.get("viewbox", ""))
    if box is not None:
        if width is None and height is None:
            width, height = box
        elif width is None and height is not None:
            width = height * box[0] / box[1]
        elif height is None and width is not None:
            height = width * box[1] / box[0]
    if width is None or height is None:
        return None
    return max(1, round(width)), max(1, round(height))
