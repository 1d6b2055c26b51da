"""Custom rules from configuration: ``[[tool.nbguard.secrets-rules]]`` tables (or
``[[secrets-rules]]`` in ``.nbguard.toml``), each a row of the vendor table that the
project writes itself:

    [[tool.nbguard.secrets-rules]]
    id = "acme-api-key"              # required: letters, digits, - and _
    regex = 'acme_[a-z0-9]{32}'      # required: RE2 syntax; (?P<s>...) names the secret
    keywords = ["acme_"]             # required: literals one of which is in every match
    entropy = 3.0                    # optional: the least Shannon entropy, bits per character
    name = "Acme API key"            # optional: what messages call it
    revoke = "https://acme.example/keys"  # optional: where to revoke it

Patterns are compiled with google-re2, whose matching time is linear in the text: a
pathological pattern cannot hang a commit. A bad rule is a usage error naming the file and
the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nbguard.checks.secrets import rules
    from nbguard.checks.secrets.table import Table

KEY = "secrets-rules"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_FIELDS = {"id", "regex", "keywords", "entropy", "name", "revoke"}

Spec = tuple[tuple[str, Any], ...]  # one rule as read, hashable and picklable


class RuleError(ValueError):
    """A custom rule that cannot be used; the message names the key, never a matched text."""


def compile_re2(pattern: str) -> Any:
    try:
        import re2  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - google-re2 is a dependency; kept for platforms without a wheel
        raise RuleError(
            "custom secrets rules need google-re2, which is not installed (pip install google-re2)"
        ) from None
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 8 << 20
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        detail = (
            exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else exc
        )
        raise RuleError(f"does not compile with RE2 ({detail})") from None


def parse(entries: Any, where: str) -> tuple[Spec, ...]:
    """Validated rules from the configuration's ``secrets-rules`` value; raises ConfigError
    naming ``where`` (the file) and the key."""
    from nbguard.checks.secrets import rules
    from nbguard.config import ConfigError

    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{where}: '{KEY}' must be a list of tables ([[tool.nbguard.{KEY}]])")
    specs = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        label = f"{where}: {KEY} #{number}"
        try:
            spec = _spec(entry)
        except RuleError as exc:
            raise ConfigError(f"{label}: {exc}") from None
        rule_id = dict(spec)["id"]
        if rule_id in seen or rule_id in rules.by_id():
            raise ConfigError(f"{label}: 'id' {rule_id!r} is already a rule's")
        seen.add(rule_id)
        specs.append(spec)
    return tuple(specs)


def _spec(entry: Mapping[str, Any]) -> Spec:
    unknown = sorted(set(entry) - _FIELDS)
    if unknown:
        raise RuleError(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(_FIELDS))})")
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not _ID.fullmatch(rule_id):
        raise RuleError("'id' must be a string of letters, digits, - and _")
    regex = entry.get("regex")
    if not isinstance(regex, str) or not regex:
        raise RuleError("'regex' must be a non-empty string")
    try:
        compile_re2(regex)
    except RuleError as exc:
        raise RuleError(f"'regex' {exc}") from None
    keywords = entry.get("keywords")
    if not isinstance(keywords, list) or not keywords or not all(isinstance(k, str) and k for k in keywords):
        raise RuleError("'keywords' must be a non-empty list of strings")
    floor = entry.get("entropy", 0.0)
    if isinstance(floor, bool) or not isinstance(floor, (int, float)) or not 0 <= floor <= 8:
        raise RuleError("'entropy' must be a number from 0 to 8")
    for text_key in ("name", "revoke"):
        if not isinstance(entry.get(text_key, ""), str):
            raise RuleError(f"{text_key!r} must be a string")
    return (
        ("id", rule_id),
        ("regex", regex),
        ("keywords", tuple(k.lower() for k in keywords)),
        ("entropy", float(floor)),
        ("name", entry.get("name") or rule_id),
        ("revoke", entry.get("revoke") or "where it was issued"),
    )


def rule_of(spec: Spec) -> rules.Rule:
    from nbguard.checks.secrets import rules

    fields = dict(spec)
    return rules.Rule(
        id=fields["id"],
        vendor="Custom rule",
        name=fields["name"],
        pattern=fields["regex"],
        keywords=fields["keywords"],
        example=("",),
        revoke=fields["revoke"],
        entropy=fields["entropy"],
        cased=False,
    )


def table_with(specs: Sequence[Spec]) -> Table:
    """The vendor table and the custom rules, theirs compiled with RE2."""
    from nbguard.checks.secrets import rules
    from nbguard.checks.secrets.table import Table

    custom = [rule_of(spec) for spec in specs]
    matchers = {rule.id: compile_re2(rule.pattern) for rule in custom}
    return Table((*rules.table(), *custom), matchers)
