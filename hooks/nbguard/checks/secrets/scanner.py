"""The secrets scanner: the prefilter, and detect-secrets run on the candidate lines.

Imported only when a secrets check is made (compiling the prefilter costs about
20 ms, which ``nbguard strip`` and ``nbguard config`` need not pay), and
detect-secrets itself only for notebooks that have a candidate line.

detect-secrets (1.5 or a later 1.x) is used through its public API only.
Public is taken to mean: shown in its documentation, or named without a
leading underscore in a module so named, and used by its own scan or command
line. So:

- plugins through ``analyze_line(filename=, line=, line_number=, context=)``
  and ``secret_type``, its documented plugin API;
- settings through ``detect_secrets.settings.transient_settings`` (its
  documented way to scan as a library), entered around the scan of each
  notebook that has a candidate line and left before :func:`check` returns.
  They must be in force while plugins run: ``analyze_line`` reads them to
  decide whether to verify a value online, which nbguard's never allow;
- filters as those settings name them, picked for each step of the scan by
  ``detect_secrets.core.scan.get_filters_with_parameter`` (which reads
  ``detect_secrets.settings.get_filters``), as detect-secrets' own per-line
  loop does. Each is then called with the values it declares among the five
  its filter documentation lists (filename, line, plugin, secret, context):
  that loop's private ``_is_filtered_out`` does this injection on every call;
  the public ``util.inject.call_function_with_arguments`` could too, but it
  inspects the function every time, and a filter that needs a value a step
  does not have is skipped on its TypeError each time, where here it is left
  out once;
- ``detect_secrets.util.code_snippet.get_code_snippet`` for the context that
  the allowlist pragmas read.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import inspect
import itertools
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from nbguard import notebook
from nbguard.checks.secrets import (
    ALLOW_TAG,
    CODE_ASSIGNED,
    CODE_PASSWORD_WIDGET,
    CODE_PRINTED,
    CODE_PRIVATE_KEY,
    CODE_TOKEN,
    NAME,
    PASSWORD_WIDGET,
    custom,
    fingerprint,
    flow,
    rules,
)
from nbguard.checks.secrets.table import Table, allowlisted, is_documented, mask
from nbguard.lazyre import Pattern
from nbguard.notebook import Notebook, NotebookError, Part
from nbguard.report.finding import Finding, error_finding

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self

# Kinds reported under NBG202 and NBG203; every other kind is a vendor format (NBG201).
_ASSIGNED_KINDS = frozenset(
    {
        "Secret Keyword",
        "Secret Environment Variable",
        "Authorization Header",
        "Basic Auth Credentials",
    }
)
# When two detectors report one value on one line, the most specific kind wins.
_GENERIC_KINDS = frozenset({"Secret Keyword"})

# --- prefilter ---------------------------------------------------------------
#
# A line reaches detect-secrets only if one of these matches in it. Each
# alternative is a necessary condition of one detector (its fixed prefix,
# its keyword, or its whole pattern when short), so the prefilter never hides
# what a detector would find; tests compare against unfiltered scans. Every
# alternative starts with a literal character, which lets the regex engine
# skip ahead by first character: ten times faster than one free-form pattern.
_QUOTE = r"['\"]?\]?"
_SP = r"[^\S\n]*"  # detect-secrets reads a line at a time: no anchor runs past the end of a line
# The start of a value TokenKeywordDetector reports: perhaps quoted, 8 characters or more, one
# of them a digit (or any character but a letter or _ that str.isdigit may count as one).
# Lower-casing can double a character (İ), hence 399.
_SECRET_VALUE = r"""(?:[rbu]?['"`])?(?=[^'"`\s]{8})[^'"`\s]{0,399}?[^\W_a-z]"""
_QUOTED_NAME = r"""['"][^'"\n]+['"]"""
# Case-insensitive detectors, matched on the lower-cased text. These are the heuristics' (names
# and forms); vendor formats are the table's (rules.py), whose prefilter is made from its rows.
# Compiled on first use (about 1.5 ms): only texts where a trigger matches need them.
_LOWER_ANCHORS = Pattern(
    "|".join(
        [
            # detect-secrets' keyword list
            (
                r"api_?key|auth_?key|service_?key|account_?key|db_?key|database_?key|priv_?key"
                r"|private_?key|client_?key|passw|db_?pass|database_?pass|key_?pass|pwd|secret"
                r"|contrase"
            ),
            # nbguard's keywords, assigned or compared to a value that may look like a secret
            *(
                rf"{word}{_QUOTE}{_SP}(?::=|=>|==|!=|=|:){_SP}{_SECRET_VALUE}"
                for word in (
                    *("token", "auth", "access", "accesskey", "access_key", "access-key"),
                    *("credential", "credentials", "creds"),
                )
            ),
            # a value put into the environment (EnvironmentSecretDetector's forms)
            r"%env[^\S\n]+[a-z_]|%set_env[^\S\n]+[a-z_]",
            rf"environ\[{_SP}{_QUOTED_NAME}{_SP}\]{_SP}={_SP}[rbu]?['\"]",
            *(
                rf"{call}\({_SP}{_QUOTED_NAME}{_SP},{_SP}[rbu]?['\"]"
                for call in ("setdefault", "putenv", "getenv", r"environ\.get")
            ),
            # headers, URLs with credentials
            r"authorization|://[^\s/@]*:[^\s/@]*@",
        ]
    )
)
# Case-sensitive forms, matched on the text as it is: curl -u and --user, after whitespace or
# at the start of a line.
_CASED_ANCHORS = Pattern(r"-(?<!\S-)u|-(?<!\S-)-user")
# Searching every text with those two alternations is slow: nearly every
# letter can start some alternative, so the engine tries every branch at
# almost every position; and the case-insensitive ones need the text lowered
# first. The triggers below are the fast pass, over a notebook's texts as they
# are. Each alternative starts with one literal character, so that the engine
# skips ahead from character to character of a small set: the rarest
# character of each anchor's literal head, in both cases for the
# case-insensitive anchors (and the Kelvin sign, which lowers to "k"). What
# follows that character is checked next, starting with one set of characters,
# so that most tries fail at once; lookbehinds check what comes before.
# Wherever an anchor matches (in the lowered text, for the case-insensitive
# ones), a trigger matches on the same line (tests check this); only the lines
# a trigger hits are then searched with the anchors, which decide: the
# candidate lines are exactly the lines where an anchor matches. No trigger
# match runs past the end of its line, or finditer would miss one starting on
# the next.
#
# What follows nbguard's keywords (token, auth, access...) in their anchors, as a
# lookahead, on the text as it is (where a value may be half as long as lowered: İ).
_ASSIGNED = (
    rf"""(?=['"]?\]?{_SP}(?::=|=>|==|!=|=|:){_SP}(?:[rRbBuU]?['"`])?(?=[^'"`\s]{{4}})[^'"`\s]{{0,399}}?"""
    r"""[^\W_a-zA-Z])"""
)
_ANY_CASE_TRIGGERS = {
    "k": [
        # key after a keyword (api_key...), or before _?pass
        r"[eE][yY](?:(?i:(?<=[iehtbvlusr_-]key))|_?[pP][aA][sS][sS])",
        rf"[eE][nN](?i:(?<=token){_ASSIGNED})",  # token assigned
    ],
    "p": [r"[aA][sS][sS](?:[wW]|(?i:(?<=[bey_]pass)))", r"[wW][dD]"],  # passw, db_?pass..., pwd
    "c": [  # secret, credential(s) and creds assigned, contrase, access assigned
        rf"[rR][eE](?:[tT](?i:(?<=secret))|[dD](?i:entials?|s){_ASSIGNED})",
        r"[oO](?i:ntrase)",
        rf"[eE][sS][sS](?i:(?<=access)){_ASSIGNED}",
    ],
    "h": [rf"(?i:(?<=auth)){_ASSIGNED}", r"[oO](?i:(?<=autho)rization)"],  # auth assigned, authorization
    "%": [r"(?i:env|set_env)\s"],
    "[": [rf"""(?i:(?<=environ\[))(?={_SP}['"])"""],
    "(": [rf"""(?i:(?<=setdefault\()|(?<=putenv\()|(?<=getenv\()|(?<=environ\.get\())(?={_SP}['"])"""],
}
_CASED_TRIGGERS = {
    "-": [r"u(?<!\S-u)|-user(?<!\S--user)"],  # curl -u and --user
    ":": [r"//[^\s/@]*:[^\s/@]*@"],  # credentials in a URL
}


def _cases(char: str) -> list[str]:
    """Every character whose lower case is ``char``, among those a text can hold."""
    return [char, char.upper(), "\u212a"] if char == "k" else list(dict.fromkeys([char, char.upper()]))


# The commonest trigger characters (2% of all characters each) get a search of
# their own: a pattern that starts with one character is searched for at
# memchr-like speed, and tries only that character's alternatives.
_OWN_SEARCH = "pch"


def _triggers() -> tuple[re.Pattern[str], ...]:
    branches: dict[str, list[str]] = {}
    for char, rest in _ANY_CASE_TRIGGERS.items():
        for case in _cases(char):
            branches.setdefault(case, []).extend(rest)
    for char, rest in _CASED_TRIGGERS.items():
        branches.setdefault(char, []).extend(rest)
    # One alternative per first character: the engine tries every alternative's
    # first character at each position where it stops.
    patterns = {char: f"{re.escape(char)}(?:{'|'.join(rest)})" for char, rest in branches.items()}
    shared = "|".join(pattern for char, pattern in patterns.items() if char not in _OWN_SEARCH)
    return (re.compile(shared), *(re.compile(patterns[char]) for char in _OWN_SEARCH))


_TRIGGERS = _triggers()


def _trigger_hits(text: str) -> list[int]:
    """Where the triggers match in ``text``, in order."""
    return sorted(hit.start() for trigger in _TRIGGERS for hit in trigger.finditer(text))


# Lines longer than this are scanned in windows around each candidate, which
# keeps the engine's cost linear in the line length (minified JavaScript,
# one-line JSON outputs).
_LONG_LINE = 4000
_WINDOW = 1200


def _anchored(line: str) -> bool:
    """Whether an anchor matches in ``line`` (no anchor can match a newline)."""
    return _CASED_ANCHORS.search(line) is not None or _LOWER_ANCHORS.search(line.lower()) is not None


def _starts(texts: Sequence[str]) -> list[int]:
    """Where each text starts in the texts joined by newlines."""
    return [at + index for index, at in enumerate(itertools.accumulate(map(len, texts), initial=0))][:-1]


def candidate_lines_of(texts: Sequence[str]) -> list[list[int]]:
    """For each text, the 0-based numbers of its lines where some detector may match."""
    found = _candidates(texts)
    return [found.get(index, []) for index in range(len(texts))]


def _candidates(texts: Sequence[str]) -> dict[int, list[int]]:
    """:func:`candidate_lines_of`, for the texts that have candidate lines only.

    The texts are scanned together (a notebook's parts): one search per trigger
    for all of them, which costs far less than a search per text.
    """
    big = "\n".join(texts)
    return _lines_of_hits(texts, big, _trigger_hits(big), _anchored)


def _lines_of_hits(
    texts: Sequence[str], big: str, hits: Sequence[int], accept: Callable[[str], bool] | None
) -> dict[int, list[int]]:
    """For each text, the 0-based numbers of its lines that hold one of ``hits`` (positions in
    ``big``, the texts joined by newlines, in order) and that ``accept`` takes (any, if None)."""
    found: dict[int, list[int]] = {}
    if not hits:
        return found
    starts = _starts(texts)
    part, part_end = -1, -1
    counted = line = 0
    end = -1
    for at in hits:
        if at <= end:
            continue  # on the line just checked
        if at > part_end:  # a later text: find it, and count its lines from its start
            part = bisect.bisect_right(starts, at) - 1
            part_end = starts[part + 1] - 1 if part + 1 < len(starts) else len(big)
            counted, line = starts[part], 0
        begin = big.rfind("\n", 0, at) + 1
        end = big.find("\n", at, part_end)
        if end < 0:
            end = part_end
        if accept is None or accept(big[begin:end]):
            line += big.count("\n", counted, begin)
            counted = begin
            found.setdefault(part, []).append(line)
    return found


def candidate_lines(text: str) -> list[int]:
    """0-based numbers of the lines of ``text`` where some detector may match."""
    return candidate_lines_of([text])[0]


def _windows(line: str) -> list[str]:
    """``line`` itself, or slices around each candidate in it when it is very long."""
    lower = line.lower()
    if len(line) <= _LONG_LINE or len(lower) != len(line):
        return [line]
    starts = sorted(
        [m.start() for m in _LOWER_ANCHORS.finditer(lower)]
        + [m.start() for m in _CASED_ANCHORS.finditer(line)]
    )
    return _spans(line, starts)


def _spans(line: str, starts: Iterable[int]) -> list[str]:
    """Slices of ``line`` around each of ``starts`` (in order), overlapping ones merged."""
    spans: list[list[int]] = []
    for start in starts:
        begin, end = max(0, start - _WINDOW), start + 2 * _WINDOW
        if spans and begin <= spans[-1][1]:
            spans[-1][1] = end
        else:
            spans.append([begin, end])
    return [line[begin:end] for begin, end in spans]


# --- which of detect-secrets' keyword regex sets fits each line ----------------
#
# detect-secrets picks the set from the file name's extension: quotes are
# required for .py and unknown extensions, and optional for .cfg.
_CONFIG_NAME = "part.cfg"
_ENV_LINE = re.compile(r"\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=\s*[^\s'\"]")
# key: value, as YAML writes it (in markdown, a kept output, a %%writefile cell)
_YAML_LINE = re.compile(r"\s*(?:-\s+)?[A-Za-z_][\w.-]*\s*:\s+[^\s'\"{\[]")
_YAML_NAME = "part.yaml"
# What a %%writefile target's name says about its text: detect-secrets reads an unknown
# extension (.env) as code, where values must be quoted.
_WRITTEN_NAMES = {
    ".env": _CONFIG_NAME,
    ".cfg": _CONFIG_NAME,
    ".ini": _CONFIG_NAME,
    ".conf": _CONFIG_NAME,
    ".properties": _CONFIG_NAME,
    ".sh": _CONFIG_NAME,
    ".toml": "part.toml",
    ".yaml": _YAML_NAME,
    ".yml": _YAML_NAME,
    ".json": "part.json",
    ".py": "part.py",
}
_SHELL_LINE = re.compile(r"\s*(?:!|%(?:set_)?env\b|%(?:sx|sc|system)\b)")
_SHELL_CELL = re.compile(r"%%(?:bash|sh|script|system)\b")
_WRITEFILE_CELL = re.compile(r"%%writefile(?:\s+-a)?\s+(\S+)")
_SHELL_LANGUAGES = frozenset({"bash", "sh", "zsh", "shell", "powershell"})
_STYLE_NAMES = {
    notebook.PYTHON: "part.py",
    notebook.MARKDOWN: "part.md",
    notebook.TEXT: "part.txt",
    notebook.JSON: "part.json",
}


def _line_names(part: Part, lines: list[str]) -> Callable[[int], str]:
    """The virtual file name for each (0-based) line of ``part``."""
    if part.style == notebook.CODE:
        name = _CONFIG_NAME if part.language in _SHELL_LANGUAGES else f"part.{part.language}"
    else:
        name = _STYLE_NAMES[part.style]
    if part.style in (notebook.PYTHON, notebook.CODE) and lines:
        if _SHELL_CELL.match(lines[0]):
            return lambda _index: _CONFIG_NAME
        written = _WRITEFILE_CELL.match(lines[0])
        if written:
            target = written.group(1).lower()
            suffix = next((k for k in _WRITTEN_NAMES if target.endswith(k)), "")
            name_written = _WRITTEN_NAMES.get(suffix, written.group(1))
            return lambda _index: name_written
    if part.style in (notebook.PYTHON, notebook.CODE):
        return lambda index: _CONFIG_NAME if _SHELL_LINE.match(lines[index]) else name
    if part.style in (notebook.MARKDOWN, notebook.TEXT):
        return lambda index: (
            _CONFIG_NAME
            if _ENV_LINE.match(lines[index])
            else _YAML_NAME
            if _YAML_LINE.match(lines[index])
            else name
        )
    return lambda _index: name


# --- findings ----------------------------------------------------------------


def code_for(kind: str) -> str:
    if kind == PASSWORD_WIDGET:
        return CODE_PASSWORD_WIDGET
    return CODE_ASSIGNED if kind in _ASSIGNED_KINDS else CODE_TOKEN


class _Hit(NamedTuple):
    """One value found on one line of one part (kept in memory only, never printed)."""

    line: int  # 1-based, within the part
    kind: str
    value: str
    rule: rules.Rule | None = None  # the table's row that found it
    public: bool = False  # a public identifier (a Firebase web config's apiKey): reported by nothing


_PEM_BLOCK = re.compile(r"BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-*(.*?)-*END[A-Z0-9 ]*PRIVATE KEY", re.DOTALL)
_PUTTY_BODY = re.compile(r"Private-Lines:\s*\d+\s*\n([A-Za-z0-9+/=\n]+)")
_PEM_NOISE = re.compile(r"\\[nr]|[^A-Za-z0-9+/=]")
_PEM_REACH = 200  # lines: far more than any key


def _private_key_value(lines: list[str], index: int) -> str:
    """A private key's body (marker to END marker, only its base64), so its fingerprint
    names this key rather than the marker every key shares."""
    text = "\n".join(lines[index : index + _PEM_REACH])
    block = _PEM_BLOCK.search(text) or _PUTTY_BODY.search(text)
    if block is None:
        return lines[index].strip()
    return _PEM_NOISE.sub("", block.group(1)) or lines[index].strip()


def _best_per_line(hits: Iterable[_Hit]) -> list[_Hit]:
    """One hit per secret per line: a value also found inside a longer or more specific
    one on the same line (a keyword match of a GitHub token, a cut-short JWT) is dropped."""
    kept: list[_Hit] = []
    ranked = sorted(
        hits,
        key=lambda h: (
            h.line,
            h.rule is None,  # the table's rows first,
            h.rule is not None and bool(h.rule.context),  # those that need no context first,
            h.kind in _GENERIC_KINDS,
            -len(h.value),
        ),
    )
    for hit in ranked:
        if not any(k.line == hit.line and (hit.value in k.value or k.value in hit.value) for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h.line)


def _regex_gate(plugin: Any) -> tuple[re.Pattern[str], ...] | None:
    """Regexes one of which matches every line in which ``plugin`` finds anything (see
    :func:`nbguard.checks.secrets.detectors.line_gate`), or None: the plugin runs on every line."""
    from nbguard.checks.secrets import detectors

    return detectors.line_gate(plugin)


# The arguments detect-secrets' own per-line loop (core.scan) gives the filters it selects
# by one parameter each: "line" before the plugins run, then "secret" and "context" on each
# value found.
_LINE_ARGS = frozenset({"filename", "line", "context"})
_SECRET_ARGS = frozenset({"filename", "secret", "plugin", "line"})
_CONTEXT_ARGS = _SECRET_ARGS | {"context"}
_STAGES = (("line", _LINE_ARGS), ("secret", _SECRET_ARGS), ("context", _CONTEXT_ARGS))

_Filter = tuple[Callable[..., Any], tuple[str, ...]]


def _callable_with(filters: Iterable[Callable[..., Any]], given: frozenset[str]) -> tuple[_Filter, ...]:
    """Each filter that can be called with values of the names in ``given``, with the names
    of those it declares: detect-secrets' injection, worked out once. A filter that needs a
    value not given is left out, as detect-secrets skips it (on its TypeError)."""
    found: list[_Filter] = []
    for fn in filters:
        params = inspect.signature(fn).parameters.values()
        named = [p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if all(p.name in given for p in named if p.default is p.empty):
            found.append((fn, tuple(p.name for p in named if p.name in given)))
    return tuple(found)


def _filtered_out(filters: tuple[_Filter, ...], **values: Any) -> bool:
    return any(fn(**{name: values[name] for name in names}) for fn, names in filters)


class _Engine:
    """detect-secrets, configured for nbguard: its plugins and filters, and nbguard's.

    Built without touching detect-secrets' settings; scanning needs nbguard's
    settings in force (``with engine:``), since a plugin's ``analyze_line`` looks
    there for whether to verify what it finds (it must not: nothing is sent to a
    vendor). Leaving restores the settings in force before. An engine can be
    entered again and again, but not from two threads at once: the settings are
    process-global.
    """

    def __init__(self) -> None:
        # Imported here: detect-secrets (and requests, which it imports) is
        # loaded only for notebooks that have a candidate line.
        from detect_secrets.util.code_snippet import get_code_snippet

        from nbguard.checks.secrets import detectors

        self._snippet = get_code_snippet
        self._plugins = detectors.all_plugins()
        self._gates = [_regex_gate(plugin) for plugin in self._plugins]
        self._value_filters = (
            detectors.is_placeholder,
            detectors.is_low_variety,
            detectors.is_indirect_reference,
        )
        self._filters: tuple[tuple[_Filter, ...], ...] | None = None
        self._entered: list[AbstractContextManager[Any]] = []

    def __enter__(self) -> Self:
        """Put nbguard's settings in force (detect-secrets' ``transient_settings``)."""
        from detect_secrets.settings import transient_settings

        from nbguard.checks.secrets import detectors

        settings = transient_settings(detectors.SETTINGS)
        settings.__enter__()
        self._entered.append(settings)
        if self._filters is None:
            # The filters those settings name, resolved once: the same settings name the same
            # functions every time.
            from detect_secrets.core.scan import get_filters_with_parameter

            self._filters = tuple(
                _callable_with(get_filters_with_parameter(parameter), given) for parameter, given in _STAGES
            )
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._entered.pop().__exit__(kind, error, traceback)

    def scan(self, lines: list[str], numbers: Iterable[int], name_of: Callable[[int], str]) -> Iterator[_Hit]:
        """Hits on the given (0-based) lines, each line read as file ``name_of(line)``.

        This is detect-secrets' own per-line loop (``core.scan``, which scanning a
        file runs) through its public parts, on the candidate lines only, with the
        whole part as context, so that ``# pragma: allowlist nextline secret`` sees
        the line above.
        """
        if self._filters is None or not self._entered:
            raise RuntimeError("scan outside the engine's settings")
        line_filters, secret_filters, context_filters = self._filters
        for index in numbers:
            filename = name_of(index)
            context = self._snippet(lines=lines, line_number=index + 1)
            for line in _windows(lines[index].rstrip()):
                if _filtered_out(line_filters, filename=filename, line=line, context=context):
                    continue
                for plugin in self._plugins_for(line):
                    found = plugin.analyze_line(
                        filename=filename, line=line, line_number=index + 1, context=context
                    )
                    for secret in found or ():
                        value = secret.secret_value
                        if value is None:
                            continue
                        values = {"filename": secret.filename, "secret": value, "plugin": plugin}
                        if _filtered_out(secret_filters, **values, line=line) or _filtered_out(
                            context_filters, **values, line=line, context=context
                        ):
                            continue
                        value = self._whole_value(value, filename)
                        if value is not None:
                            yield _Hit(index + 1, secret.type, value)

    def _plugins_for(self, line: str) -> Iterator[Any]:
        """The plugins that may find something in ``line``; skipping the others, which
        would find nothing, saves detect-secrets' call overhead and their regexes."""
        for plugin, gate in zip(self._plugins, self._gates, strict=True):
            if gate is None or any(regex.search(line) for regex in gate):
                yield plugin

    def _whole_value(self, value: str, filename: str) -> str | None:
        """The value to fingerprint: in config-style lines the first word only (detect-secrets'
        unquoted pattern runs to the end of the line, so ``export TOKEN=abc && run`` would give
        ``abc && run``)."""
        if filename == _CONFIG_NAME and len(value.split()) > 1:
            value = value.split(maxsplit=1)[0]
            if any(is_noise(value) for is_noise in self._value_filters):
                return None
        return value


_AROUND = 8  # lines either way that a row's "unless" looks at


def _table_hits(table: Table, lines: list[str], numbers: Iterable[int]) -> Iterator[_Hit]:
    """What the vendor table finds on the given (0-based) lines."""
    for index in numbers:
        if allowlisted(lines, index):
            continue

        def around(index: int = index) -> str:
            return "\n".join(lines[max(0, index - _AROUND) : index + _AROUND + 1])

        for window in _table_windows(table, lines[index].rstrip()):
            for found in table.scan(window, around):
                value = found.value
                if found.rule.code == CODE_PRIVATE_KEY:
                    value = _private_key_value(lines, index)
                    if is_documented(value):  # -----BEGIN PRIVATE KEY-----, then "..." or xxxx
                        continue
                yield _Hit(index + 1, found.rule.title, value, found.rule, public=found.public)


def _per_text(texts: Sequence[str], lines: Sequence[int]) -> dict[int, list[int]]:
    """Line numbers of the texts joined by newlines, as (text, line in it)."""
    found: dict[int, list[int]] = {}
    if not lines:
        return found
    firsts = list(itertools.accumulate((text.count("\n") + 1 for text in texts), initial=0))
    for line in lines:
        part = bisect.bisect_right(firsts, line) - 1
        found.setdefault(part, []).append(line - firsts[part])
    return found


def _table_windows(table: Table, line: str) -> list[str]:
    """``line``, or slices around each prefilter hit in it when it is very long."""
    if len(line) <= _LONG_LINE:
        return [line]
    return _spans(line, table.hits(line))


def _part_hits(
    part: Part, numbers: list[int], table_numbers: list[int], engine: _Engine | None, table: Table
) -> list[_Hit]:
    if not numbers and not table_numbers:
        return []
    lines = part.text.split("\n")
    hits = list(_table_hits(table, lines, table_numbers))
    if numbers and engine is not None:
        hits += engine.scan(lines, numbers, _line_names(part, lines))
    public = {hit.value for hit in hits if hit.public}
    return _best_per_line(hit for hit in hits if not hit.public and hit.value not in public)


def check(
    nb: Notebook,
    *,
    allowed_fingerprints: Collection[str] = frozenset(),
) -> list[Finding]:
    """Credentials in ``nb``, one finding per secret per line, in notebook order.

    Parts of cells tagged ``nbguard:allow-secrets``, lines allowlisted with
    detect-secrets' pragmas and values whose fingerprint is in
    ``allowed_fingerprints`` are not reported. detect-secrets' settings are
    as they were when this returns. Not thread-safe: they are process-global
    while a scan runs.
    """
    return _scan(nb, allowed_fingerprints, _Engine, _builtin_table())


@functools.cache
def _builtin_table() -> Table:
    """The vendor table, with its prefilter compiled (once per process)."""
    return Table(rules.table())


def _scan(
    nb: Notebook, allowed: Collection[str], engine: Callable[[], _Engine], table: Table
) -> list[Finding]:
    """:func:`check`, with ``engine()`` giving the engine, asked for only if a line is a candidate."""
    texts, owners = notebook.part_texts(nb, skip_tagged=ALLOW_TAG)
    big = "\n".join(texts)
    candidates = _lines_of_hits(texts, big, _trigger_hits(big), _anchored)
    table_candidates = _per_text(texts, table.hit_lines(big))
    widget_values = notebook.password_widget_values(nb)
    passwords = [_Hit(line, PASSWORD_WIDGET, value) for line, value in widget_values]
    flagged = set(candidates) | set(table_candidates)
    if passwords:  # the widget state part, which is the notebook's
        flagged.update(index for index, owner in enumerate(owners) if owner == notebook.NOTEBOOK)
    printed = flow.printed_secrets(nb, skip_tagged=ALLOW_TAG)
    if not flagged:
        return _flow_findings(
            printed, allowed
        )  # most notebooks: no need to know which cell and part each text is
    parts = notebook.parts_of(nb, {owners[index] for index in flagged})
    findings: list[Finding] = []
    with contextlib.ExitStack() as stack:
        # detect-secrets' settings are entered once for the notebook, and only if it has a
        # candidate line for its heuristics (few notebooks do).
        scanning = stack.enter_context(engine()) if candidates else None
        for index in sorted(flagged):
            owner = owners[index]
            part = parts[owner][index - owners.index(owner)]
            hits = _part_hits(
                part, candidates.get(index, []), table_candidates.get(index, []), scanning, table
            )
            if part.label == "widget state" and part.cell is None:
                hits = _best_per_line([*hits, *passwords])
            findings.extend(_findings(part, hits, allowed))
    findings += _flow_findings(printed, allowed)
    return sorted(findings, key=_notebook_order)


def _notebook_order(finding: Finding) -> tuple[int, int]:
    return (finding.cell if finding.cell is not None else 1 << 30, 0)


def _flow_findings(printed: Iterable[flow.Printed], allowed: Collection[str]) -> list[Finding]:
    found = []
    for item in printed:
        fp = fingerprint(item.shown)
        if fp not in allowed:
            found.append(
                Finding(
                    code=CODE_PRINTED,
                    message=f"{item.what} printed in a kept output ({item.label}; fingerprint {fp})",
                    cell=item.cell,
                    line=item.line,
                    check=NAME,
                    fingerprint=fp,
                    part="source",
                )
            )
    return found


def _findings(part: Part, hits: Iterable[_Hit], allowed: Collection[str]) -> Iterator[Finding]:
    for hit in hits:
        fp = fingerprint(hit.value)
        if fp in allowed:
            continue
        if hit.rule is not None:
            message = (
                f"{hit.kind} in {part.label} ({mask(hit.value, hit.rule)}, fingerprint {fp}); "
                f"revoke it: {hit.rule.revoke}"
            )
        else:
            message = f"{hit.kind} in {part.label} (fingerprint {fp})"
        yield Finding(
            code=hit.rule.code if hit.rule is not None else code_for(hit.kind),
            message=message,
            cell=part.cell,
            line=hit.line,
            check=NAME,
            fingerprint=fp,
            part=part.label,
        )


@dataclass(frozen=True)
class Scanner:
    """The check the command line runs (:func:`make_check`): :func:`check` on each notebook
    it is called with, an unexpected error becoming a finding on the file (NBG001) that names
    only the error's type, since its message could quote the text being scanned.

    Picklable, so that batches can be spread over processes: the engine (detect-secrets'
    plugins and filters, set up once) is made on first need in the process that scans, and
    is left out of pickling. detect-secrets' settings are entered for each notebook that
    has a candidate line and left before the call returns.
    """

    allowed_fingerprints: frozenset[str] = frozenset()
    custom_rules: tuple[tuple[tuple[str, Any], ...], ...] = ()  # configured rules, as read (custom.py)
    _engine: _Engine | None = field(default=None, init=False, repr=False, compare=False)
    _custom_table: Table | None = field(default=None, init=False, repr=False, compare=False)

    def __call__(self, nb: Notebook) -> list[Finding]:
        try:
            return _scan(nb, self.allowed_fingerprints, self._kept_engine, self._table())
        except Exception as exc:  # noqa: BLE001 - any error becomes a finding on the file (NBG001)
            error = NotebookError(f"secrets scan failed ({type(exc).__name__})")
            return [error_finding("", error, NAME)]

    def _table(self) -> Table:
        if not self.custom_rules:
            return _builtin_table()
        table = self._custom_table
        if table is None:
            table = custom.table_with(self.custom_rules)
            object.__setattr__(self, "_custom_table", table)  # frozen: a cache, not a field's value
        return table

    def _kept_engine(self) -> _Engine:
        engine = self._engine
        if engine is None:
            engine = _Engine()
            object.__setattr__(self, "_engine", engine)  # frozen: a cache, not a field's value
        return engine

    def __getstate__(self) -> dict[str, Any]:
        return {"allowed_fingerprints": self.allowed_fingerprints, "custom_rules": self.custom_rules}

    def __setstate__(self, state: dict[str, Any]) -> None:
        object.__setattr__(self, "allowed_fingerprints", state["allowed_fingerprints"])
        object.__setattr__(self, "custom_rules", state["custom_rules"])
        object.__setattr__(self, "_engine", None)
        object.__setattr__(self, "_custom_table", None)
