"""nbguard's heuristics as detect-secrets plugins and filters: secret-looking values under
secret names, in the environment, in headers and in ``curl -u``. Vendor formats are not here:
they are the table's rows (:mod:`.rules`), scanned without detect-secrets (:mod:`.table`).

Plugins follow detect-secrets' plugin API (``secret_type`` and
``analyze_string``), so they also load in detect-secrets itself
(``detect-secrets scan --plugin hooks/nbguard/checks/secrets/detectors.py``).
Filters are plain functions whose parameter names detect-secrets injects.

Importing this module imports detect-secrets: only nbguard.checks.secrets
imports it, and only once a notebook has a candidate line.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import Any, ClassVar

from detect_secrets.plugins import keyword
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.util.filetype import FileType, determine_file_type

from nbguard.checks.secrets.flow import ENV_SECRET_WORDS, name_words

__all__ = ["ENV_SECRET_WORDS", "name_words"]

# Virtual file types where values may be written without quotes (KEY=value).
_UNQUOTED_TYPES = frozenset(
    {FileType.CONFIG, FileType.INI, FileType.PROPERTIES, FileType.TOML, FileType.YAML}
)
# --- notebook context --------------------------------------------------------

# An identifier, dotted name or dict key, then an assignment or comparison.
_NAME = r"(?<![\w.-])([A-Za-z_][\w.-]{0,80}?)['\"]?\]?\s*(?::=|=>|==|!=|=|:)\s*"
_QUOTED_VALUE = re.compile(_NAME + r"""[rRbBuU]?(['"`])([^'"`\s\\]{1,200})\2""")
_BARE_VALUE = re.compile(_NAME + r"""['"]?([^'"`\s,;)\]}]{1,200})""")
_FILE_OR_URL = re.compile(
    r"://|^[~.]?/|\.(?:json|ya?ml|txt|ini|cfg|env|pem|key|p12|pkl|csv|toml|py)$", re.IGNORECASE
)

TOKEN_WORDS = frozenset({"token", "auth", "access", "credential", "credentials", "creds"})


def looks_like_secret(value: str) -> bool:
    """A value worth reporting under a generic name: long, mixed letters and digits, no path."""
    return (
        8 <= len(value) <= 200
        and any(c.isalpha() for c in value)
        and any(c.isdigit() for c in value)
        and not _FILE_OR_URL.search(value)
    )


def _unquoted(filename: str) -> bool:
    return determine_file_type(filename) in _UNQUOTED_TYPES


class TokenKeywordDetector(BasePlugin):
    """Values assigned to names ending in token, auth, access, credential(s) or access key.

    detect-secrets' keyword list lacks these words; ``HF_TOKEN = "…"``,
    ``Client(auth="…")`` and ``{"access_token": "…"}`` are found here. The
    name's last word must match (``tokenizer`` and ``author`` do not), and
    the value must look like a secret.
    """

    secret_type = "Secret Keyword"
    # A reported name ends with one of these words (name_words splits it and lower-cases the words).
    gate: ClassVar[tuple[re.Pattern[str], ...]] = (re.compile("token|auth|access|cred", re.IGNORECASE),)

    def analyze_line(
        self,
        filename: str,
        line: str,
        line_number: int = 0,
        context: Any = None,
        **_kwargs: Any,
    ) -> Any:
        return super().analyze_line(
            filename=filename,
            line=line,
            line_number=line_number,
            context=context,
            unquoted=_unquoted(filename),
        )

    def analyze_string(self, string: str, unquoted: bool = False) -> Generator[str, None, None]:
        for regex, group in ((_QUOTED_VALUE, 3), (_BARE_VALUE, 2))[: 2 if unquoted else 1]:
            for match in regex.finditer(string):
                words = name_words(match.group(1))
                value = match.group(group)
                if (
                    words
                    and (words[-1] in TOKEN_WORDS or words[-2:] == ["access", "key"])
                    and looks_like_secret(value)
                ):
                    yield value


_ENV_ASSIGNMENTS = (
    # %env NAME=value, %env NAME value, %set_env NAME=value
    re.compile(r"%(?:set_)?env\s+(?P<name>[A-Za-z_]\w*)(?:\s*=\s*|\s+)(['\"]?)(?P<value>\S+?)\2\s*$"),
    # assignments to os.environ["NAME"]
    re.compile(r"environ\[\s*(['\"])(?P<name>\w+)\1\s*\]\s*=\s*[rRbBuU]?(['\"])(?P<value>[^'\"\\]+)\3"),
    # calls of os.environ.setdefault and os.putenv with a name and a value, and the default of
    # os.getenv and os.environ.get
    re.compile(
        r"(?:setdefault|putenv|getenv|environ\.get)\(\s*(['\"])(?P<name>\w+)\1\s*,\s*[rRbBuU]?(['\"])"
        r"(?P<value>[^'\"\\]+)\3"
    ),
)


class EnvironmentSecretDetector(BasePlugin):
    """Secrets put into the environment from a notebook.

    ``%env NAME=value``, ``os.environ["NAME"] = "value"``, ``setdefault`` and
    ``putenv`` where NAME ends in a secret word (KEY, TOKEN, SECRET, PASS,
    PAT, AUTH, CREDENTIALS; not ``KEY_ID`` or ``KEY_PATH``).
    """

    secret_type = "Secret Environment Variable"
    # Each of _ENV_ASSIGNMENTS holds env (%env, environ, putenv) or setdefault(.
    gate: ClassVar[tuple[re.Pattern[str], ...]] = (re.compile(r"env|setdefault\(|environ\.get\("),)

    def analyze_string(self, string: str) -> Generator[str, None, None]:
        for regex in _ENV_ASSIGNMENTS:
            for match in regex.finditer(string):
                words = name_words(match["name"])
                value = match["value"]
                if (
                    words
                    and words[-1] in ENV_SECRET_WORDS
                    and len(value) >= 6
                    and not _FILE_OR_URL.search(value)
                ):
                    yield value


class CurlUserDetector(RegexBasedDetector):
    """The password of ``curl -u user:password`` (also ``--user user:password``)."""

    secret_type = "Basic Auth Credentials"
    denylist: ClassVar[list[re.Pattern[str]]] = [
        re.compile(r"(?:^|\s)(?:-u|--user)(?:\s*|=)(['\"]?)[^\s:'\"]+:([^\s'\"]{4,})\1(?=\s|$)")
    ]

    def analyze_string(self, string: str) -> Generator[str, None, None]:
        for match in self.denylist[0].finditer(string):
            yield match.group(2)


class AuthorizationHeaderDetector(RegexBasedDetector):
    """The credential of an ``Authorization`` header (``Bearer``, ``Basic``, ``token``, …)."""

    secret_type = "Authorization Header"
    denylist: ClassVar[list[re.Pattern[str]]] = [
        re.compile(
            r"(?i:authorization)['\"\]]*\s*[:=,]\s*[fFrRbB]?['\"]?\s*"
            r"(?:((?i:bearer|basic|token|bot|digest))\s+)?([A-Za-z0-9._~+/=-]{8,})"
        )
    ]

    def analyze_string(self, string: str) -> Generator[str, None, None]:
        for match in self.denylist[0].finditer(string):
            scheme, value = match.groups()
            # After a scheme any credential counts (base64 of user:pass may hold no
            # digit); without one, only a secret-looking value (not prose).
            if scheme or looks_like_secret(value):
                yield value


# --- filters -----------------------------------------------------------------

_PLACEHOLDER = re.compile(
    r"(?i:^(?:your|insert|enter|replace|paste|put))(?:[\s_-]|[A-Z])"
    r"|(?i:x{4,}|^x{3}$|\*{3,}|\.{3}|…|placeholder|[\s_-]here$)"
    # Vendors' documented example values (AWS's AKIAIOSFODNN7EXAMPLE and its example
    # secret ...EXAMPLEKEY): seven capitals no random credential spells by chance.
    r"|EXAMPLE",
)
_CONSTANT_NAME = re.compile(r"[A-Z]+(?:[_-][A-Z0-9]+)+")
_PLACEHOLDER_WORDS = frozenset(
    {"password", "passwd", "pass", "secret", "token", "key", "apikey", "api_key", "username"}
    | {"user", "changeme", "test", "none", "null", "bearer", "basic", "simple", "digest"}
    # Dummy keys that OpenAI-compatible clients pass to local inference servers (vLLM's
    # "EMPTY", llama.cpp's "sk-no-key-required", LM Studio's "lm-studio", "not-needed").
    | {"empty", "dummy", "fake", "redacted", "sk-no-key-required", "not-needed", "lm-studio"}
)


def is_placeholder(secret: str) -> bool:
    """Documentation, not secrets: ``YOUR_API_KEY``, ``your-token-here``, ``ANTHROPIC KEY HERE``,
    ``hf_...``, ``xxx``, ``****``, ``EnterYourPassword``, a vendor's ``...EXAMPLE`` value, a
    local server's dummy key (``EMPTY``), or a bare word such as ``password``."""
    value = secret.strip()
    return (
        value.lower() in _PLACEHOLDER_WORDS
        or bool(_CONSTANT_NAME.fullmatch(value))
        or bool(_PLACEHOLDER.search(value))
    )


def is_low_variety(secret: str) -> bool:
    """Long values made of at most four distinct characters (DNA sequences such as
    ``ACCAGT…`` that fit the AWS key-id pattern, runs of one letter): a random
    credential of 16 or more characters never is."""
    return len(secret) >= 16 and len(set(secret)) <= 4


_INDIRECT_VALUE = re.compile(r"^[A-Za-z_][\w.]*[\[(]")


def is_indirect_reference(secret: str) -> bool:
    """The value is an expression such as ``get_secret()`` or ``request.headers['key']``.

    Replaces detect-secrets' filter of the same name, which drops any line
    shaped ``x = f(...)``, so ``Client(api_key="…")`` was never reported, and
    whose regex takes seconds on lines padded with spaces. This one looks at
    the captured value only, with an anchored linear-time pattern.
    """
    return bool(_INDIRECT_VALUE.match(secret))


# --- gates -------------------------------------------------------------------
#
# Running a plugin on a line costs detect-secrets' argument injection and
# the plugin's own regexes, which for the keyword plugins are slow. A gate is
# a set of cheap regexes one of which matches every line in which the plugin
# finds anything: a line that none matches is skipped (tests compare against
# running every plugin).

# Every regex of detect-secrets' keyword plugin starts with one of its keywords.
_KEYWORDS = re.compile("|".join(keyword.DENYLIST), re.IGNORECASE)
# Plugins whose analyze_string yields only matches (or groups) of their denylist.
_DENYLIST_ONLY = (CurlUserDetector, AuthorizationHeaderDetector)


def line_gate(plugin: BasePlugin) -> tuple[re.Pattern[str], ...] | None:
    """The gate of ``plugin``, or None when none is known (it then runs on every line)."""
    kind = type(plugin)
    if kind is keyword.KeywordDetector:
        return (_KEYWORDS,)
    gate: tuple[re.Pattern[str], ...] | None = getattr(kind, "gate", None)
    if gate is not None:
        return gate
    if kind.analyze_line is not BasePlugin.analyze_line:
        return None
    if kind.analyze_string is not RegexBasedDetector.analyze_string and kind not in _DENYLIST_ONLY:
        return None
    denylist = tuple(getattr(plugin, "denylist", ()))
    return denylist if denylist and all(isinstance(regex, re.Pattern) for regex in denylist) else None


# --- configuration -----------------------------------------------------------

# detect-secrets settings for a scan: its default filters, except that
# nbguard's value-only indirect-reference filter replaces its line filter,
# and placeholders are dropped. No verification filter: nothing is ever sent
# to a vendor. Filters that look only at the file name are left out: the
# names nbguard passes are virtual.
SETTINGS: dict[str, Any] = {
    "plugins_used": [],
    "filters_used": [
        {"path": f"detect_secrets.filters.{name}"}
        for name in (
            "allowlist.is_line_allowlisted",
            "heuristic.is_sequential_string",
            "heuristic.is_potential_uuid",
            "heuristic.is_likely_id_string",
            "heuristic.is_templated_secret",
            "heuristic.is_prefixed_with_dollar_sign",
            "heuristic.is_not_alphanumeric_string",
        )
    ]
    + [
        {"path": f"{__name__}.{name}"}
        for name in ("is_indirect_reference", "is_placeholder", "is_low_variety")
    ],
}


def all_plugins() -> list[BasePlugin]:
    """Every detect-secrets plugin nbguard runs: its keyword plugin and its URL-credentials
    plugin, and nbguard's heuristics. Its vendor plugins are replaced by the table (rules.py),
    its IP address plugin left out (an address is not a credential), and its entropy plugins
    too (see docs/secrets.md)."""
    from detect_secrets.plugins import basic_auth, keyword

    classes: list[type[BasePlugin]] = [
        basic_auth.BasicAuthDetector,
        keyword.KeywordDetector,
        TokenKeywordDetector,
        EnvironmentSecretDetector,
        CurlUserDetector,
        AuthorizationHeaderDetector,
    ]
    return [cls() for cls in classes]
