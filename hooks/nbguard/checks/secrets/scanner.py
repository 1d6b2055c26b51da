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
import inspect
import itertools
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nbguard import notebook
from nbguard.checks.secrets import (
    ALLOW_TAG,
    CODE_ASSIGNED,
    CODE_PASSWORD_WIDGET,
    CODE_PRIVATE_KEY,
    CODE_TOKEN,
    NAME,
    PASSWORD_WIDGET,
    fingerprint,
)
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
_PRIVATE_KEY = "Private Key"
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
# Case-insensitive detectors, matched on the lower-cased text.
_LOWER_ANCHORS = re.compile(
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
            *(rf"{call}\({_SP}{_QUOTED_NAME}{_SP},{_SP}[rbu]?['\"]" for call in ("setdefault", "putenv")),
            # headers, URLs with credentials
            r"authorization|://[^\s/@]*:[^\s/@]*@",
            # AWS secret keys, Cloudant, SoftLayer, IBM IAM, Slack
            r"aws.{0,20}?(?:key|pw|pass|token).{0,20}?['\"][0-9a-z/+]{40}['\"]",
            r"cloudant|softlayer[_-]?(?:api)?[_-]?(?:key|pwd|pass|token)|://api.softlayer.com",
            *(rf"{prefix}[_-]?(?:api)?(?:key|pw|pass|token)" for prefix in ("cl", "clou", "sl")),
            *(
                rf"{word}{_QUOTE} *(?::=|=>|::|=|:| +) *['\"]?[a-z0-9_-]{{44}}(?![a-z0-9_-])"
                for word in ("key", "pwd", "pass", "token")
            ),
            r"xox[abposr]-|hooks\.slack\.com",
        ]
    )
)
# Case-sensitive vendor formats, matched on the text as it is.
_CASED_ANCHORS = re.compile(
    "|".join(
        [
            (
                r"AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}|ABIA[0-9A-Z]{16}|ACCA[0-9A-Z]{16}"
                r"|A3T[A-Z0-9][0-9A-Z]{16}"
            ),
            r"AccountKey=|AKC[a-zA-Z0-9]{10}|AP[\dA-F][a-zA-Z0-9]{8}",
            *(rf"{c}[a-zA-Z\d_-]{{23,25}}\.[a-zA-Z\d_-]{{6}}\.[a-zA-Z\d_-]{{27}}" for c in "MNO"),
            r"gh[pousr]_|github_pat_|gl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas)-|GR1348941",
            r"eyJ|-us\d|_authToken|T3BlbkFJ|sk-proj-|sk-svcacct-|sk-admin-|sk-ant-",
            r"PRIVATE KEY|PuTTY-User-Key-File-2|pypi-AgE|SG\.|sq0csp-|rk_live_|sk_live_",
            r":(?<=\d{8}:)[0-9A-Za-z_-]{35}|AC[a-z0-9]{32}|SK[a-z0-9]{32}",
            r"hf_[A-Za-z0-9]{34}|api_org_[A-Za-z0-9]{34}|AIza|&sig=",
            r"-(?<!\S-)u|-(?<!\S-)-user",  # curl -u, --user: after whitespace or at the start of a line
        ]
    )
)
# Detectors each of whose matches holds a match of _CASED_ANCHORS: the engine
# runs them only on the candidate lines where one matches (few: most are
# candidates for a keyword).
_CASED_DETECTORS = frozenset(
    {
        *("ArtifactoryDetector", "AzureStorageKeyDetector", "DiscordBotTokenDetector", "JwtTokenDetector"),
        *("MailchimpDetector", "NpmDetector", "PrivateKeyDetector", "PypiTokenDetector", "SendGridDetector"),
        *("SquareOAuthDetector", "StripeDetector", "TelegramBotTokenDetector", "TwilioKeyDetector"),
        *("GitHubTokenDetector", "GitLabTokenDetector", "OpenAITokenDetector", "AnthropicKeyDetector"),
        *("HuggingFaceTokenDetector", "GoogleApiKeyDetector", "AzureSasTokenDetector"),
    }
)
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
# key, pwd, pass or token, then a separator and 44 characters (the anchors' IBM patterns)
_LONG_VALUE = r"""['"]?\]? *(?::=|=>|::|=|:| +) *['"]?[a-zA-Z\d_\u212a-]{44}"""
# key, pw, pass or token, then 40 characters in quotes (the anchor's AWS pattern, whose "aws"
# the triggers leave to the anchor: w is too common a character to stop at)
_AWS_VALUE = r""".{0,20}?['"][0-9a-zA-Z/+\u212a]{40}['"]"""


def _after_vendor_prefix(word: str) -> str:
    """Lookbehinds for ``word`` right after cl, clou, sl or softlayer, then _ or - (or not),
    then api (or not, and then _ or - or not), as in the Cloudant and SoftLayer anchors."""
    return "|".join(
        f"(?<={vendor}{sep}{api}{word})"
        for vendor in ("[cs]l", "clou", "softlayer")
        for sep in ("", "[_-]")
        for api in ("", "api", "api[_-]")
    )


_ANY_CASE_TRIGGERS = {
    "k": [
        # key after a keyword (api_key...) or cl/clou/sl/softlayer (and api), or before _?pass,
        # a long value or an AWS value
        rf"[eE][yY](?:(?i:(?<=[iehtbvlusr_-]key))|_?[pP][aA][sS][sS]|{_LONG_VALUE}|{_AWS_VALUE})",
        # token assigned, after cl/clou/sl/softlayer (and api), or before a long or an AWS value
        rf"[eE][nN](?i:(?<=token)(?:{_ASSIGNED}|{_LONG_VALUE}|{_AWS_VALUE}|{_after_vendor_prefix('token')}))",
        r"[sS](?i:(?<=hooks)\.slack\.com)",
    ],
    "p": [  # passw, db_?pass, database_?pass, pass after a vendor prefix, pwd, pw after one; AWS
        rf"[aA][sS][sS](?:[wW]|(?i:(?<=[beilur_-]pass))|{_LONG_VALUE}|{_AWS_VALUE})",
        rf"[wW](?:[dD]|(?i:(?<=[ilu_-]pw))|{_AWS_VALUE})",
    ],
    "c": [  # secret, credential(s) and creds assigned, contrase, cloudant, access assigned
        rf"[rR][eE](?:[tT](?i:(?<=secret))|[dD](?i:entials?|s){_ASSIGNED})",
        r"[oO](?i:ntrase)",
        r"[lL](?i:oudant)",
        rf"[eE][sS][sS](?i:(?<=access)){_ASSIGNED}",
    ],
    "h": [rf"(?i:(?<=auth)){_ASSIGNED}", r"[oO](?i:(?<=autho)rization)"],  # auth assigned, authorization
    "%": [r"(?i:env|set_env)\s"],
    "[": [rf"""(?i:(?<=environ\[))(?={_SP}['"])"""],
    "(": [rf"""(?i:(?<=setdefault\()|(?<=putenv\())(?={_SP}['"])"""],
}
_CASED_TRIGGERS = {
    "A": [r"KIA|SIA|BIA|CCA|3T|ccountKey=|KC|P[\dA-F]|C[a-z0-9]|Iza"],
    "K": [r"EY(?<=PRIVATE KEY)|ey-File-2(?<=PuTTY-User-Key-File-2)|(?<=SK)[a-z0-9]"],
    "k": [r"_live_(?<=[rs]k_live_)|FJ(?<=T3BlbkFJ)"],
    "h": [r"f_[A-Za-z0-9]{34}|[pousr]_(?<=gh[pousr]_)|ub_pat_(?<=github_pat_)|Token(?<=_authToken)"],
    "p": [r"i_org_(?<=api_org_)"],
    "J": [r"(?<=eyJ)"],
    "&": [r"sig="],  # Azure SAS
    "G": [r"R1348941|\.(?<=SG\.)"],
    **{char: [r"[a-zA-Z\d_-]{23,25}\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}"] for char in "MNO"},  # Discord
    "-": [  # -us1, curl -u and --user, sk-proj- and co, pypi-AgE, then the prefixes that end in "-"
        r"u(?:s\d|(?<!\S-u))|-user(?<!\S--user)|(?<=sk-)(?:proj|svcacct|admin|ant)-|AgE(?<=pypi-AgE)",
        (
            r"(?<=[a-zA-Z]-)(?:(?<=sq0csp-)|(?<=gl(?:dt|ft|rt)-)|(?<=gl(?:pat|cbt|imt|ptt|oas)-)|(?<=glsoat-)"
            r"|(?<=glagent-)|(?i:(?<=xox[abposr]-)))"
        ),
    ],
    # credentials in a URL, SoftLayer's API URL, Telegram
    ":": [r"//(?:[^\s/@]*:[^\s/@]*@|(?i:api.softlayer.com))|(?<=\d{8}:)"],
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
    found: dict[int, list[int]] = {}
    big = "\n".join(texts)
    hits = _trigger_hits(big)
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
        if _anchored(big[begin:end]):
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
_ENV_LINE = re.compile(r"\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=\S")
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
            return lambda _index: written.group(1)
    if part.style in (notebook.PYTHON, notebook.CODE):
        return lambda index: _CONFIG_NAME if _SHELL_LINE.match(lines[index]) else name
    if part.style in (notebook.MARKDOWN, notebook.TEXT):
        return lambda index: _CONFIG_NAME if _ENV_LINE.match(lines[index]) else name
    return lambda _index: name


# --- findings ----------------------------------------------------------------


def code_for(kind: str) -> str:
    if kind == _PRIVATE_KEY:
        return CODE_PRIVATE_KEY
    if kind == PASSWORD_WIDGET:
        return CODE_PASSWORD_WIDGET
    return CODE_ASSIGNED if kind in _ASSIGNED_KINDS else CODE_TOKEN


@dataclass(frozen=True)
class _Hit:
    """One value found on one line of one part (kept in memory only, never printed)."""

    line: int  # 1-based, within the part
    kind: str
    value: str


_PEM_BLOCK = re.compile(r"BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-*(.*?)-*END[A-Z0-9 ]*PRIVATE KEY", re.DOTALL)
_PEM_NOISE = re.compile(r"\\[nr]|[^A-Za-z0-9+/=]")
_PEM_REACH = 200  # lines: far more than any key


def _private_key_value(lines: list[str], index: int) -> str:
    """A private key's body (marker to END marker, only its base64), so its fingerprint
    names this key rather than the marker every key shares."""
    block = _PEM_BLOCK.search("\n".join(lines[index : index + _PEM_REACH]))
    if block is None:
        return lines[index].strip()
    return _PEM_NOISE.sub("", block.group(1)) or lines[index].strip()


def _best_per_line(hits: Iterable[_Hit]) -> list[_Hit]:
    """One hit per secret per line: a value also found inside a longer or more specific
    one on the same line (a keyword match of a GitHub token, a cut-short JWT) is dropped."""
    kept: list[_Hit] = []
    ranked = sorted(hits, key=lambda h: (h.line, h.kind in _GENERIC_KINDS, -len(h.value)))
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
        self._need_cased = [type(plugin).__name__ in _CASED_DETECTORS for plugin in self._plugins]
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
                        value = self._whole_value(secret.type, value, filename, lines, index)
                        if value is not None:
                            yield _Hit(index + 1, secret.type, value)

    def _plugins_for(self, line: str) -> Iterator[Any]:
        """The plugins that may find something in ``line``; skipping the others, which
        would find nothing, saves detect-secrets' call overhead and their regexes."""
        cased = _CASED_ANCHORS.search(line) is not None
        for plugin, gate, needs_cased in zip(self._plugins, self._gates, self._need_cased, strict=True):
            if (cased or not needs_cased) and (gate is None or any(regex.search(line) for regex in gate)):
                yield plugin

    def _whole_value(self, kind: str, value: str, filename: str, lines: list[str], index: int) -> str | None:
        """The value to fingerprint: a private key's whole body; in config-style
        lines the first word only (detect-secrets' unquoted pattern runs to the end
        of the line, so ``export TOKEN=abc && run`` would give ``abc && run``)."""
        if kind == _PRIVATE_KEY:
            return _private_key_value(lines, index)
        if filename == _CONFIG_NAME and len(value.split()) > 1:
            value = value.split(maxsplit=1)[0]
            if any(is_noise(value) for is_noise in self._value_filters):
                return None
        return value


def _part_hits(part: Part, numbers: list[int], engine: _Engine | None) -> list[_Hit]:
    if not numbers or engine is None:
        return []
    lines = part.text.split("\n")
    return _best_per_line(engine.scan(lines, numbers, _line_names(part, lines)))


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
    return _scan(nb, allowed_fingerprints, _Engine)


def _scan(nb: Notebook, allowed: Collection[str], engine: Callable[[], _Engine]) -> list[Finding]:
    """:func:`check`, with ``engine()`` giving the engine, asked for only if a line is a candidate."""
    texts, owners = notebook.part_texts(nb, skip_tagged=ALLOW_TAG)
    candidates = _candidates(texts)
    widget_values = notebook.password_widget_values(nb)
    passwords = [_Hit(line, PASSWORD_WIDGET, value) for line, value in widget_values]
    flagged = set(candidates)
    if passwords:  # the widget state part, which is the notebook's
        flagged.update(index for index, owner in enumerate(owners) if owner == notebook.NOTEBOOK)
    if not flagged:
        return []  # most notebooks: no need to know which cell and part each text is
    parts = notebook.parts_of(nb, {owners[index] for index in flagged})
    findings: list[Finding] = []
    with contextlib.ExitStack() as stack:
        # detect-secrets' settings are entered once for the notebook, and only if it has a
        # candidate line (about one notebook in seven).
        scanning = stack.enter_context(engine()) if candidates else None
        for index in sorted(flagged):
            owner = owners[index]
            part = parts[owner][index - owners.index(owner)]
            hits = _part_hits(part, candidates.get(index, []), scanning)
            if part.label == "widget state" and part.cell is None:
                hits = _best_per_line([*hits, *passwords])
            findings.extend(_findings(part, hits, allowed))
    return findings


def _findings(part: Part, hits: Iterable[_Hit], allowed: Collection[str]) -> Iterator[Finding]:
    for hit in hits:
        fp = fingerprint(hit.value)
        if fp in allowed:
            continue
        yield Finding(
            code=code_for(hit.kind),
            message=f"{hit.kind} in {part.label} (fingerprint {fp})",
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
    _engine: _Engine | None = field(default=None, init=False, repr=False, compare=False)

    def __call__(self, nb: Notebook) -> list[Finding]:
        try:
            return _scan(nb, self.allowed_fingerprints, self._kept_engine)
        except Exception as exc:  # noqa: BLE001 - any error becomes a finding on the file (NBG001)
            error = NotebookError(f"secrets scan failed ({type(exc).__name__})")
            return [error_finding("", error, NAME)]

    def _kept_engine(self) -> _Engine:
        engine = self._engine
        if engine is None:
            engine = _Engine()
            object.__setattr__(self, "_engine", engine)  # frozen: a cache, not a field's value
        return engine

    def __getstate__(self) -> dict[str, Any]:
        return {"allowed_fingerprints": self.allowed_fingerprints}

    def __setstate__(self, state: dict[str, Any]) -> None:
        object.__setattr__(self, "allowed_fingerprints", state["allowed_fingerprints"])
        object.__setattr__(self, "_engine", None)
