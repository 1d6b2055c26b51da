"""The vendor table's scan: a prefilter made from its rows' keywords and anchors, then the rows
on the lines it hits, each value checked as its row says (context, entropy floor, checksum) and
against documentation (vendors' ``...EXAMPLE`` values, ``xxxx`` placeholders, ``${TEMPLATES}``).

No detect-secrets here: a vendor format needs none of its machinery. The prefilter has two
engines, which find the same lines (tests compare them), each where it is the faster:

- an Aho-Corasick automaton of the keywords (pyahocorasick), built in well under a
  millisecond, with each anchor searched on its own by Python's ``re``: for the first
  :data:`FAST_PREFILTER_AFTER` characters a process scans, a commit's few notebooks;
- one google-re2 pattern of the keywords and anchors, whose automaton costs about 10 ms to
  compile and warm up but then searches about six times faster: for the rest (a whole
  repository, where it saves about 0.6 s of the 0.8 s the automaton takes over the corpus's
  29 MB of text).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

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


# Characters of text a table searches with the automaton before it turns to google-re2 (see
# above): about where re2's start-up cost is repaid.
FAST_PREFILTER_AFTER = 1 << 18


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


_CHUNK = 1 << 16  # bytes google-re2 searches at a time (then up to the end of that line)


def keyword_automaton(words: dict[str, Any]) -> Any:
    """An Aho-Corasick automaton of ``words`` (lower case), each with its value: its ``iter``
    gives every occurrence of every word in a text, overlapping ones too, in one pass; None
    for no words."""
    import ahocorasick  # type: ignore[import-not-found,unused-ignore]

    if not words:
        return None
    automaton = ahocorasick.Automaton()
    for word, value in words.items():
        automaton.add_word(word, value)
    automaton.make_automaton()
    return automaton


def lowered(text: str) -> str:
    """``text`` with ASCII letters lowered, as one character per UTF-8 byte (Latin-1): the
    keywords and anchors are ASCII, and this is several times faster than ``str.lower`` on text
    that is not ASCII. The lines are the same (a newline byte is a newline)."""
    if text.isascii():
        return text.lower()
    return text.encode("utf-8", "surrogatepass").lower().decode("latin-1")


def _first_per_line(found: Iterable[int], text: str) -> Iterator[int]:
    """Of positions in ``text`` (in order), the first on each line."""
    end = -1
    for at in found:
        if at > end:
            yield at
            end = text.find("\n", at)
            if end < 0:
                return


class Found(NamedTuple):
    rule: Rule
    value: str
    public: bool = False  # a public identifier where it stands (the row's "unless"): no finding


class Table:
    """The rows, their prefilter, and their patterns compiled on first use."""

    def __init__(self, rows: Sequence[Rule], matchers: dict[str, Any] | None = None) -> None:
        self.rows = tuple(rows)
        by_word: dict[str, dict[int, Rule]] = {}
        by_anchor: dict[str, dict[int, Rule]] = {}
        for rule in self.rows:
            for word in rule.keywords:
                by_word.setdefault(word.lower(), {})[id(rule)] = rule
            if rule.anchor:
                by_anchor.setdefault(rule.anchor, {})[id(rule)] = rule
        # Each keyword stands for the rows that have it, found in the lowered text.
        self._keywords = keyword_automaton({word: tuple(found.values()) for word, found in by_word.items()})
        self._anchors = tuple(
            (re.compile(anchor), tuple(found.values())) for anchor, found in by_anchor.items()
        )
        self._order = {id(rule): index for index, rule in enumerate(self.rows)}
        self._fast: Any = None  # the google-re2 prefilter, compiled on first need
        self._searched = 0  # characters hit_lines has searched with the automaton
        # Patterns given already compiled (custom rules, compiled with re2).
        self._matchers: dict[str, tuple[Any, Any]] = {
            rule_id: (matcher, None) for rule_id, matcher in (matchers or {}).items()
        }

    def _keyword_hits(self, lower: str, *, every: bool = False) -> Iterator[tuple[int, tuple[Rule, ...]]]:
        """(position, rows) of the keywords in ``lower``: all, or (``every=False``) the first
        on each line, the search going on from the next line (a line is a candidate once)."""
        if self._keywords is None:
            return
        if every:
            yield from self._keywords.iter(lower)
            return
        start = 0
        while True:
            hit = next(self._keywords.iter(lower, start), None)
            if hit is None:
                return
            yield hit
            start = lower.find("\n", hit[0]) + 1
            if start == 0:
                return

    def _anchor_hits(self, lower: str) -> Iterator[int]:
        """Where the anchors match in ``lower``, the first match of each on each line."""
        for anchor, _rows in self._anchors:
            start = 0
            while (match := anchor.search(lower, start)) is not None:
                yield match.start()
                start = lower.find("\n", match.start()) + 1
                if start == 0:
                    break

    def hits(self, text: str) -> list[int]:
        """Where the prefilter matches in ``text`` (one line), in order."""
        lower = lowered(text)
        found = sorted(
            [end for end, _rows in self._keyword_hits(lower, every=True)] + list(self._anchor_hits(lower))
        )
        if text.isascii():
            return found
        data = lower.encode("latin-1")  # the UTF-8 bytes; every hit is at an ASCII character
        return [len(data[:at].decode("utf-8", "surrogatepass")) for at in found]

    def _fast_matches(self, data: bytes) -> Iterator[int]:
        """Where the google-re2 prefilter matches in lowered ``data``, in order. Searched a slice
        at a time: its Python binding does work proportional to the whole text for every match
        it returns, which over a notebook of many megabytes with many matches adds up."""
        if self._fast is None:
            self._fast = compile_fast(rules.prefilter_source(self.rows))
        start = 0
        while start < len(data):
            end = data.find(b"\n", start + _CHUNK)
            end = len(data) if end < 0 else end + 1
            for match in self._fast.finditer(data[start:end]):
                yield start + match.start()
            start = end

    def hit_lines(self, text: str, *, fast: bool | None = None) -> list[int]:
        """The 0-based numbers of the lines of ``text`` where the prefilter matches, found by
        google-re2 (``fast``), by the automaton (not ``fast``), or by the engine that is the
        faster (None: the automaton for the first characters searched, see the module's
        documentation)."""
        lower = lowered(text)
        if fast is None:
            fast = self._fast is not None or self._searched + len(text) > FAST_PREFILTER_AFTER
            self._searched += 0 if fast else len(text)
        if fast:
            found: Iterable[int] = self._fast_matches(lower.encode("latin-1"))
        else:
            found = sorted([end for end, _rows in self._keyword_hits(lower)] + list(self._anchor_hits(lower)))
        lines: list[int] = []
        line = counted = 0
        for at in _first_per_line(found, lower):
            line += lower.count("\n", counted, at)
            counted = at
            lines.append(line)
        return lines

    def _pattern(self, rule: Rule) -> tuple[Any, Any]:
        found = self._matchers.get(rule.id)
        if found is None:
            context = re.compile(rule.context, re.IGNORECASE) if rule.context else None
            found = (re.compile(rule.pattern), context)
            self._matchers[rule.id] = found
        return found

    def _rows_for(self, line: str) -> list[Rule]:
        """The rows whose keyword (or anchor) is in ``line``, in table order."""
        lower = lowered(line)
        picked: dict[int, Rule] = {}
        for _end, rows in self._keyword_hits(lower, every=True):
            for rule in rows:
                if not rule.cased or any(k in line for k in rule.keywords):
                    picked.setdefault(id(rule), rule)
        for anchor, rows in self._anchors:
            if anchor.search(lower):
                for rule in rows:
                    picked.setdefault(id(rule), rule)
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
