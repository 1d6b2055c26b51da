"""``nbguard secrets``: find credentials anywhere a notebook can hold them.

The core, :func:`check`, walks the parsed notebook part by part
(:mod:`nbguard.notebook`) and runs detect-secrets' plugins and filters,
plus nbguard's own (:mod:`nbguard.checks.secrets.detectors`), in process, on each
part's text; never on the raw JSON and never with network verification.
A cheap prefilter picks the candidate lines first, so detect-secrets is
imported only for notebooks that have one.

Findings name the cell, the part, the line within the part, the kind of
secret and a fingerprint (a prefix of the SHA-256 of the value) that can be
allowlisted. The value itself is never put in a finding, a message or an
exception.

The scanner (:mod:`.scanner`) is imported only when the check is made, the
detectors (:mod:`.detectors`, detect-secrets' plugins and nbguard's) only for
notebooks with a candidate line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from nbguard.notebook import Notebook
from nbguard.registry import LIST, Check, Code, Option
from nbguard.report.finding import Finding

NAME = "secrets"
CODE_TOKEN = "NBG201"  # a credential in a vendor's format
CODE_ASSIGNED = "NBG202"  # a secret-looking value under a secret name, in a header or a URL
CODE_PRIVATE_KEY = "NBG203"
CODE_PASSWORD_WIDGET = "NBG204"
CODE_PRINTED = "NBG205"  # a cell that prints a secret, saved with its output

ALLOW_TAG = "nbguard:allow-secrets"
FINGERPRINT_LENGTH = 12
PASSWORD_WIDGET = "Password Widget Value"


def fingerprint(value: str) -> str:
    """The short public name of a secret: a prefix of its SHA-256."""
    import hashlib  # loads OpenSSL: only once a secret is found

    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:FINGERPRINT_LENGTH]


def check(nb: Notebook, *, allowed_fingerprints: Collection[str] = frozenset()) -> list[Finding]:
    """Credentials in ``nb``, one finding per secret per line, in notebook order (see
    :func:`nbguard.checks.secrets.scanner.check`)."""
    from nbguard.checks.secrets import scanner

    return scanner.check(nb, allowed_fingerprints=allowed_fingerprints)


# --- command line ------------------------------------------------------------

_FINGERPRINT = re.compile(rf"[0-9a-f]{{{FINGERPRINT_LENGTH}}}")


def parse_fingerprints(values: Iterable[str]) -> frozenset[str]:
    """Fingerprints from a list whose items may hold several, comma- or space-separated.

    Raises ValueError on a malformed one, without echoing it: a value pasted
    there by mistake may be the secret itself.
    """
    found = set()
    for value in values:
        for item in re.split(r"[,\s]+", value.strip()):
            if item and not _FINGERPRINT.fullmatch(item.lower()):
                raise ValueError(
                    f"invalid fingerprint in allow-fingerprints: use the {FINGERPRINT_LENGTH} "
                    "hex digits nbguard prints"
                )
            if item:
                found.add(item.lower())
    return frozenset(found)


def kwargs_from_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`checked`'s keyword arguments from effective settings (config.KEYS names)."""
    from nbguard.config import ConfigError

    try:
        allowed = parse_fingerprints(settings.get("allow-fingerprints") or ())
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    from nbguard.checks.secrets.custom import KEY

    return {"allowed_fingerprints": allowed, "custom_rules": tuple(settings.get(KEY) or ())}


def make_check(settings: Mapping[str, Any]) -> Callable[[Notebook], list[Finding]]:
    """The check for effective settings: a picklable :class:`.scanner.Scanner`."""
    from nbguard.checks.secrets import scanner

    return scanner.Scanner(**kwargs_from_settings(settings))


CHECK = Check(
    name=NAME,
    help="find credentials in sources, outputs, metadata and widgets",
    codes=(
        Code(
            CODE_TOKEN,
            "A credential in a vendor's format",
            "Revoke it at the vendor, remove it (and the output that shows it), "
            "read it from the environment instead",
            description="A token or key in a format a vendor documents, in a cell's source, an output, "
            "the metadata or an attachment.",
            security_severity=9.0,
        ),
        Code(
            CODE_ASSIGNED,
            "A secret-looking value under a secret name or in a credential slot",
            "As for NBG201; if it is not a secret, add `# pragma: allowlist secret` or allow its fingerprint",
            description="A secret-looking value under a secret name, in an `Authorization` header, "
            "a URL or `curl -u`.",
            security_severity=7.5,
        ),
        Code(CODE_PRIVATE_KEY, "A private key", "Revoke the key, remove it", security_severity=9.0),
        Code(
            CODE_PASSWORD_WIDGET,
            "A saved password widget value",
            "Change that password; stop saving widget state, or run `nbguard strip` "
            "(it removes `metadata.widgets`)",
            description="A `Password` widget's value saved in the notebook's widget state.",
            security_severity=7.5,
        ),
        Code(
            CODE_PRINTED,
            "A secret printed in a kept output",
            "Clear the cell's output (`nbguard strip`), revoke the secret, and print only whether it is set",
            description="A code cell prints or displays a secret-named environment variable or a "
            "`getpass()` value, and was saved with its output.",
            security_severity=7.5,
        ),
    ),
    options=(
        Option(
            "allow-fingerprints",
            LIST,
            [],
            "fingerprints of secrets not to report (repeatable or comma-separated; adds to the configured)",
            metavar="FPS",
            expected_text="a list of fingerprints",
            adds=True,
        ),
    ),
    build=make_check,
    group="secrets",
)
