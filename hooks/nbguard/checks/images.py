"""``nbguard images``: block notebooks that embed images too large for a repository.

Images are found in ``image/*`` output data, in cell attachments, and as
``data:image/...;base64,`` URIs in markdown sources and in ``text/html`` and
``text/markdown`` outputs. A size is the decoded size in bytes, computed from
the length of the base64 text without decoding it (SVG text counts its UTF-8
bytes), so the check costs little more than parsing. Pixel sizes are read
from image headers only where they are needed (:mod:`nbguard.checks.image_headers`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from nbguard import notebook
from nbguard.checks.image_headers import Base64Bytes, Size, raster_size, svg_size
from nbguard.notebook import Notebook
from nbguard.registry import LIMIT, Check, Code, Option
from nbguard.report.finding import Finding

NAME = "images"
CODE_IMAGE_TOO_LARGE = "NBG301"
CODE_TOTAL_TOO_LARGE = "NBG302"
CODE_TOO_MANY_PIXELS = "NBG303"
ALLOW_TAG = "nbguard:allow-large-image"
DEFAULT_MAX_KB = 256

SVG = "image/svg+xml"
_DISPLAY_OUTPUTS = frozenset({"display_data", "execute_result", "pyout"})
_URI_HOSTS = ("text/html", "text/markdown")  # output data searched for data URIs
# nbformat 3 keeps output data under short keys (nbformat.v4.convert's map).
_V3_IMAGE_KEYS = {"png": "image/png", "jpeg": "image/jpeg", "svg": SVG}
_V3_URI_HOSTS = {"html": "text/html"}
_WHITESPACE = " \t\n\r\f\v"
_PADDING_AND_WHITESPACE = "=" + _WHITESPACE
# The base64 text runs to the first character that cannot belong to it.
# Whitespace inside is allowed, as in wrapped base64, and so is a backslash
# before a line break: JavaScript strings continue that way (matplotlib's
# animation HTML holds its frames in such strings). The base64 characters are
# matched case-sensitively, six times faster over a long image: the class is
# exactly what [a-z0-9+/=\s] matches ignoring case, four non-ASCII letters
# included (dotted I, dotless i, long s, Kelvin sign; see tests/test_images.py).
_BASE64_CHARS = "[A-Za-z0-9+/=\\s\u0130\u0131\u017f\u212a]"
_DATA_URI = re.compile(
    r"data:(image/[a-z0-9.+-]+)(?:;[a-z0-9.+-]+=[^;,\s\"'<>()]*)*;base64,"
    rf"(?-i:({_BASE64_CHARS}*(?:\\\r?\n{_BASE64_CHARS}*)*))",
    re.IGNORECASE,
)
_SVG_PREFIX_BYTES = 65536


class Image(NamedTuple):
    """One embedded image and where the notebook shows it."""

    cell: int  # 1-based, counting every cell as the notebook shows them
    mime: str
    where: str  # e.g. "in output 2", "in attachment photo.png", "data URI in markdown"
    nbytes: int  # decoded size
    payload: str  # base64 text, or SVG text when ``is_base64`` is false
    is_base64: bool
    line: int | None = None  # for data URIs: line within the text that holds them


def base64_size(text: str) -> int:
    """Decoded bytes of base64 text, from its length: whitespace and padding ignored."""
    body = text.rstrip(_PADDING_AND_WHITESPACE)
    count = len(body)
    for char in _WHITESPACE:
        if char in body:  # membership is a fast scan; counting only when needed
            count -= body.count(char)
    return count * 3 // 4


def text_size(text: str) -> int:
    """UTF-8 bytes of a text."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def kib(nbytes: int) -> int:
    """Whole KiB, rounded up (as pre-commit-hooks' check-added-large-files)."""
    return -(-nbytes // 1024)


def _joined(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        try:
            return "".join(value)  # fails unless every item is text; faster than testing each
        except TypeError:
            return None
    return None


def _bundle_image(cell: int, mime: str, value: Any, where: str) -> Image | None:
    text = _joined(value)
    if text is None:
        return None
    # SVG is XML text in outputs, but base64 where a browser stored it (attachments).
    if mime == SVG and "<" in text:
        return Image(cell, mime, where, text_size(text), text, is_base64=False)
    return Image(cell, mime, where, base64_size(text), text, is_base64=True)


def _uri_matches(text: str, lowered: str) -> Iterator[re.Match[str]]:
    """``_DATA_URI.finditer(text)``, given ``text.lower()``: the expression alone
    tries a match at every position (4 ns a character), str.find skips to each
    "data:". ``d``, ``a``, ``t`` and ``:`` match ignoring case exactly the
    characters that lower-case to them, so the starts are the same."""
    if len(lowered) != len(text):  # a character lower-cased to several: offsets differ
        yield from _DATA_URI.finditer(text)
        return
    start = lowered.find("data:")
    while start >= 0:
        match = _DATA_URI.match(text, start)
        if match is not None:
            yield match
        start = lowered.find("data:", match.end() if match is not None else start + 1)


def _data_uris(cell: int, text: str, where: str) -> Iterator[Image]:
    # Cheap tests first. Lower-casing makes a ";" of nothing else, and a
    # one-character search runs at memchr speed: most texts are never lower-cased.
    if ";" not in text:
        return
    lowered = text.lower()
    if ";base64," not in lowered:
        return
    for match in _uri_matches(text, lowered):
        payload = match.group(2)
        if "\\" in payload:
            payload = payload.replace("\\", "")
        yield Image(
            cell,
            match.group(1).lower(),
            f"data URI in {where}",
            base64_size(payload),
            payload,
            is_base64=True,
            line=text.count("\n", 0, match.start()) + 1,
        )


# One walk over the outputs of both nbformat versions: branchy, but in one place.
def _output_images(cell: int, outputs: list[Any], major: int) -> Iterator[Image]:  # noqa: C901, PLR0912
    for index, output in enumerate(outputs, start=1):
        if output.get("output_type") not in _DISPLAY_OUTPUTS:
            continue
        where = f"output {index}"
        if major == 3:
            for key, mime in _V3_IMAGE_KEYS.items():
                if key in output:
                    image = _bundle_image(cell, mime, output[key], f"in {where}")
                    if image is not None:
                        yield image
            for key, mime in _V3_URI_HOSTS.items():
                text = _joined(output.get(key))
                if text is not None:
                    yield from _data_uris(cell, text, f"{where} {mime}")
            continue
        data = output.get("data")
        if not isinstance(data, dict):
            continue
        for mime, value in data.items():
            if mime.startswith("image/"):
                image = _bundle_image(cell, mime, value, f"in {where}")
                if image is not None:
                    yield image
            elif mime in _URI_HOSTS:
                text = _joined(value)
                if text is not None:
                    yield from _data_uris(cell, text, f"{where} {mime}")


def _printable(name: str) -> str:
    return name if name.isprintable() and name.strip() == name and name else repr(name)


def cell_images(cell: dict[str, Any], number: int, major: int = 4) -> Iterator[Image]:
    """Every image embedded in one cell (``number`` is its 1-based position)."""
    outputs = cell.get("outputs")
    if isinstance(outputs, list) and outputs:
        yield from _output_images(number, outputs, major)
    attachments = cell.get("attachments")
    if isinstance(attachments, dict):
        for name, bundle in attachments.items():
            if not isinstance(bundle, dict):
                continue
            for mime, value in bundle.items():
                if isinstance(mime, str) and mime.startswith("image/"):
                    where = f"in attachment {_printable(str(name))}"
                    image = _bundle_image(number, mime, value, where)
                    if image is not None:
                        yield image
    if cell.get("cell_type") == "markdown":
        source = _joined(cell.get("source"))
        if source is not None:
            yield from _data_uris(number, source, "markdown")


def allowed(cell: dict[str, Any]) -> bool:
    """Whether the cell carries the tag that lets its images through."""
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return isinstance(tags, list) and ALLOW_TAG in tags


def may_hold_images(cell: dict[str, Any]) -> bool:
    """False only for a cell in which :func:`cell_images` finds nothing (and raises
    nothing): one without outputs or attachments, unless it is markdown that may
    hold a data URI. Most cells of a stripped notebook are settled here."""
    if cell.get("outputs") or cell.get("attachments"):
        return True
    if cell.get("cell_type") != "markdown":
        return False
    source = _joined(cell.get("source"))
    return source is not None and ";" in source  # every data URI holds ";base64," (see _data_uris)


def iter_images(nb: Notebook) -> Iterator[Image]:
    """Every image in the notebook, except in cells tagged ``nbguard:allow-large-image``."""
    major = notebook.layout_of(nb)
    for number, cell in enumerate(notebook.iter_cells(nb), start=1):
        # The cheap test first: tags are looked up only where an image may be.
        if may_hold_images(cell) and not allowed(cell):
            yield from cell_images(cell, number, major)


def pixel_size(image: Image) -> Size | None:
    """Width and height from the image's header, or None when not known."""
    if not image.is_base64:
        return svg_size(image.payload)
    data = Base64Bytes(image.payload)
    if image.mime == SVG:
        return svg_size(data.read(0, _SVG_PREFIX_BYTES).decode("utf-8", "replace"))
    return raster_size(data.read)


def _image_finding(
    image: Image, max_kb: int | None, max_pixels: int | None, size: Size | None
) -> Finding | None:
    too_large = max_kb is not None and kib(image.nbytes) > max_kb
    pixels = size[0] * size[1] if size is not None else None
    too_many = max_pixels is not None and pixels is not None and pixels > max_pixels
    if not (too_large or too_many):
        return None
    byte_part = f"{kib(image.nbytes)} KiB"
    if too_large:
        byte_part += f" (limit {max_kb} KiB)"
    pixel_part = ""
    if size is not None:
        pixel_part = f"{size[0]}x{size[1]} px"
        if too_many:
            pixel_part += f" ({pixels} px, limit {max_pixels} px)"
    if too_large:
        code, parts = CODE_IMAGE_TOO_LARGE, [byte_part, pixel_part]
    else:
        code, parts = CODE_TOO_MANY_PIXELS, [pixel_part, byte_part]
    described = ", ".join(p for p in parts if p)
    return Finding(
        code,
        f"{image.mime} {image.where} is {described}",
        cell=image.cell,
        line=image.line,
        check=NAME,
        part=_part(image),
    )


def _part(image: Image) -> str:
    """The part of its cell an image is in, as :class:`nbguard.notebook.Part` names it
    (a bundle image: its own mimetype of the output or attachment)."""
    where = image.where.removeprefix("data URI in ").removeprefix("in ")
    if where == "markdown":
        return "source"
    return where if image.line is not None else f"{where} {image.mime}"


def check(
    nb: Notebook,
    *,
    max_kb: int | None = DEFAULT_MAX_KB,
    max_total_kb: int | None = None,
    max_pixels: int | None = None,
) -> list[Finding]:
    """One finding per image over ``max_kb`` KiB or ``max_pixels`` pixels (width x height),
    and one for the notebook when all its images add up to more than ``max_total_kb`` KiB.

    Sizes are compared in whole KiB rounded up, with ``>``. Cells tagged
    ``nbguard:allow-large-image`` are left out of every limit, the total included.
    """
    findings: list[Finding] = []
    total = count = 0
    for image in iter_images(nb):
        total += image.nbytes
        count += 1
        over = max_kb is not None and kib(image.nbytes) > max_kb
        # Headers are read only for images that are reported, or that a pixel limit needs.
        size = pixel_size(image) if over or max_pixels is not None else None
        finding = _image_finding(image, max_kb, max_pixels, size)
        if finding is not None:
            findings.append(finding)
    if max_total_kb is not None and kib(total) > max_total_kb:
        findings.append(
            Finding(
                CODE_TOTAL_TOO_LARGE,
                f"images total {kib(total)} KiB (limit {max_total_kb} KiB)"
                f" in {count} image{'' if count == 1 else 's'}",
                check=NAME,
            )
        )
    return findings


# --- declaration -------------------------------------------------------------


def build(settings: Mapping[str, Any]) -> Callable[[Notebook], list[Finding]]:
    return functools.partial(
        check,
        max_kb=settings["max-kb"],
        max_total_kb=settings["max-total-kb"],
        max_pixels=settings["max-pixels"],
    )


CHECK = Check(
    name=NAME,
    help="block embedded images over a size or pixel limit",
    codes=(
        Code(
            CODE_IMAGE_TOO_LARGE,
            "An embedded image is over the size limit",
            f"Shrink it (lower dpi, JPEG, fewer points), strip the output, or tag the cell `{ALLOW_TAG}`",
            description="An embedded image is larger than `--max-kb` (default 256 KiB).",
            level="warning",
        ),
        Code(
            CODE_TOTAL_TOO_LARGE,
            "The notebook's images are over the total size limit",
            "As for NBG301, for some of the images",
            description="All images of the notebook add up to more than `--max-total-kb`.",
            level="warning",
        ),
        Code(
            CODE_TOO_MANY_PIXELS,
            "An embedded image has too many pixels",
            f"Render it smaller (figure size, dpi), or tag the cell `{ALLOW_TAG}`",
            description="An embedded image has more pixels (width x height) than `--max-pixels`.",
            level="warning",
        ),
    ),
    options=(
        Option(
            "max-kb",
            LIMIT,
            DEFAULT_MAX_KB,
            "largest decoded size of one image, in KiB (false: no limit)",
            expected_text="a whole number of KiB, or false",
        ),
        Option(
            "max-total-kb",
            LIMIT,
            None,
            "largest size of all images of one notebook together, in KiB (default: no limit)",
            expected_text="a whole number of KiB, or false",
        ),
        Option(
            "max-pixels",
            LIMIT,
            None,
            "largest width x height of one image, from its header (default: no limit)",
            expected_text="a whole number of pixels, or false",
        ),
    ),
    build=build,
    group="image limits (KiB = 1024 bytes, rounded up; a limit is exceeded by >)",
)
