"""The documentation's tables, made from the check registry and the vendor table.

``python -m nbguard.docs README.md docs/secrets.md`` rewrites the blocks between
``<!-- generated: NAME -->`` and ``<!-- end generated -->`` in each file given (the
README, the pages of docs/); a test checks that every file holds exactly what this
module makes, so a check's options and codes are written down in one place, its
declaration, and the credential formats in theirs, the rows of
``nbguard.checks.secrets.rules``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence

from nbguard import checks
from nbguard.registry import Check, Option

_BLOCK = re.compile(r"(<!-- generated: ([\w -]+) -->\n)(.*?)(<!-- end generated -->)", re.DOTALL)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _flag(option: Option) -> str:
    spelled = f"--{option.key}"
    metavar = option.kind.cli(option).get("metavar")
    if metavar:
        spelled += f" {metavar}"
    elif option.kind.name == "choice":
        spelled += " " + "|".join(option.choices)
    elif option.kind.name == "switch":
        spelled += f"`, `--no-{option.key}"
    return _cell(f"`{spelled}`" + "".join(f", `{flag}`" for flag, _ in option.aliases))


def options_table(check: Check) -> str:
    rows = ["| option | meaning | default |", "|---|---|---|"]
    for option in check.options:
        default = option.default_text() or "-"
        rows.append(f"| {_flag(option)} | {_cell(option.help)} | {_cell(default)} |")
    return "\n".join(rows) + "\n"


def codes_table() -> str:
    rows = ["| code | check | meaning | how to fix |", "|---|---|---|---|"]
    for name, code in checks.all_codes():
        meaning = code.description or code.title
        rows.append(f"| `{code.code}` | {name or 'all'} | {_cell(meaning)} | {_cell(code.fix)} |")
    return "\n".join(rows) + "\n"


def keys_table() -> str:
    """Every configuration key: the checks' switches, their options, the run's options."""
    from nbguard import config

    rows = ["| key | value | default | per path |", "|---|---|---|---|"]
    for key, option in config.options().items():
        default = option.default_text() or "-"
        per_path = "yes" if option.per_path else "no"
        rows.append(f"| `{key}` | {_cell(option.expected())} | {_cell(default)} | {per_path} |")
    return "\n".join(rows) + "\n"


def vendors_table() -> str:
    """Every row of the secrets check's vendor table: what it finds, how, where to revoke it."""
    from nbguard.checks.secrets import rules

    rows = ["| vendor | credential | id | how it is told apart | revoke at |", "|---|---|---|---|---|"]
    for rule in sorted(rules.table(), key=lambda r: (r.vendor.lower(), r.name.lower())):
        how = [
            "checksum" if rule.validator is not None else "",
            "needs " + " / ".join(f"`{w}`" for w in rule.keywords) + " on the line" if rule.context else "",
        ]
        told = "; ".join(h for h in how if h) or "its format"
        cells = (_cell(rule.vendor), _cell(rule.name), f"`{rule.id}`", _cell(told), _cell(rule.revoke))
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def vendors_count() -> str:
    from nbguard.checks.secrets import rules

    table = rules.table()
    return f"{len(table)} formats of {len({r.vendor for r in table})} vendors.\n"


def block(name: str) -> str:
    """The text of one generated block: ``codes``, ``keys``, ``options CHECK``,
    ``secrets vendors`` or ``secrets count``."""
    if name == "codes":
        return codes_table()
    if name == "keys":
        return keys_table()
    if name == "secrets vendors":
        return vendors_table()
    if name == "secrets count":
        return vendors_count()
    kind, _, check = name.partition(" ")
    if kind == "options" and check in checks.NAMES:
        return options_table(checks.get(check))
    raise KeyError(name)


def update(text: str) -> str:
    """``text`` with every generated block made anew."""
    return _BLOCK.sub(lambda m: m.group(1) + block(m.group(2)) + m.group(4), text)


def blocks(text: str) -> list[tuple[str, str]]:
    """(name, text) of every generated block in ``text``."""
    return [(m.group(2), m.group(3)) for m in _BLOCK.finditer(text)]


def main(argv: Sequence[str]) -> int:
    for path in argv:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        new = update(text)
        if new != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
            print(f"{path}: updated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
