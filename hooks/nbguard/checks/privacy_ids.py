"""Phone numbers and national identifiers for ``nbguard privacy``.

Both are validated by heavy libraries (``phonenumbers``, ``python-stdnum``), imported
only once a cheap pattern has found a candidate: a notebook without one never loads
them. Precision comes from format or context, never from digits alone:

- a phone number is written in the international ``+`` form, or follows a phone label
  (``Phone:``, ``tel``, a ``phone`` column of a table), and ``is_valid_number`` holds;
  fictional and documentation numbers (US 555-01xx, the UK's drama ranges) are not findings;
- a national identifier is written in its own format (``123-45-6789``, ``390.533.447-05``,
  ``2345 6789 0123``, ``AB 12 34 56 C``) or follows its label (``SSN``, ``BSN``, ``CPF``,
  ``Steuer-ID``...), and its checksum or rules hold (python-stdnum).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from nbguard.lazyre import Pattern

# (offset, what it is (masked), the value); the caller adds the code.
IdHit = tuple[int, str, str]

# --- phone numbers -------------------------------------------------------------------

# The international form: + and 7 to 15 digits with the usual separators.
_PLUS_PHONE = Pattern(r"\+(?<![\w.+]\+)\d(?:[ .\-/]?\(?\d\)?){6,16}(?![\w+])")
# A phone label, then (on the same line, a few characters on) a national number.
_PHONE_LABEL = Pattern(
    r"(?<![a-z])(?:phone|telephone|tel|mobile|cell ?phone|fax|t[ée]l[ée]phone|telefon|telefono|"
    r"telefone|handy|portable|contact ?number)(?:[ _-]?(?:no|number|nr|num))?(?![a-z])"
)  # for lower-cased text, as _label's
_NATIONAL_PHONE = Pattern(r"\(?\d(?<![\w.]\d)(?:[ .\-/]?\(?\d\)?){6,13}(?![\w.]\d|\w)")
# A date or a time is not a phone number.
_DATE_LIKE = Pattern(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d:\d\d")
# The regions a national number (no + prefix) is tried in, in this order.
_NATIONAL_REGIONS = ("US", "GB", "DE", "FR", "IN", "BR", "NL", "CA", "AU")
# Numbers set aside for fiction and documentation: US 555-0100 to 555-0199 (any area
# code); UK Ofcom's drama ranges (020 7946 0xxx, 0113 496 0xxx, 07700 900xxx ...).
_FICTIONAL = Pattern(
    r"^(?:1?\d{3}55501\d\d|44(?:2079460|1134960|1174960|1314960|1514960|2890180|7700900)\d{3})$"
)


def _national_shape(candidate: str) -> bool:
    """A national number as written with its area code (10 to 12 digits), not a date,
    a time, a Unix time or a decimal number."""
    digits = sum(char.isdigit() for char in candidate)
    decimal = candidate.count(".") == 1 and not re.search(r"[ ()/-]", candidate)
    unix_time = candidate.isdigit() and len(candidate) == 10 and candidate[0] == "1"  # 2001 to 2033
    return 10 <= digits <= 12 and not decimal and not unix_time and not _DATE_LIKE.search(candidate)


def _phone_masked(digits: str) -> str:
    return f"a phone number (*** ** {digits[-2:]})"


def _line_prefix(text: str, offset: int, width: int = 60) -> str:
    """The text before ``offset`` on its line (at most ``width`` characters), lower-cased."""
    start = max(text.rfind("\n", 0, offset) + 1, offset - width)
    return text[start:offset].lower()


def _header_labels(text: str, label: Pattern) -> bool:
    """A table in ``text`` has a column with this label: in its first line when that holds
    no digit and more lines follow (``df.head()``'s text), or in a ``<th>`` (a DataFrame's HTML)."""
    first, newline, _ = text.partition("\n")
    if newline and label.search(first.lower()) and not any(char.isdigit() for char in first):
        return True  # a header line: column names, no values
    return "<th" in text and any(
        label.search(th.lower()) for th in re.findall(r"<th[^>]*>([^<]{0,80})</th>", text)
    )


# Substrings every phone label holds: a case-insensitive pattern costs a scan of every
# text, a lower-cased copy and a few substring searches much less.
_PHONE_KEYWORDS = ("phone", "tel", "mobile", "fax", "handy", "portable", "contact")


def phones(text: str) -> Iterator[IdHit]:
    plus = "+" in text and _PLUS_PHONE.search(text) is not None
    lower = text.lower()
    labelled = any(k in lower for k in _PHONE_KEYWORDS) and _PHONE_LABEL.search(lower) is not None
    if not plus and not labelled:
        return  # no candidate: phonenumbers is not imported
    try:
        import phonenumbers
    except ImportError:
        yield -1, "phone numbers were not checked: the phonenumbers package is missing", ""
        return
    candidates: list[tuple[int, str, tuple[str | None, ...]]] = []
    if plus:
        candidates += [(m.start(), m[0], (None,)) for m in _PLUS_PHONE.finditer(text)]
    if labelled:
        column = _header_labels(text, _PHONE_LABEL)
        for m in _NATIONAL_PHONE.finditer(text):
            if text[m.start() - 1 : m.start()] == "+" or not _national_shape(m[0]):
                continue
            if column or _PHONE_LABEL.search(_line_prefix(text, m.start())):
                candidates.append((m.start(), m[0], _NATIONAL_REGIONS))
    for offset, candidate, regions in candidates:
        digits = _valid_phone(phonenumbers, candidate, regions)
        if digits and not _FICTIONAL.match(digits):
            yield offset, _phone_masked(digits), digits


def _valid_phone(phonenumbers: Any, candidate: str, regions: tuple[str | None, ...]) -> str:
    """The number's digits with its country code if it is a valid number in one of
    ``regions`` (None: the + form names its country), else ''."""
    for region in regions:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return f"{number.country_code}{number.national_number}"
    return ""


# --- national identifiers -------------------------------------------------------------------


def _label(words: str) -> Pattern:
    """A label's pattern, for lower-cased text (a case-insensitive pattern scans slower)."""
    return Pattern(rf"(?<![a-z]){words}(?![a-z])")


# One entry per identifier: its name, the python-stdnum module that validates it, the
# pattern of its own format (valid on its own), and the label a bare number needs.
_IDS: tuple[tuple[str, str, Pattern, Pattern], ...] = (
    (
        "US SSN",
        "stdnum.us.ssn",
        Pattern(r"\d(?<![\w.-]\d)\d\d(-?)\d\d\1\d{4}(?![\w-])"),
        _label(r"(?:ssn|social[ _-]?security(?:[ _-]?(?:no|number))?)"),
    ),
    (
        "Brazilian CPF",
        "stdnum.br.cpf",
        Pattern(r"\d(?<![\w.-]\d)\d\d(\.?)\d{3}\1\d{3}-?\d\d(?![\w-])"),
        _label("cpf"),
    ),
    (
        "Indian Aadhaar",
        "stdnum.in_.aadhaar",
        Pattern(r"[2-9](?<![\w.-][2-9])\d{3}([ -]?)\d{4}\1\d{4}(?![\w-]|[ -]\d)"),
        _label(r"(?:aadhaa?r|uidai)"),
    ),
    (
        "German tax id",
        "stdnum.de.idnr",
        Pattern(r"\d(?<![\w.-]\d)\d ?\d{3} ?\d{3} ?\d{3}(?![\w-]|[ -]\d)"),
        _label(r"(?:steuer[ _-]?id|idnr|steuer[ _-]?identifikationsnummer|tax[ _-]?id)"),
    ),
    (
        "French NIR",
        "stdnum.fr.nir",
        Pattern(r"[12](?<![\w.-][12]) ?\d\d ?\d\d ?(?:\d\d|2[AB]) ?\d{3} ?\d{3} ?\d\d(?![\w-]|[ -]\d)"),
        _label(r"(?:nir|insee|s[ée]curit[ée][ _-]sociale|num[ée]ro de s[ée]cu)"),
    ),
    (
        "Dutch BSN",
        "stdnum.nl.bsn",
        Pattern(r"\d(?<![\w.-]\d)\d{8}(?![\w-]|[ -]\d)"),
        _label(r"(?:bsn|burgerservicenummer|sofi[ _-]?nummer)"),
    ),
    (
        "UK NHS number",
        "stdnum.gb.nhs",
        Pattern(r"\d(?<![\w.-]\d)\d\d ?\d{3} ?\d{4}(?![\w-]|[ -]\d)"),
        _label(r"(?:nhs(?:[ _-]?(?:no|number))?)"),
    ),
)
# The one id whose own format is precise enough without a label: a CPF written 123.456.789-09.
# (An SSN's 123-45-6789 is also how invoices and part numbers are written, and it has no
# check digit: it needs its label.)
_FORMATTED = frozenset({"Brazilian CPF"})
_CPF_FORMAT = Pattern(r"\d{3}\.\d{3}\.\d{3}-\d\d")
# UK National Insurance numbers: the published prefix rules (no checksum), spaced or not.
_NINO = Pattern(
    r"(?<![A-Za-z0-9])(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r" ?\d\d ?\d\d ?\d\d ?[A-D](?![A-Za-z0-9])"
)
_NINO_LABEL = _label(r"(?:nino|national[ _-]insurance(?:[ _-]?(?:no|number))?|ni[ _-]?(?:no|number))")
# Numbers published as examples: not a person's.
_EXAMPLE_IDS = frozenset({"123456789", "078051120", "219099999", "12345678909"})
_AFTER_DIGITS = Pattern(r"\d[ .-]$")
# The prefilter: the one format that needs no label (a CPF's), found from its literal dot,
# and substrings that every label holds.
_FORMATTED_HINT = Pattern(r"\.\d{3}-\d\d(?![\w-])")
_FORMATTED_ID = Pattern(r"\d(?<![\w.-]\d)\d\d\.\d{3}\.\d{3}-\d\d(?![\w-])")
_ID_KEYWORDS = (
    *("ssn", "social", "cpf", "aadha", "uidai", "steuer", "idnr", "tax", "nir", "insee", "cu sociale"),
    *("bsn", "burgerservice", "sofi", "nhs", "nino", "insurance", "ni no", "ni_no", "ni number", "ni_number"),
)
# One search for any of them, at the start of a word as every label is (see _label): "tax" in
# "syntax" sent most code cells through every identifier's pattern.
_ID_KEYWORD = Pattern("(?<![a-z])(?:" + "|".join(re.escape(k) for k in _ID_KEYWORDS) + ")")


def national_ids(text: str) -> Iterator[IdHit]:
    lower = text.lower()
    labelled = _ID_KEYWORD.search(lower) is not None
    if not labelled and (_FORMATTED_HINT.search(text) is None or _FORMATTED_ID.search(text) is None):
        return  # no candidate: python-stdnum is not imported
    if labelled:
        yield from _ninos(text)
    for name, module, pattern, label in _IDS:
        if name not in _FORMATTED and not (labelled and label.search(lower)):
            continue  # a bare number needs its label somewhere in the text
        if pattern.search(text) is None:
            continue
        try:
            import importlib

            validate = importlib.import_module(module).is_valid
        except ImportError:
            yield -1, "national identifiers were not checked: the python-stdnum package is missing", ""
            return
        yield from _ids_of(text, name, validate, pattern, label)


def _ids_of(
    text: str, name: str, validate: Callable[[str], bool], pattern: Pattern, label: Pattern
) -> Iterator[IdHit]:
    column = _header_labels(text, label)
    for m in pattern.finditer(text):
        if _AFTER_DIGITS.search(text, max(0, m.start() - 2), m.start()):
            continue  # one group of a longer run of numbers (a table's row, say)
        formatted = name in _FORMATTED and _CPF_FORMAT.fullmatch(m[0]) is not None
        if not formatted and not column and not label.search(_line_prefix(text, m.start())):
            continue
        compact = re.sub(r"[ .-]", "", m[0])
        if compact not in _EXAMPLE_IDS and validate(compact):
            yield m.start(), f"a national identifier ({name}, ending {compact[-2:]})", compact


def _ninos(text: str) -> Iterator[IdHit]:
    if not _NINO_LABEL.search(text.lower()):
        return  # no checksum: a NINO-shaped code counts only where it is labelled
    column = _header_labels(text, _NINO_LABEL)
    for m in _NINO.finditer(text):
        if column or _NINO_LABEL.search(_line_prefix(text, m.start())):
            compact = m[0].replace(" ", "")
            yield m.start(), f"a national identifier (UK NINO, ending {compact[-2:]})", compact
