"""The tables of the README and of docs/, made from the check registry, the vendor
table and the benchmarks' results.

``python -m nbguard.docs README.md docs/*.md`` rewrites the blocks between
``<!-- generated: NAME -->`` and ``<!-- end generated -->`` in each file given; a test
checks that every file holds exactly what this module makes, so a check's options and
codes are written down in one place, its declaration, the credential formats in theirs,
the rows of ``nbguard.checks.secrets.rules``, and the speed figures in the file
``bench/run_all.py`` writes.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

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


def speed_table(results: Path) -> str:
    """The benchmarks' headline rows, from ``bench/results.json``."""
    data = json.loads(results.read_text(encoding="utf-8"))
    rows = ["| what | nbguard | peer | ratio | target | met |", "|---|---|---|---|---|---|"]
    for row in data["rows"]:
        cells = (row["what"], row["nbguard"], row["peer"], row["ratio"], row["target"])
        rows.append("| " + " | ".join(_cell(c) for c in cells) + f" | {'yes' if row['met'] else '**no**'} |")
    rows.append("")
    rows.append(f"Measured on {data['date']}: {data['machine']}, {data['runs']}.")
    return "\n".join(rows) + "\n"


def project_root(path: Path) -> Path:
    """The folder of the project a documentation file belongs to (its pyproject.toml)."""
    for folder in path.resolve().parents:
        if (folder / "pyproject.toml").exists():
            return folder
    return path.resolve().parent


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


def block(name: str, root: Path | None = None) -> str:
    """The text of one generated block: ``codes``, ``keys``, ``speed`` (from
    ``ROOT/bench/results.json``), ``options CHECK``, ``secrets vendors`` or ``secrets count``."""
    if name == "codes":
        return codes_table()
    if name == "keys":
        return keys_table()
    if name == "speed" and root is not None:
        return speed_table(root / "bench" / "results.json")
    if name == "secrets vendors":
        return vendors_table()
    if name == "secrets count":
        return vendors_count()
    kind, _, check = name.partition(" ")
    if kind == "options" and check in checks.NAMES:
        return options_table(checks.get(check))
    raise KeyError(name)


def update(text: str, root: Path | None = None) -> str:
    """``text`` with every generated block made anew."""
    return _BLOCK.sub(lambda m: m.group(1) + block(m.group(2), root) + m.group(4), text)


def blocks(text: str) -> list[tuple[str, str]]:
    """(name, text) of every generated block in ``text``."""
    return [(m.group(2), m.group(3)) for m in _BLOCK.finditer(text)]


def main(argv: Sequence[str]) -> int:
    for path in argv:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        new = update(text, project_root(Path(path)))
        if new != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
            print(f"{path}: updated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
