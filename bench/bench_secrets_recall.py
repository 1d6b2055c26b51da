"""Recall and look-alikes of `nbguard secrets`, and of detect-secrets on the same files.

    python3 bench/bench_secrets_recall.py [--out DIR] [--forms a,b] [--no-detect-secrets]
                                          [--corpus DIR]

Every row of the vendor table (hooks/nbguard/checks/secrets/rules.py) gives a fake value,
built at run time from its documented format (never a real credential), which is planted in
each form a notebook writes credentials in: quoted assignments, a call's keyword and a bare
string, `.env`, INI, YAML, TOML and JSON written by `%%writefile` or shown in markdown, `%env`,
`%set_env`, `!export`, `os.environ[...] =`, `os.getenv(..., default)`, headers and URLs, and kept
outputs (text, HTML, JSON); plus the flow of a secret into a kept output. One notebook per
plant is written to --out (a temporary folder by default). Look-alikes: each row's value with
its random characters written as x, the row's value without the context it needs, a broken
checksum where the row has one, and documented examples and placeholders.

nbguard runs in process on each notebook (what `nbguard secrets` runs on each file);
detect-secrets 1.5 runs in process on each raw .ipynb file with its default plugins, as
`detect-secrets-hook --no-verify` would: a plant is found when any finding is reported in
its notebook. --corpus also runs `nbguard secrets --format json` over a folder of real
notebooks and prints the notebooks with findings per 1,000, with the rules that fired (never
a value). Targets: recall >= 95% in every form, <= 3% of look-alikes flagged, <= 2
notebooks per 1,000 with false alarms.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import random
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import NBGUARD

from nbguard.checks.secrets import rules, scanner

RECALL_TARGET = 0.95
LOOKALIKE_TARGET = 0.03
CORPUS_TARGET = 2.0

Cell = dict[str, Any]


def code(source: str, outputs: list[dict[str, Any]] | None = None) -> Cell:
    return {
        "cell_type": "code",
        "execution_count": 1,
        "id": "c1",
        "metadata": {},
        "outputs": outputs or [],
        "source": source,
    }


def markdown(source: str) -> Cell:
    return {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": source}


def stream(text: str) -> dict[str, Any]:
    return {"output_type": "stream", "name": "stdout", "text": text}


def display(mime: str, value: Any) -> dict[str, Any]:
    return {"output_type": "display_data", "metadata": {}, "data": {mime: value}}


def notebook(cell: Cell) -> dict[str, Any]:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "cells": [cell],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    }


def module_of(rule: rules.Rule) -> str:
    """A name for the vendor's client module: one the rule's context accepts."""
    for word in rule.keywords if rule.context else ():
        if re.fullmatch(r"[a-z_][a-z0-9_]*", word):
            return word
    return re.sub(r"[^a-z0-9]", "", rule.vendor.lower()) or "vendor"


def _multiline(value: str) -> bool:
    return "\n" in value


# form -> how it writes (name, value) into one cell; None where the form cannot hold it.
def _forms() -> dict[str, Callable[[str, str, str], Cell | None]]:
    def q(value: str) -> str:
        return f'"""{value}"""' if _multiline(value) else f'"{value}"'

    def one_line(make: Callable[[str, str, str], Cell | None]) -> Callable[[str, str, str], Cell | None]:
        return lambda n, v, m: None if _multiline(v) else make(n, v, m)

    return {
        "assign, double quotes": lambda n, v, m: code(f"{n} = {q(v)}"),
        "assign, single quotes": one_line(lambda n, v, m: code(f"{n} = '{v}'")),
        "call keyword": one_line(lambda n, v, m: code(f"client = {m}.Client(api_key='{v}')")),
        "bare string": one_line(lambda n, v, m: code(f'client = {m}.Client("{v}")')),
        "%%writefile .env": one_line(lambda n, v, m: code(f"%%writefile .env\n{n}={v}\n")),
        "%%writefile INI": one_line(
            lambda n, v, m: code(f"%%writefile settings.ini\n[{m}]\n{n.lower()} = {v}\n")
        ),
        "%%writefile YAML": one_line(
            lambda n, v, m: code(f"%%writefile config.yaml\n{m}:\n  {n.lower()}: {v}\n")
        ),
        "%%writefile TOML": one_line(
            lambda n, v, m: code(f'%%writefile config.toml\n[{m}]\n{n.lower()} = "{v}"\n')
        ),
        "%%writefile JSON": one_line(
            lambda n, v, m: code(f'%%writefile creds.json\n{{"{n.lower()}": "{v}"}}\n')
        ),
        "markdown .env": one_line(lambda n, v, m: markdown(f"Set this first:\n\n```\n{n}={v}\n```\n")),
        "markdown YAML": one_line(
            lambda n, v, m: markdown(f"Config:\n\n```yaml\n{m}:\n  {n.lower()}: {v}\n```\n")
        ),
        "markdown JSON": one_line(lambda n, v, m: markdown(f'```json\n{{"{n.lower()}": "{v}"}}\n```\n')),
        "%env": one_line(lambda n, v, m: code(f"%env {n}={v}")),
        "%set_env": one_line(lambda n, v, m: code(f"%set_env {n}={v}")),
        "!export": one_line(lambda n, v, m: code(f"!export {n}={v} && python train.py")),
        "os.environ": one_line(lambda n, v, m: code(f'import os\nos.environ["{n}"] = "{v}"')),
        "os.getenv default": one_line(lambda n, v, m: code(f'import os\nkey = os.getenv("{n}", "{v}")')),
        "header": one_line(
            lambda n, v, m: (
                None
                if "://" in v
                else code(
                    f'requests.get("https://api.{m}.com/v1/items", headers={{"Authorization": "Bearer {v}"}})'
                )
            )
        ),
        "URL": one_line(
            lambda n, v, m: (
                code(f'requests.get("{v}")')
                if "://" in v
                else code(f'requests.get("https://api.{m}.com/v1/items?api_key={v}")')
            )
        ),
        "output text": lambda n, v, m: code(
            "!cat .env", [stream(f"{n}={v}\n" if not _multiline(v) else v + "\n")]
        ),
        "output HTML": one_line(
            lambda n, v, m: code(
                "df", [display("text/html", f"<table><tr><td>{n}</td><td>{v}</td></tr></table>")]
            )
        ),
        "output JSON": one_line(lambda n, v, m: code("cfg", [display("application/json", {n.lower(): v})])),
    }


def flow_plants() -> list[tuple[str, Cell]]:
    """Cells that print a secret-named variable or a getpass() value, saved with the output."""
    shown = [stream("s3cr3t-value-shown\n")]
    return [
        ("print(os.environ[...])", code('import os\nprint(os.environ["OPENAI_API_KEY"])', shown)),
        (
            "os.getenv as last line",
            code(
                'import os\nos.getenv("HF_TOKEN")',
                [
                    {
                        "output_type": "execute_result",
                        "execution_count": 1,
                        "metadata": {},
                        "data": {"text/plain": "'abc'"},
                    }
                ],
            ),
        ),
        ("getpass printed", code("from getpass import getpass\npw = getpass()\nprint(pw)", shown)),
        (
            "variable from environ",
            code('import os\nkey = os.environ.get("WANDB_API_KEY")\nprint("key:", key)', shown),
        ),
        ("!echo $VAR", code("!echo $GITHUB_TOKEN", shown)),
        ("%env NAME", code("%env AWS_SECRET_ACCESS_KEY", shown)),
    ]


def flow_lookalikes() -> list[tuple[str, Cell]]:
    shown = [stream("set\n")]
    return [
        ("len of a secret", code('import os\nprint(len(os.environ["OPENAI_API_KEY"]))', shown)),
        ("is set", code('import os\nprint(os.getenv("HF_TOKEN") is not None)', shown)),
        ("no output", code('import os\nprint(os.environ["OPENAI_API_KEY"])')),
        ("not a secret name", code('import os\nprint(os.environ["HOME"])', shown)),
        ("slice", code('import os\nprint(os.environ["OPENAI_API_KEY"][:5])', shown)),
    ]


_BAD_CHECKSUM = {
    "github-pat",
    "github-oauth",
    "github-user-to-server",
    "github-server-to-server",
    "github-refresh",
    "npm",
    "pypi",
    "jwt",
}


def lookalikes(rule: rules.Rule, rng: random.Random) -> list[tuple[str, str, str]]:
    """(kind, name, line) cells that hold no credential but look like this row's."""
    found = []
    if isinstance(rule.example, tuple):
        value = rules.placeholder(rule.example)
        if not _multiline(value):
            found.append(("placeholder", rule.env, f'{rule.env} = "{value}"'))
    value = rule.build(rng)
    # Without its context: unless a row that needs none takes the value (sk_live_ is Stripe's too).
    others = [r for r in rules.table() if not r.context and r.id != rule.id]
    if rule.context and not _multiline(value) and not any(re.search(r.pattern, value) for r in others):
        found.append(("without its context", "value", f'value = "{value}"'))
    if rule.id in _BAD_CHECKSUM:
        broken = value[:-1] + ("A" if value[-1] != "A" else "B")
        if rule.id == "pypi":  # another location than pypi.org in the macaroon
            broken = value[:12] + ("X" if value[12] != "X" else "Y") + value[13:]
        if rule.id == "jwt":  # an unsigned token: alg none, no signature
            broken = "eyJhbGciOiJub25lIn0." + value.split(".")[1] + "."
        found.append(("broken checksum", "value", f'value = "{broken}"'))
    return found


GENERIC_LOOKALIKES = [
    ("AWS documented example key id", 'aws_access_key_id = "AKIA' + 'IOSFODNN7EXAMPLE"'),
    (
        "AWS documented example secret",
        'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY' + 'EXAMPLEKEY"',
    ),
    (
        "AWS documented KMS key ARN",
        'key = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"',
    ),
    ("KMS key id after an account", 'print("111122223333:1234abcd-12ab-34cd-56ef-1234567890ab")'),
    ("spaced placeholder", 'client = Anthropic(api_key="ANTHROPIC KEY HERE")'),
    ("bearer placeholder", 'headers = {"Authorization": "bearer <your-api-key>"}'),
    ("local server dummy key", 'client = OpenAI(base_url="http://localhost:8000/v1", api_key="EMPTY")'),
    ("llama.cpp dummy key", 'client = OpenAI(api_key="sk-no-key-required")'),
    ("Slack x placeholder", 'SLACK_BOT_TOKEN = "xoxb-' + "1" * 11 + "-" + "x" * 13 + "-" + "x" * 24 + '"'),
    (
        "git commit in a URL",
        'url = "https://github.com/pandas-dev/pandas/commit/' + "0123456789abcdef" * 2 + '01234567"',
    ),
    ("md5 checksum", 'md5 = "d41d8cd98f00b204e9800998ecf8427e"'),
    ("run id UUID", 'run_id = "6f1c2b8e-3a4d-4e5f-9a0b-1c2d3e4f5a6b"'),
    (
        "Firebase web config apiKey",
        'firebaseConfig = {"apiKey": "AI' + "za" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q" + '"}',
    ),
    ("env var read", 'api_key = os.environ["OPENAI_API_KEY"]'),
    ("template", 'DATABASE_URL = "postgresql://{user}:{password}@{host}/db"'),
    ("docs URL", 'url = "postgresql://user:password@localhost:5432/mydb"'),
]


def nbguard_flags(nb: dict[str, Any]) -> list[str]:
    return [f.message.split(" in ")[0] for f in scanner.check(nb)]


def detect_secrets_flags(path: Path) -> bool:
    """Whether detect-secrets (its default plugins and filters, as in force) reports anything in
    the raw file, as its hook would."""
    from detect_secrets.core.secrets_collection import SecretsCollection

    secrets = SecretsCollection()
    secrets.scan_file(str(path))
    return bool(list(secrets))


def table_line(name: str, found: int, total: int, ds: int | None) -> str:
    rate = found / total if total else 1.0
    ds_text = "" if ds is None else f" | {ds / total:.1%}" if total else " | -"
    return f"| {name} | {found}/{total} | {rate:.1%}{ds_text} |"


def run_corpus(folder: Path) -> None:
    proc = subprocess.run(
        [*NBGUARD, "secrets", "--isolated", "--format", "json", "--exit-zero", str(folder)],
        capture_output=True,
        check=False,
        cwd=folder,
    )
    findings = [f for f in json.loads(proc.stdout or b"[]") if f.get("code", "").startswith("NBG2")]
    total = sum(1 for _ in folder.rglob("*.ipynb"))
    flagged = collections.defaultdict(list)
    for f in findings:
        flagged[f["path"]].append(f["message"].split(" (")[0].split(" in ")[0])
    print(
        f"\nCorpus: {total} notebooks, {len(flagged)} with findings "
        f"({1000 * len(flagged) / max(total, 1):.1f} per 1,000; target <= {CORPUS_TARGET:g} false alarms)"
    )
    for path, kinds in sorted(flagged.items()):
        print(f"- {path}: {', '.join(sorted(set(kinds)))}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="folder for the notebooks (default: a temporary one)")
    parser.add_argument("--forms", help="comma-separated forms to plant (default: all)")
    parser.add_argument("--no-detect-secrets", action="store_true")
    parser.add_argument("--corpus", type=Path, help="also count findings on this folder of real notebooks")
    parser.add_argument("--per-vendor", action="store_true", help="print recall for every vendor")
    args = parser.parse_args()
    from detect_secrets.settings import default_settings

    with (
        tempfile.TemporaryDirectory() as tmp,
        contextlib.nullcontext() if args.no_detect_secrets else default_settings(),
    ):
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        return run(out, args)


def run(out: Path, args: argparse.Namespace) -> int:  # noqa: C901, PLR0912, PLR0915 - one report, in order
    ds_settings = None if args.no_detect_secrets else True
    forms = _forms()
    if args.forms:
        forms = {k: v for k, v in forms.items() if k in args.forms.split(",")}
    by_form: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    by_vendor: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    missed: list[str] = []
    count = 0

    def judged(cell: Cell, name: str) -> tuple[bool, bool]:
        """Whether nbguard, and detect-secrets (when it runs), flag the cell's notebook."""
        nonlocal count
        count += 1
        nb = notebook(cell)
        path = out / f"{name}{count:05d}.ipynb"
        path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
        return bool(nbguard_flags(nb)), ds_settings is not None and detect_secrets_flags(path)

    def plant(cell: Cell, form: str, vendor: str, label: str) -> None:
        hit, ds_hit = judged(cell, "plant")
        for table, key in ((by_form, form), (by_vendor, vendor)):
            table[key][0] += hit
            table[key][1] += 1
            table[key][2] += ds_hit
        if not hit:
            missed.append(f"{label} / {form}")

    for rule in rules.table():
        rng = random.Random(rule.id)
        value = rule.build(rng)
        module = module_of(rule)
        for form, make in forms.items():
            cell = make(rule.env, value, module)
            if cell is not None:
                plant(cell, form, rule.vendor, rule.id)
    if not args.forms:
        for name, cell in flow_plants():
            plant(cell, "flow into a kept output", "(flow)", name)

    negatives: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    flagged_negatives: list[str] = []

    def negative(cell: Cell, kind: str, label: str) -> None:
        hit, ds_hit = judged(cell, "lookalike")
        negatives[kind][0] += hit
        negatives[kind][1] += 1
        negatives[kind][2] += ds_hit
        if hit:
            flagged_negatives.append(f"{label} ({kind})")

    for rule in rules.table():
        for kind, _name, line in lookalikes(rule, random.Random(rule.id + "-neg")):
            negative(code(line), kind, rule.id)
    for kind, line in GENERIC_LOOKALIKES:
        negative(code(line), "documented examples and placeholders", kind)
    for kind, cell in flow_lookalikes():
        negative(cell, "flow look-alikes", kind)

    ds_col = ds_settings is not None
    head = "| form | nbguard found | recall |" + (" detect-secrets recall |" if ds_col else "")
    print(
        f"Vendor table: {len(rules.table())} formats of {len({r.vendor for r in rules.table()})} vendors; "
        f"{count} notebooks\n"
    )
    print(head)
    print("|---|---|---|" + ("---|" if ds_col else ""))
    worst = 1.0
    for form, (hit, total, ds) in by_form.items():
        print(table_line(form, hit, total, ds if ds_col else None))
        worst = min(worst, hit / total)
    all_hit = sum(v[0] for v in by_form.values())
    all_total = sum(v[1] for v in by_form.values())
    all_ds = sum(v[2] for v in by_form.values())
    print(table_line("**all forms**", all_hit, all_total, all_ds if ds_col else None))
    vendors_low = {v: c for v, c in by_vendor.items() if c[0] < c[1]}
    print(f"\nVendors below 100%: {len(vendors_low)} of {len(by_vendor)}")
    for vendor, (hit, total, ds) in sorted(by_vendor.items() if args.per_vendor else vendors_low.items()):
        print(table_line(vendor, hit, total, ds if ds_col else None))
    print("\n| look-alikes | nbguard flagged | rate |" + (" detect-secrets flagged |" if ds_col else ""))
    print("|---|---|---|" + ("---|" if ds_col else ""))
    neg_hit = neg_total = neg_ds = 0
    for kind, (hit, total, ds) in negatives.items():
        print(table_line(kind, hit, total, ds if ds_col else None))
        neg_hit, neg_total, neg_ds = neg_hit + hit, neg_total + total, neg_ds + ds
    print(table_line("**all look-alikes**", neg_hit, neg_total, neg_ds if ds_col else None))
    if missed:
        print(f"\nMissed ({len(missed)}): " + "; ".join(missed[:60]))
    if flagged_negatives:
        print(f"\nLook-alikes flagged ({len(flagged_negatives)}): " + "; ".join(flagged_negatives[:60]))
    ok = worst >= RECALL_TARGET and neg_hit / max(neg_total, 1) <= LOOKALIKE_TARGET
    print(
        f"\nworst form {worst:.1%} (target >= {RECALL_TARGET:.0%}); look-alikes flagged "
        f"{neg_hit / max(neg_total, 1):.1%} (target <= {LOOKALIKE_TARGET:.0%}): "
        f"{'meets' if ok else 'MISSES'} the targets"
    )
    if args.corpus:
        run_corpus(args.corpus)
    return 0


if __name__ == "__main__":
    sys.exit(main())
