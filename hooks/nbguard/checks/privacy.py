"""``nbguard privacy``: personal data and details of the author's machine in what is committed.

The core, :func:`check`, reads every part of the notebook that would be
committed (sources, markdown, kept outputs, metadata) and reports, by
category:

- ``home``: a home directory that names a user (``/home/alice``, ``/Users/alice``,
  ``C:\\Users\\alice``), in tracebacks, ``!pwd`` output, logs and sources; the
  users of containers and CI (``jovyan``, ``root``, ``runner``...) are not people;
- ``email``: an e-mail address, except reserved example domains (``example.com``,
  ``.test``, ``.invalid``...), no-reply senders and the ``git@`` of SSH URLs;
- ``card``: a payment card number (a card network's prefix and a valid Luhn
  digit), except the networks' published test numbers;
- ``iban``: an IBAN whose mod-97 check holds, except the standard's examples;
- ``private-ip``: an address of a private network (10/8, 172.16/12, 192.168/16);
- ``phone``: a phone number in the ``+`` form or after a phone label, valid for
  ``phonenumbers``; ``national-id``: a national identifier in its format or after its
  label, valid for ``python-stdnum`` (both libraries load only for a candidate,
  see :mod:`nbguard.checks.privacy_ids`);
- ``host``: a machine's name: a shell prompt's ``user@host``, ``hostname``'s output, and
  names under the private suffixes ``.local``, ``.lan``, ``.internal``, ``.corp``...

What the author typed (sources, markdown) is the author's choice, and mostly their own
contact details: there only the categories of ``privacy-sources`` are looked for (by
default those that a checksum validates); everything else is looked for in what the
session printed (kept outputs), metadata and attachments.

Precision comes first: checksums are validated and reserved values excluded.
A message never shows a value in full (``a***@corp.com``, ``**** 4242``); each
finding has a fingerprint (a prefix of the value's SHA-256) for the baseline.
Cells tagged ``nbguard:allow-privacy`` are skipped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any, NamedTuple

from nbguard import notebook
from nbguard.lazyre import Pattern
from nbguard.notebook import Notebook
from nbguard.registry import LIST, Check, Code, Option, split_list
from nbguard.report.finding import NOTE_CODE, Finding

NAME = "privacy"
CODE_HOME = "NBG501"
CODE_EMAIL = "NBG502"
CODE_CARD = "NBG503"
CODE_IBAN = "NBG504"
CODE_PRIVATE_IP = "NBG505"
CODE_PHONE = "NBG506"
CODE_NATIONAL_ID = "NBG507"
CODE_HOST = "NBG508"
ALLOW_TAG = "nbguard:allow-privacy"
CATEGORIES = ("home", "email", "card", "iban", "private-ip", "phone", "national-id", "host")  # _FINDERS' keys
# On by default: the categories whose findings on the 1,913 corpus notebooks are real (docs/privacy.md).
DEFAULT_CATEGORIES = ["home", "email", "card", "iban", "phone", "national-id", "host"]
# Looked for in sources too by default: the categories that a checksum validates.
DEFAULT_SOURCE_CATEGORIES = ["card", "iban", "national-id"]

_HOME = Pattern(
    r"(?:(?<![\w.-])/(?:home|Users)/|(?<![A-Za-z])[A-Za-z]:\\{1,2}Users\\{1,2})([A-Za-z][\w.-]{1,31})"
)
# Not people: the users of containers, CI runners, cloud images and documentation.
_NOT_PEOPLE = frozenset(
    {
        "jovyan",
        "root",
        "runner",
        "ubuntu",
        "ec2-user",
        "user",
        "username",
        "vscode",
        "codespace",
        "runneradmin",
    }
    | {"default", "public", "all users", "administrator", "admin", "you", "yourname", "name", "me", "shared"}
    | {"travis", "circleci", "jenkins", "gitlab-runner", "vsts", "conda", "docker", "colab", "nbuser"}
    | {"hadoop", "spark", "jupyter", "sagemaker-user", "studio-lab-user", "ec2-user", "centos", "azureuser"}
)
# Not after "/" or ":": the user of a URL (https://user@host, https://user:token@host) is no address.
_EMAIL = Pattern(
    r"(?<![\w.%+/:-])([A-Za-z0-9_%+-][A-Za-z0-9._%+-]{0,63})@((?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24})(?![\w-])"
)
_RESERVED_DOMAINS = frozenset({"example.com", "example.org", "example.net", "localhost"})
# Placeholders that documentation writes for a domain.
_PLACEHOLDER_DOMAINS = frozenset(
    {"domain.com", "yourdomain.com", "mydomain.com", "company.com", "yourcompany.com", "email.com"}
    | {"test.com", "foo.com", "bar.com", "foobar.com", "acme.com", "host.com", "server.com"}
)
_RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".local")
_NOT_A_PERSON = frozenset({"git", "noreply", "no-reply", "donotreply", "do-not-reply"})
# Each pattern starts with its first character's class, the boundary checked behind it, so that
# the engine skips ahead to candidates instead of trying every position.
# A card is written as one run of digits, or in groups of four (Amex: 4-6-5) with one
# separator; not inside a decimal number (3.5222681725978306's fraction).
_CARD = Pattern(
    r"\d(?<![\w.,-]\d)(?:\d{12,18}|\d{3}([ -])\d{4}\1\d{4}\1\d{1,7}|\d{3}([ -])\d{6}\2\d{5})(?![\w-]|\.\d)"
)
# The networks' published test numbers (Stripe's, Visa's, Mastercard's, ...): not a person's.
_TEST_CARDS = frozenset(
    {"4242424242424242", "4111111111111111", "4000056655665556", "5555555555554444", "5105105105105100"}
    | {"378282246310005", "371449635398431", "6011111111111117", "4012888888881881", "2223003122003222"}
)
_IBAN = Pattern(r"([A-Z](?<![A-Z0-9][A-Z])[A-Z]\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?)(?![A-Z0-9])")
_EXAMPLE_IBANS = frozenset({"DE89370400440532013000", "GB82WEST12345698765432", "GB29NWBK60161331926819"})
_PRIVATE_IP = Pattern(
    r"1(?<![\d.]1)(?:0\.\d{1,3}|72\.(?:1[6-9]|2\d|3[01])|92\.168)\.\d{1,3}\.\d{1,3}(?![\d.])"
)


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card_network(digits: str) -> bool:
    """A prefix and length that a card network issues (Visa, Mastercard, Amex, Discover)."""
    length = len(digits)
    return (
        (digits[0] == "4" and length in (13, 16, 19))
        or (51 <= int(digits[:2]) <= 55 and length == 16)
        or (2221 <= int(digits[:4]) <= 2720 and length == 16)
        or (digits[:2] in ("34", "37") and length == 15)
        or ((digits[:4] == "6011" or digits[:2] == "65") and length == 16)
    )


def _iban_valid(iban: str) -> bool:
    """ISO 13616: the country's code and check digits moved to the end, as a number, mod 97 is 1."""
    moved = iban[4:] + iban[:4]
    number = "".join(str(int(char, 36)) for char in moved)
    return int(number) % 97 == 1


def _private_ip_valid(address: str) -> bool:
    return all(int(part) <= 255 for part in address.split("."))


def _masked_email(local: str, domain: str) -> str:
    return f"{local[0]}***@{domain}"


def _domain_allowed(domain: str, allowed: Collection[str]) -> bool:
    domain = domain.lower()
    return (
        domain in _RESERVED_DOMAINS
        or domain in _PLACEHOLDER_DOMAINS
        or len(domain.split(".")[0]) == 1  # a@b.com, c@d.com: placeholders
        or domain.endswith(_RESERVED_SUFFIXES)
        or any(domain == a or domain.endswith("." + a) for a in allowed)
    )


Hit = tuple[int, str, str, str]  # offset, code, what it is (masked), the value


class Context(NamedTuple):
    """What a finder may need beside the text: the allowed domains, and the source of the
    cell whose output the text is (empty for a source or metadata)."""

    allowed_domains: Collection[str] = ()
    cell_source: str = ""


def _homes(text: str, _ctx: Context) -> Iterator[Hit]:
    if "/home/" not in text and "/Users/" not in text and "Users\\" not in text:
        return  # substring searches are much faster than the pattern's
    for match in _HOME.finditer(text):
        user = match.group(1).rstrip(".")
        if user.lower() not in _NOT_PEOPLE:
            masked = match.group(0)[: match.start(1) - match.start()] + user[0] + "***"
            yield match.start(), CODE_HOME, f"a home directory that names a user ({masked})", user


def _emails(text: str, ctx: Context) -> Iterator[Hit]:
    if "@" not in text:
        return
    for match in _EMAIL.finditer(text):
        local, domain = match.groups()
        if local.lower() not in _NOT_A_PERSON and not _domain_allowed(domain, ctx.allowed_domains):
            yield match.start(), CODE_EMAIL, f"an e-mail address ({_masked_email(local, domain)})", match[0]


def _cards(text: str, _ctx: Context) -> Iterator[Hit]:
    for match in _CARD.finditer(text):
        digits = re.sub(r"[ -]", "", match[0])
        if _card_network(digits) and _luhn(digits) and digits not in _TEST_CARDS:
            yield match.start(), CODE_CARD, f"a payment card number (**** {digits[-4:]})", digits


def _ibans(text: str, _ctx: Context) -> Iterator[Hit]:
    for match in _IBAN.finditer(text):
        iban = match[1].replace(" ", "")
        if iban not in _EXAMPLE_IBANS and _iban_valid(iban):
            yield match.start(), CODE_IBAN, f"an IBAN ({iban[:2]}** **** {iban[-4:]})", iban


def _private_ips(text: str, _ctx: Context) -> Iterator[Hit]:
    for match in _PRIVATE_IP.finditer(text):
        if _private_ip_valid(match[0]):
            first = match[0].split(".")[0]
            yield match.start(), CODE_PRIVATE_IP, f"a private network address ({first}.*.*.*)", match[0]


def _phones(text: str, _ctx: Context) -> Iterator[Hit]:
    from nbguard.checks import privacy_ids

    for offset, what, value in privacy_ids.phones(text):
        yield offset, CODE_PHONE if value else NOTE_CODE, what, value


def _national_ids(text: str, _ctx: Context) -> Iterator[Hit]:
    from nbguard.checks import privacy_ids

    for offset, what, value in privacy_ids.national_ids(text):
        yield offset, CODE_NATIONAL_ID if value else NOTE_CODE, what, value


# A shell prompt: user@host:~/path$ (bash's default), user@host:/path#. Both patterns start
# with a literal (@, the suffix's dot), which the engine skips ahead to; what stands before
# it is read afterwards.
_PROMPT = Pattern(r"@([A-Za-z0-9][A-Za-z0-9-]{0,62}(?:\.[A-Za-z0-9-]+)*):[~/]\S*[$#](?!\S)")
_PROMPT_USER = Pattern(r"(?<![\w.@-])[a-z_][\w.-]{0,31}\Z")
# A name under a suffix that only private networks use (RFC 6762's .local, RFC 8375's
# home.arpa, and the de facto .lan, .internal, .corp...): labels of letters, digits and
# hyphens only, so that Python names (threading.local, _thread._local) are not hosts.
_PRIVATE_SUFFIX = Pattern(r"\.(?:local|lan|internal|corp|intranet|localdomain|home\.arpa)(?![\w(-]|\.\w)")
# Unambiguous (a label, then dot-label pairs), so that a failed search cannot backtrack far.
_HOST_NAME_BEFORE = Pattern(r"(?<![\w./\\@-])[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9][A-Za-z0-9-]*)*\Z")
_HOST_SUFFIXES = (".local", ".lan", ".internal", ".corp", ".intranet", ".localdomain", ".home.arpa")
# A cell that prints its machine's name: !hostname, socket.gethostname(), platform.node().
_PRINTS_HOSTNAME = Pattern(
    r"(?m)^\s*(?:!|%%?(?:sx|system|bash|sh)\b.*\n?\s*)?hostname\b|gethostname\(|platform\.node\(|uname\("
)
_HOSTNAME_LINE = Pattern(r"""\s*['"]?([A-Za-z0-9][A-Za-z0-9.-]{0,252})['"]?\s*""")
# Not a person's machine: container ids, cloud images' defaults, documentation's names.
_GENERIC_HOSTS = frozenset(
    {"localhost", "host.docker.internal", "gateway.docker.internal", "metadata.google.internal"}
    | {"ubuntu", "jupyter", "runner", "colab", "localhost.localdomain", "buildkitsandbox"}
)
_DOC_HOST_LABELS = frozenset(
    {"example", "localhost", "hostname", "host", "myhost", "yourhost", "mymachine", "machine"}
    | {"server", "myserver", "yourserver", "computer", "mycomputer", "mydomain", "domain", "test"}
)


def _host_allowed(host: str) -> bool:
    name = host.lower().rstrip(".")
    labels = name.split(".")
    return (
        name in _GENERIC_HOSTS
        or bool(_DOC_HOST_LABELS.intersection(labels))
        or re.fullmatch(r"[0-9a-f]{12}|[0-9a-f]{64}", labels[0]) is not None  # a Docker container's id
        or re.fullmatch(r"ip-\d+-\d+-\d+-\d+|[\d.]+", labels[0]) is not None  # an address, not a name
        or labels[-1] in ("svc", "cluster")  # Kubernetes' service names
    )


def _masked_host(host: str) -> str:
    head, dot, rest = host.partition(".")
    return f"{head[0]}***{dot}{rest}" if dot else f"{head[0]}***"


def _named_hosts(text: str) -> Iterator[tuple[int, str]]:
    """(offset, name) of shell prompts' hosts and names under a private suffix."""
    if "@" in text and ":" in text:
        for m in _PROMPT.finditer(text):
            if _PROMPT_USER.search(text, max(0, m.start() - 33), m.start()):
                yield m.start(1), m[1]
    if any(suffix in text for suffix in _HOST_SUFFIXES):
        for m in _PRIVATE_SUFFIX.finditer(text):
            name = _HOST_NAME_BEFORE.search(text, max(0, m.start() - 200), m.start())
            if name:
                yield name.start(), name[0] + m[0]


def _hosts(text: str, ctx: Context) -> Iterator[Hit]:
    hosts = list(_named_hosts(text))
    if ctx.cell_source and _PRINTS_HOSTNAME.search(ctx.cell_source):
        line = _HOSTNAME_LINE.fullmatch(text.split("\n", 1)[0])
        if line and not line[1].replace(".", "").isdigit():
            hosts.append((line.start(1), line[1]))
    for offset, host in hosts:
        if not _host_allowed(host):
            yield offset, CODE_HOST, f"a host name ({_masked_host(host)})", host.lower()


# One finder per category, in the order of CATEGORIES.
_FINDERS: dict[str, Callable[[str, Context], Iterator[Hit]]] = {
    "home": _homes,
    "email": _emails,
    "card": _cards,
    "iban": _ibans,
    "private-ip": _private_ips,
    "phone": _phones,
    "national-id": _national_ids,
    "host": _hosts,
}


def check(
    nb: Notebook,
    *,
    categories: Collection[str] = tuple(DEFAULT_CATEGORIES),
    source_categories: Collection[str] = tuple(DEFAULT_SOURCE_CATEGORIES),
    allowed_domains: Collection[str] = (),
    strip_options: Any = None,
) -> list[Finding]:
    """Personal data in what would be committed (``strip_options``: the notebook's
    stripping, None when it is off), one finding per value per line; in sources, only
    the ``categories`` that are also ``source_categories``."""
    from nbguard.checks.secrets import fingerprint

    if strip_options is not None:
        from nbguard.checks.strip import strip

        nb = strip(nb, strip_options)
    in_sources = [c for c in categories if c in source_categories]
    found: list[Finding] = []
    notes: set[str] = set()
    sources: dict[int | None, str] = {}
    for part in notebook.iter_parts(nb, skip_tagged=ALLOW_TAG):
        if part.label == "source":
            sources[part.cell] = part.text
            wanted, ctx = in_sources, Context(allowed_domains)
        else:
            wanted, ctx = list(categories), Context(allowed_domains, sources.get(part.cell, ""))
        seen: set[tuple[int, str]] = set()
        hits = (hit for category in wanted for hit in _FINDERS[category](part.text, ctx))
        for offset, code, what, value in sorted(hits):
            if code == NOTE_CODE:
                if what not in notes:
                    notes.add(what)
                    found.append(Finding(NOTE_CODE, what))
                continue
            line = part.text.count("\n", 0, offset) + 1
            if (line, value) in seen:
                continue
            seen.add((line, value))
            fp = fingerprint(value)
            found.append(
                Finding(
                    code,
                    f"{what} in {part.label} (fingerprint {fp})",
                    part.cell,
                    line,
                    fingerprint=fp,
                    part=part.label,
                )
            )
    return found


# --- the fix: home directories in outputs become ~ ------------------------------------------------

# Colour codes are kept as they are: the paths between them are rewritten.
_ANSI_SPLIT = Pattern(r"(\x1b\[[0-?]*[ -/]*[@-~])")
# Keys of an output that hold no text a person reads, and nbformat 3's binary keys.
_NOT_TEXT_KEYS = frozenset({"output_type", "metadata", "execution_count", "prompt_number", "name"})
_V3_BINARY_KEYS = frozenset({"png", "jpeg", "jpg", "gif", "svg", "pdf"})


def _home_to_tilde(text: str, count: list[int]) -> str:
    def tilde(match: re.Match[str]) -> str:
        user = match.group(1).rstrip(".")
        if user.lower() in _NOT_PEOPLE:
            return match[0]
        count[0] += 1
        return "~" + match.group(1)[len(user) :]  # a full stop after the name stays

    if "/home/" not in text and "/Users/" not in text and "Users\\" not in text:
        return text
    chunks = _ANSI_SPLIT.split(text)
    return "".join(chunk if index % 2 else _HOME.sub(tilde, chunk) for index, chunk in enumerate(chunks))


def _rewritten(value: Any, count: list[int]) -> Any:
    """``value`` with home directories replaced in every string; the same object if none was."""
    if isinstance(value, str):
        new = _home_to_tilde(value, count)
        return value if new == value else new
    if isinstance(value, list):
        items = [_rewritten(v, count) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, dict):
        changed = {
            k: v
            if k in _NOT_TEXT_KEYS or k in _V3_BINARY_KEYS or notebook.is_binary_mime(str(k))
            else _rewritten(v, count)
            for k, v in value.items()
        }
        return value if all(changed[k] is v for k, v in value.items()) else changed
    return value


def _cells_rewritten(cells: list[Any], count: list[int]) -> list[Any]:
    new_cells = []
    for cell in cells:
        outputs = cell.get("outputs") if isinstance(cell, dict) else None
        metadata = cell.get("metadata") if isinstance(cell, dict) else None
        tags = metadata.get("tags") if isinstance(metadata, dict) else None
        if not outputs or not isinstance(outputs, list) or (isinstance(tags, list) and ALLOW_TAG in tags):
            new_cells.append(cell)
            continue
        new_outputs = _rewritten(outputs, count)
        new_cells.append(cell if new_outputs is outputs else {**cell, "outputs": new_outputs})
    return new_cells


def replace_homes(nb: Notebook) -> tuple[Notebook, str]:
    """``nb`` with each home directory that names a user replaced by ``~`` in the outputs
    (never in sources or metadata, never in a cell tagged ``nbguard:allow-privacy``), and a
    note saying how many; ``nb`` itself and an empty note where there was none. The input
    is not modified."""
    count = [0]
    if isinstance(nb.get("worksheets"), list):  # nbformat 2 and 3
        new = {
            **nb,
            "worksheets": [
                {**ws, "cells": _cells_rewritten(ws["cells"], count)}
                if isinstance(ws, dict) and isinstance(ws.get("cells"), list)
                else ws
                for ws in nb["worksheets"]
            ],
        }
    elif isinstance(nb.get("cells"), list):
        new = {**nb, "cells": _cells_rewritten(nb["cells"], count)}
    else:  # nbformat 1 keeps no outputs in cells nbguard reads
        return nb, ""
    if not count[0]:
        return nb, ""
    return new, f"replaced {count[0]} home director{'ies' if count[0] != 1 else 'y'} with ~ in outputs"


def build_fix(settings: Mapping[str, Any]) -> Callable[[Notebook], tuple[Notebook, str]] | None:
    """The fix for a notebook's settings: None where the home category is off."""
    return replace_homes if "home" in split_list(settings["privacy-categories"]) else None


def build(settings: Mapping[str, Any]) -> Callable[[Notebook], list[Finding]]:
    from nbguard.config import ConfigError

    categories = split_list(settings["privacy-categories"])
    source_categories = split_list(settings["privacy-sources"])
    unknown = [c for c in (*categories, *source_categories) if c not in CATEGORIES]
    if unknown:
        raise ConfigError(f"unknown privacy category {unknown[0]!r}: use {', '.join(CATEGORIES)}")
    strip_options = None
    if settings["strip"]:
        from nbguard.checks.strip import options_from_settings

        strip_options = options_from_settings(settings)
    return functools.partial(
        check,
        categories=categories,
        source_categories=source_categories,
        allowed_domains=tuple(d.lower().lstrip("@.") for d in split_list(settings["allow-domains"])),
        strip_options=strip_options,
    )


CHECK = Check(
    name=NAME,
    help="find personal data and machine details in what would be committed",
    codes=(
        Code(
            CODE_HOME,
            "A home directory that names a user",
            "Strip the output, or print paths relative to the project",
            description="A path such as `/home/alice` or `C:\\Users\\alice` in a traceback, a log or "
            "a source: it names the author and describes their machine.",
            level="warning",
        ),
        Code(
            CODE_EMAIL,
            "An e-mail address",
            "Remove it, or allow its domain (`allow-domains`) if it is not personal",
            description="An e-mail address in a source, a kept output (a DataFrame table, say) or metadata.",
            security_severity=5.0,
        ),
        Code(
            CODE_CARD,
            "A payment card number",
            "Remove it and the output that shows it; use the networks' test numbers in examples",
            description="A number with a card network's prefix and a valid Luhn check digit.",
            security_severity=8.0,
        ),
        Code(
            CODE_IBAN,
            "An IBAN",
            "Remove it and the output that shows it",
            description="An international bank account number whose mod-97 check holds.",
            security_severity=7.0,
        ),
        Code(
            CODE_PRIVATE_IP,
            "A private network address",
            "Strip the output, or use a documentation address (192.0.2.0/24)",
            description="An address of a private network (10/8, 172.16/12, 192.168/16): a detail of the "
            "author's network. Off by default (`privacy-categories`).",
            level="note",
        ),
        Code(
            CODE_PHONE,
            "A phone number",
            "Remove it and the output that shows it",
            description="A number in the international `+` form, or after a phone label or in a phone "
            "column, that `phonenumbers` finds valid; fictional ranges (555-01xx) are not findings.",
            security_severity=5.0,
        ),
        Code(
            CODE_NATIONAL_ID,
            "A national identifier",
            "Remove it and the output that shows it",
            description="A US SSN, UK NINO or NHS number, German tax id, French NIR, Dutch BSN, "
            "Indian Aadhaar or Brazilian CPF, in its format or after its label, that `python-stdnum` "
            "validates (checksum or rules).",
            security_severity=8.0,
        ),
        Code(
            CODE_HOST,
            "A host name",
            "Strip the output, or print names that do not describe the machine",
            description="A shell prompt's `user@host`, `hostname`'s output, or a name under a private "
            "suffix (`.local`, `.lan`, `.internal`, `.corp`): a detail of the author's machine or network.",
            level="warning",
        ),
    ),
    options=(
        Option(
            "privacy-categories",
            LIST,
            DEFAULT_CATEGORIES,
            f"what to look for, among {', '.join(CATEGORIES)}",
            metavar="CATEGORIES",
        ),
        Option(
            "privacy-sources",
            LIST,
            DEFAULT_SOURCE_CATEGORIES,
            "the categories also looked for in cell sources and markdown (what the author typed); "
            "the others only in outputs, metadata and attachments",
            metavar="CATEGORIES",
        ),
        Option(
            "allow-domains",
            LIST,
            [],
            "e-mail domains that are not personal, e.g. the project's own (subdomains included)",
            metavar="DOMAINS",
        ),
    ),
    build=build,
    build_fix=build_fix,
    group="privacy",
    uses=("strip",),  # what is committed depends on the stripping options
)
