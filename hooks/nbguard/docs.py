"""The README's tables, made from the check registry.

``python -m nbguard.docs README.md`` rewrites the blocks between
``<!-- generated: NAME -->`` and ``<!-- end generated -->``; a test checks that
the README holds exactly what this module makes, so a check's options and
codes are written down in one place, its declaration.
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


def block(name: str) -> str:
    """The text of one generated block: ``codes``, ``keys`` or ``options CHECK``."""
    if name == "codes":
        return codes_table()
    if name == "keys":
        return keys_table()
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
