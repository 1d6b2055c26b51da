"""nbguard's own detect-secrets plugins and filters, for what detect-secrets 1.5.0 misses.

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

from detect_secrets.plugins import jwt, keyword
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.util.filetype import FileType, determine_file_type

# Virtual file types where values may be written without quotes (KEY=value).
_UNQUOTED_TYPES = frozenset(
    {FileType.CONFIG, FileType.INI, FileType.PROPERTIES, FileType.TOML, FileType.YAML}
)
_TOKEN_CHARS = r"A-Za-z0-9_"
_NOT_BEFORE = r"(?<![A-Za-z0-9])"  # the prefix starts a token, e.g. after "=" or "_"


def _bounded(body: str, chars: str = _TOKEN_CHARS) -> re.Pattern[str]:
    return re.compile(rf"{_NOT_BEFORE}(?:{body})(?![{chars}])")


# --- vendor formats ----------------------------------------------------------


class GitHubTokenDetector(RegexBasedDetector):
    """GitHub tokens, whole: classic (ghp_ and friends) and fine-grained (github_pat_).

    Replaces detect-secrets' plugin, whose capture group reports only the
    ``ghp`` prefix, so that every GitHub token shared one hash.
    """

    secret_type = "GitHub Token"
    denylist: ClassVar[list[re.Pattern[str]]] = [
        _bounded(r"gh[pousr]_[A-Za-z0-9_]{36,251}|github_pat_[A-Za-z0-9_]{70,251}")
    ]


class GitLabTokenDetector(RegexBasedDetector):
    """GitLab tokens, whole (detect-secrets' personal-token pattern reports only its prefix)."""

    secret_type = "GitLab Token"
    _chars = "A-Za-z0-9_-"
    denylist: ClassVar[list[re.Pattern[str]]] = [
        _bounded(r"(?:glpat|gldt|glft|glsoat|glrt)-[A-Za-z0-9_-]{20,50}", _chars),
        _bounded(r"GR1348941[A-Za-z0-9_-]{20,50}", _chars),
        _bounded(r"glcbt-(?:[0-9a-fA-F]{2}_)?[A-Za-z0-9_-]{20,50}", _chars),
        _bounded(r"glimt-[A-Za-z0-9_-]{25}", _chars),
        _bounded(r"glptt-[A-Za-z0-9_-]{40}", _chars),
        _bounded(r"glagent-[A-Za-z0-9_-]{50,1024}", _chars),
        _bounded(r"gloas-[A-Za-z0-9_-]{64}", _chars),
    ]


class OpenAITokenDetector(RegexBasedDetector):
    """OpenAI keys: legacy ``sk-…T3BlbkFJ…`` and project, service-account and admin keys.

    detect-secrets' pattern needs 20 characters without ``-`` or ``_`` on each
    side of the marker, which most ``sk-proj-`` keys do not have.
    """

    secret_type = "OpenAI Token"
    _chars = "A-Za-z0-9_-"
    denylist: ClassVar[list[re.Pattern[str]]] = [
        _bounded(
            r"sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|[A-Za-z0-9_-]{0,100}?T3BlbkFJ[A-Za-z0-9_-]{20,})",
            _chars,
        ),
    ]


class AnthropicKeyDetector(RegexBasedDetector):
    secret_type = "Anthropic API Key"
    denylist: ClassVar[list[re.Pattern[str]]] = [
        _bounded(r"sk-ant-[a-z]{2,10}\d{2}-[A-Za-z0-9_-]{80,}", "A-Za-z0-9_-")
    ]


class HuggingFaceTokenDetector(RegexBasedDetector):
    secret_type = "Hugging Face Token"
    denylist: ClassVar[list[re.Pattern[str]]] = [_bounded(r"hf_[A-Za-z0-9]{34}|api_org_[A-Za-z0-9]{34}")]


class GoogleApiKeyDetector(RegexBasedDetector):
    secret_type = "Google API Key"
    denylist: ClassVar[list[re.Pattern[str]]] = [_bounded(r"AIza[0-9A-Za-z_-]{35}", "A-Za-z0-9_-")]


class AzureSasTokenDetector(RegexBasedDetector):
    """The signature of an Azure Storage shared access signature (SAS): ``sig=`` in a query
    that also names the service version (``sv=YYYY-MM-DD``), as every SAS does. Until it
    expires, the URL alone grants what it signs."""

    secret_type = "Azure Storage SAS Token"
    denylist: ClassVar[list[re.Pattern[str]]] = [
        re.compile(r"\bsv=\d{4}-\d{2}-\d{2}\b[^\s'\"<>]*?&sig=([A-Za-z0-9%+/]{30,}(?:%3[dD]|=){0,2})")
    ]


# --- notebook context --------------------------------------------------------

# An identifier, dotted name or dict key, then an assignment or comparison.
_NAME = r"(?<![\w.-])([A-Za-z_][\w.-]{0,80}?)['\"]?\]?\s*(?::=|=>|==|!=|=|:)\s*"
_QUOTED_VALUE = re.compile(_NAME + r"""[rRbBuU]?(['"`])([^'"`\s\\]{1,200})\2""")
_BARE_VALUE = re.compile(_NAME + r"""['"]?([^'"`\s,;)\]}]{1,200})""")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_FILE_OR_URL = re.compile(
    r"://|^[~.]?/|\.(?:json|ya?ml|txt|ini|cfg|env|pem|key|p12|pkl|csv|toml|py)$", re.IGNORECASE
)

TOKEN_WORDS = frozenset({"token", "auth", "access", "credential", "credentials", "creds"})
ENV_SECRET_WORDS = frozenset(
    {"key", "apikey", "token", "secret", "pass", "password", "passwd", "pwd", "pat", "auth"}
    | {"credential", "credentials", "creds"}
)


def name_words(name: str) -> list[str]:
    """``HF_TOKEN`` -> [hf, token]; ``accessToken`` -> [access, token]; ``a.b-c`` -> [a, b, c]."""
    return [w.lower() for piece in re.split(r"[_.\-]+", name) for w in _CAMEL.findall(piece)]


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
    # calls of os.environ.setdefault and os.putenv with a name and a value
    re.compile(
        r"(?:setdefault|putenv)\(\s*(['\"])(?P<name>\w+)\1\s*,\s*[rRbBuU]?(['\"])(?P<value>[^'\"\\]+)\3"
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
    gate: ClassVar[tuple[re.Pattern[str], ...]] = (re.compile(r"env|setdefault\("),)

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
_DENYLIST_ONLY = (jwt.JwtTokenDetector, CurlUserDetector, AuthorizationHeaderDetector)


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
    """Every detector nbguard runs: detect-secrets' own, minus the ones replaced here
    (GitHub, GitLab, OpenAI), the IP address detector (an address is not a credential)
    and the entropy detectors (see the README), plus nbguard's."""
    from detect_secrets.plugins import (
        artifactory,
        aws,
        azure_storage_key,
        basic_auth,
        cloudant,
        discord,
        ibm_cloud_iam,
        ibm_cos_hmac,
        jwt,
        keyword,
        mailchimp,
        npm,
        private_key,
        pypi_token,
        sendgrid,
        slack,
        softlayer,
        square_oauth,
        stripe,
        telegram_token,
        twilio,
    )

    classes: list[type[BasePlugin]] = [
        artifactory.ArtifactoryDetector,
        aws.AWSKeyDetector,
        azure_storage_key.AzureStorageKeyDetector,
        basic_auth.BasicAuthDetector,
        cloudant.CloudantDetector,
        discord.DiscordBotTokenDetector,
        ibm_cloud_iam.IbmCloudIamDetector,
        ibm_cos_hmac.IbmCosHmacDetector,
        jwt.JwtTokenDetector,
        keyword.KeywordDetector,
        mailchimp.MailchimpDetector,
        npm.NpmDetector,
        private_key.PrivateKeyDetector,
        pypi_token.PypiTokenDetector,
        sendgrid.SendGridDetector,
        slack.SlackDetector,
        softlayer.SoftlayerDetector,
        square_oauth.SquareOAuthDetector,
        stripe.StripeDetector,
        telegram_token.TelegramBotTokenDetector,
        twilio.TwilioKeyDetector,
        GitHubTokenDetector,
        GitLabTokenDetector,
        OpenAITokenDetector,
        AnthropicKeyDetector,
        HuggingFaceTokenDetector,
        GoogleApiKeyDetector,
        AzureSasTokenDetector,
        TokenKeywordDetector,
        EnvironmentSecretDetector,
        CurlUserDetector,
        AuthorizationHeaderDetector,
    ]
    return [cls() for cls in classes]
