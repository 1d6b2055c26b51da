"""The vendor table's scan: a prefilter made from its rows' keywords, then the rows on the lines
it hits, each value checked as its row says (context, entropy floor, checksum) and against
documentation (vendors' ``...EXAMPLE`` values, ``xxxx`` placeholders, ``${TEMPLATES}``).

No detect-secrets here: a vendor format needs none of its machinery. The prefilter is compiled
with google-re2 (linear time, one pass for hundreds of keywords) when it is installed, and
with Python's ``re`` otherwise (the same matches, slower).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from nbguard.checks.secrets import rules
from nbguard.checks.secrets.rules import Rule, entropy
from nbguard.lazyre import Pattern

# Documentation, never a credential: a vendor's documented example (AWS's ...EXAMPLE), runs of
# x or *, an ellipsis, "placeholder", "your-..."/"insert ...", and template syntax.
_DOCUMENTED = Pattern(
    r"EXAMPLE|(?i:x{5,}|\*{3,}|\.{3}|…|placeholder|^(?:your|insert|enter|replace|paste|put)[\s_-])"
    r"|^[$<{%]|[>}]$|\{\{"
)
_ALLOW_LINE = Pattern(r"pragma:\s*allowlist[ -]secret", re.IGNORECASE)
_ALLOW_NEXT = Pattern(r"pragma:\s*allowlist[ -]nextline[ -]secret", re.IGNORECASE)


# Words that stand for a password in documentation (postgresql://user:password@localhost).
_WORDS = frozenset(
    {"password", "passwd", "pass", "pwd", "secret", "changeme", "mypassword", "yourpassword", "pw", "token"}
    | {"test", "admin", "root", "example", "dummy", "fake", "redacted", "empty", "none", "null"}
)


def is_documented(value: str) -> bool:
    """A documented example or a placeholder (``xoxb-…-xxxxxxxxxx``, ``user:password@``), or
    a value with at most four distinct characters (a random value of 16 or more never has so
    few)."""
    return (
        bool(_DOCUMENTED.search(value))
        or value.lower() in _WORDS
        or (len(value) >= 16 and len(set(value)) <= 4)
    )


def allowlisted(lines: Sequence[str], index: int) -> bool:
    """detect-secrets' inline pragmas: on the line, or ``nextline`` on the line above."""
    return bool(_ALLOW_LINE.search(lines[index])) or (
        index > 0 and bool(_ALLOW_NEXT.search(lines[index - 1]))
    )


def compile_fast(pattern: str) -> Any:
    """``pattern`` compiled for lowered bytes (read as Latin-1, which any UTF-8 text is, byte for
    byte) with google-re2 when it is installed, else with ``re``. The keywords are ASCII."""
    try:
        import re2  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - google-re2 is a dependency; kept for platforms without a wheel
        return re.compile(pattern.encode())
    options = re2.Options()
    options.max_mem = 64 << 20
    options.log_errors = False  # never a word on standard error from the hook
    options.encoding = re2.Options.Encoding.LATIN1
    options.never_capture = True
    return re2.compile(pattern.encode(), options)


_CHUNK = 1 << 16  # bytes the prefilter searches at a time (then up to the end of that line)


@dataclass(frozen=True)
class Found:
    rule: Rule
    value: str
    public: bool = False  # a public identifier where it stands (the row's "unless"): no finding


class Table:
    """The rows, their prefilter, and their patterns compiled on first use."""

    def __init__(self, rows: Sequence[Rule], matchers: dict[str, Any] | None = None) -> None:
        self.rows = tuple(rows)
        self.prefilter = compile_fast(rules.prefilter_source(self.rows))
        self._keywords = frozenset(w.lower().encode() for rule in self.rows for w in rule.keywords)
        # What a keyword the prefilter matched stands for, worked out on first need: the rows of
        # every keyword inside it (a match of "ops_eyJ" is one of "eyJ" too, which the
        # prefilter, matching the longest, does not report apart).
        self._by_keyword: dict[bytes, tuple[Rule, ...]] = {}
        self._anchored = [rule for rule in self.rows if rule.anchor]
        # Every (lowered keyword, row) once, for the searches below (a flat loop: no generator
        # per row, which on a commit's first keywords cost more than the scan itself).
        self._pairs = tuple((w.lower(), rule) for rule in self.rows for w in rule.keywords)
        self._order = {id(rule): index for index, rule in enumerate(self.rows)}
        # Patterns given already compiled (custom rules, compiled with re2).
        self._matchers: dict[str, tuple[Any, Any]] = {
            rule_id: (matcher, None) for rule_id, matcher in (matchers or {}).items()
        }

    def _matches(self, data: bytes) -> Iterator[int]:
        """Where the prefilter matches in lowered ``data``, in order. Searched a slice at a time:
        google-re2's Python binding does work proportional to the whole text for every match it
        returns, which over a notebook of many megabytes with many matches adds up."""
        start = 0
        while start < len(data):
            end = data.find(b"\n", start + _CHUNK)
            end = len(data) if end < 0 else end + 1
            for match in self.prefilter.finditer(data[start:end]):
                yield start + match.start()
            start = end

    def hits(self, text: str) -> list[int]:
        """Where the prefilter matches in ``text`` (character offsets; for one line)."""
        data = text.encode("utf-8", "surrogatepass")
        return [len(data[:at].decode("utf-8", "surrogatepass")) for at in self._matches(data.lower())]

    def hit_lines(self, text: str) -> list[int]:
        """The 0-based numbers of the lines of ``text`` where the prefilter matches, in one pass
        over its UTF-8 bytes."""
        data = text.encode("utf-8", "surrogatepass").lower()
        found: list[int] = []
        line = counted = 0
        end = -1
        for at in self._matches(data):
            if at <= end:
                continue
            line += data.count(b"\n", counted, at)
            counted = at
            found.append(line)
            end = data.find(b"\n", at)
            if end < 0:
                break
        return found

    def _pattern(self, rule: Rule) -> tuple[Any, Any]:
        found = self._matchers.get(rule.id)
        if found is None:
            context = re.compile(rule.context, re.IGNORECASE) if rule.context else None
            found = (re.compile(rule.pattern), context)
            self._matchers[rule.id] = found
        return found

    def _rows_of(self, word: str) -> tuple[Rule, ...]:
        """The rows a keyword the prefilter matched may stand for: those with a keyword inside
        it, or around it (the prefilter reports one match where keywords overlap)."""
        lower = word.lower()
        return tuple(dict.fromkeys(rule for k, rule in self._pairs if k in lower or lower in k))

    def _rows_for(self, line: str) -> list[Rule]:
        """The rows whose keyword (or anchor) is in ``line``, in table order."""
        picked: dict[int, Rule] = {}
        for match in self.prefilter.finditer(line.encode("utf-8", "surrogatepass").lower()):
            word = match.group()
            rows = self._by_keyword.get(word)
            if rows is None and word in self._keywords:
                rows = self._by_keyword[word] = self._rows_of(word.decode())
            if rows is None:  # an anchor matched, perhaps over a keyword (".cohere." in a URL)
                text = word.decode("utf-8", "replace")
                rows = tuple(rule for rule in self._anchored if re.search(rule.anchor, line, re.IGNORECASE))
                rows += tuple(dict.fromkeys(rule for k, rule in self._pairs if k in text))
            for rule in rows:
                picked.setdefault(id(rule), rule)
        lower = line.lower()
        picked = {
            key: rule
            for key, rule in picked.items()
            if rule.anchor or any(k in (line if rule.cased else lower) for k in rule.keywords)
        }
        return sorted(picked.values(), key=lambda rule: self._order[id(rule)])

    def scan(self, line: str, around: Callable[[], str] = str) -> Iterator[Found]:
        """Every value a row finds in ``line`` that clears the row's checks; ``around()`` is the
        text near the line, which a row's ``unless`` is searched in."""
        for rule in self._rows_for(line):
            pattern, context = self._pattern(rule)
            if context is not None and not context.search(line):
                continue
            for match in pattern.finditer(line):
                value = match.group("s") if "s" in pattern.groupindex else match.group(0)
                if (
                    value
                    and entropy(value) >= rule.entropy
                    and (rule.validator is None or rule.validator(value))
                    and not is_documented(value)
                ):
                    public = bool(rule.unless and re.search(rule.unless, around(), re.IGNORECASE))
                    yield Found(rule, value, public)


def mask(value: str, rule: Rule) -> str:
    """What a message shows of a value: the format's literal prefix (``ghp_``, ``sk-proj-``) at
    most, never for a value found by its context, and the length."""
    prefix = max((len(k) for k in rule.keywords if value.startswith(k) and 2 <= len(k) <= 12), default=0)
    shown = value[:prefix] if rule.cased and not rule.context and rule.code != "NBG203" else ""
    return f"{shown}… {len(value)} characters"
