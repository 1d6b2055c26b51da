"""Recall and precision of `nbguard privacy` on planted values, and its alarms on the corpus.

    python3 bench/bench_privacy.py [CORPUS_DIR] [--notebooks N] [--seed S] [--repeat R]

Builds N realistic notebooks at run time (DataFrame HTML tables, `df.head()` text,
logging lines, IPython tracebacks with ANSI colours, `!hostname` output, markdown), every
cell kept with its outputs, each cell holding one planted personal value (valid checksums,
built by tests/fake_personal.py) or one look-alike (invalid checksums, timestamps, numeric
ids, versions, reserved domains and documentation addresses, fictional phone numbers,
container and site-packages paths, container prompts). Runs `nbguard privacy` once over
them with every category on (sources: the default `privacy-sources`), and prints:

- recall per category: planted cells with a finding of that category (target >= 95%);
- look-alikes flagged: look-alike cells with any finding (target <= 2%);
- the corpus: notebooks with a finding per 1,000, per category, with the default
  configuration (what would be committed: outputs stripped) and with every output kept
  (`--keep-output`), which shows what the categories find in real outputs; and the time
  of each run (median of --repeat).

Needs: pip install -e '.[bench]' (phonenumbers and python-stdnum come with nbguard).
"""

from __future__ import annotations

import collections
import json
import random
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import NBGUARD, ROOT, corpus_files, corpus_parser, timed_run

sys.path.insert(0, str(ROOT / "tests"))  # the fake values' builders, shared with the tests
import fake_personal as fake  # type: ignore[import-not-found]  # tests/ is put on the path above
from nbguard.checks import privacy

CODES = dict(
    zip(
        privacy.CATEGORIES,
        ("NBG501", "NBG502", "NBG503", "NBG504", "NBG505", "NBG506", "NBG507", "NBG508"),
        strict=True,
    )
)
RECALL_TARGET, LOOKALIKE_TARGET, CORPUS_TARGET = 0.95, 0.02, 2.0
ESC = "\x1b"


def luhn(digits: str) -> bool:
    total = sum(int(c) if i % 2 == 0 else sum(divmod(int(c) * 2, 10)) for i, c in enumerate(reversed(digits)))
    return total % 10 == 0


# --- values -------------------------------------------------------------------------------
# Each maker returns (label, value): the column or word a person would print beside it.

USERS = ["alice", "bogdan", "chen.wu", "dmitri", "erin-k", "farah", "gustavo", "hana", "ivo", "jules"]
DOMAINS = ["northwind-data.com", "contoso.co.uk", "fabrikam.de", "tailspin.io", "wingtip.fr"]


def _luhn_card(rng: random.Random) -> str:
    prefix, length = rng.choice([("4", 16), ("51", 16), ("55", 16), ("37", 15), ("6011", 16), ("2221", 16)])
    head = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    digits = str(fake.complete(head, luhn))
    if rng.random() < 0.5:
        return digits
    groups = (
        [digits[:4], digits[4:10], digits[10:]]
        if length == 15
        else [digits[i : i + 4] for i in range(0, 16, 4)]
    )
    return rng.choice(" -").join(groups)


def _iban(rng: random.Random) -> str:
    country, bban = rng.choice(
        [
            ("DE", "".join(rng.choice("0123456789") for _ in range(18))),
            ("GB", "NWBK" + "".join(rng.choice("0123456789") for _ in range(14))),
            ("FR", "".join(rng.choice("0123456789") for _ in range(23))),
            ("NL", "ABNA" + "".join(rng.choice("0123456789") for _ in range(10))),
        ]
    )
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    iban = f"{country}{98 - int(numeric) % 97:02d}{bban}"
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)) if rng.random() < 0.5 else iban


def _home(rng: random.Random) -> tuple[str, str]:
    user = rng.choice(USERS)
    return "path", rng.choice(
        [f"/home/{user}/proj/etl.py", f"/Users/{user}/work/data.csv", f"C:\\Users\\{user}\\src\\run.py"]
    )


def _email(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(["dana", "omar", "li", "sven"]), rng.choice(["smith", "okafor", "ng", "berg"])
    local = rng.choice([f"{first}.{last}{rng.randint(1, 99)}", f"{first}+news", f"{first[0]}{last}"])
    return "email", f"{local}@{rng.choice(['', 'mail.', 'eu.'])}{rng.choice(DOMAINS)}"


def _private_ip(rng: random.Random) -> tuple[str, str]:
    return "host_ip", rng.choice(
        [
            f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        ]
    )


def _phone(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.5:
        return "contact", fake.phone_international(rng)
    national = fake.phone_national(rng)  # (415) 2xx-xxxx
    digits = "".join(c for c in national if c.isdigit())
    return rng.choice(["phone", "phone_number", "Tel", "mobile"]), rng.choice(
        [
            national,
            f"{digits[:3]}.{digits[3:6]}.{digits[6:]}",
            f"{digits[:3]}-{digits[3:6]}-{digits[6:]}",
            digits,
        ]
    )


NATIONAL_IDS: list[tuple[str, Callable[[random.Random], str]]] = [
    ("ssn", fake.ssn),
    ("cpf", fake.cpf),
    ("aadhaar", fake.aadhaar),
    ("steuer_id", fake.idnr),
    ("bsn", fake.bsn),
    ("nir", fake.nir),
    ("nhs_number", fake.nhs),
    ("nino", fake.nino),
]


def _national_id(rng: random.Random) -> tuple[str, str]:
    label, make = rng.choice(NATIONAL_IDS)
    value = make(rng)
    if rng.random() < 0.3:  # written without separators, as a database stores it
        value = value.replace(" ", "").replace("-", "").replace(".", "")
    return label, value


def _host(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(["build", "gpu", "lab", "nas", "dev"]) + f"-{rng.randint(1, 40)}"
    if rng.random() < 0.25:
        return "prompt", f"{rng.choice(USERS).split('.')[0]}@{name}:~/proj$"
    return "server", name + rng.choice(
        [".corp", ".lan", ".internal", ".local", ".eu-west-1.compute.internal"]
    )


PLANTED: dict[str, Callable[[random.Random], tuple[str, str]]] = {
    "home": _home,
    "email": _email,
    "card": lambda rng: ("card_number", _luhn_card(rng)),
    "iban": lambda rng: ("iban", _iban(rng)),
    "private-ip": _private_ip,
    "phone": _phone,
    "national-id": _national_id,
    "host": _host,
}


def _lookalike(rng: random.Random) -> tuple[str, str]:
    """A value that is not personal, with the label a person would print beside it."""
    label, make = rng.choice(NATIONAL_IDS)
    # An SSN has no check digit: its look-alike breaks the rules (area 000, 666 or 9xx).
    area = rng.choice(["000", "666", f"9{rng.randint(10, 99)}"])
    bad_ssn = f"{area}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"
    wrong_id = bad_ssn if label == "ssn" else "" if label == "nino" else fake.broken(make(rng))
    choices: list[tuple[str, str]] = [
        ("card_number", fake.broken(_luhn_card(rng).replace(" ", "").replace("-", ""))),
        ("iban", fake.broken(_iban(rng).replace(" ", ""))),
        (label, wrong_id) if label != "nino" else ("sku", "QQ123456C"),
        ("ts", str(rng.randint(1_500_000_000, 1_800_000_000))),
        ("ts_ms", str(rng.randint(1_500_000_000_000, 1_800_000_000_000))),
        (
            "created_at",
            f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:07:03,123",
        ),
        ("order_id", "".join(rng.choice("0123456789") for _ in range(rng.randint(8, 16)))),
        ("phone", str(rng.randint(1_500_000_000, 1_800_000_000))),  # a Unix time in a phone column
        ("phone", f"(415) 555-01{rng.randint(0, 99):02d}"),
        ("customer_id", "".join(rng.choice("0123456789") for _ in range(9))),  # BSN-shaped, no label
        ("ticket", "".join(rng.choice("0123456789") for _ in range(11))),  # CPF- and tax-id-shaped
        ("invoice", f"{rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"),
        ("contact", f"+44 20 7946 0{rng.randint(0, 999):03d}"),
        ("version", rng.choice(["3.10.12", "1.26.4", "v2.15.0-rc1", "10.2.3.4.5", "2.1.0+cu121"])),
        ("email", rng.choice(["ops@example.com", "a@b.test", "x@corp.invalid", "noreply@github.com"])),
        ("host_ip", rng.choice(["192.0.2.10", "198.51.100.7", "203.0.113.99", "8.8.8.8", "127.0.0.1"])),
        ("path", rng.choice(["/home/jovyan/work/x.csv", "/content/drive/MyDrive/a.csv", "/root/.cache/x"])),
        ("path", "/opt/conda/lib/python3.10/site-packages/pandas/core/frame.py"),
        ("path", "/home/runner/work/repo/repo/nb.ipynb"),
        ("server", rng.choice(["root@3f4e5a6b7c8d:/#", "host.docker.internal", "localhost", "~/.local/lib"])),
        ("server", "threading.local()"),
    ]
    return rng.choice(choices)


# --- renderings -------------------------------------------------------------------------------


def _keep(source: str, outputs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": 1,
        "id": "",
        "metadata": {"tags": ["keep_output"]},
        "outputs": outputs,
        "source": source,
    }


def _html(label: str, value: str) -> dict[str, Any]:
    html = (
        '<div>\n<table border="1" class="dataframe">\n  <thead>\n    <tr style="text-align: right;">\n'
        f"      <th></th>\n      <th>name</th>\n      <th>{label}</th>\n    </tr>\n  </thead>\n"
        f"  <tbody>\n    <tr>\n      <th>0</th>\n      <td>Ann</td>\n      <td>{value}</td>\n"
        "    </tr>\n  </tbody>\n</table>\n</div>"
    )
    text = f"  name  {label}\n0  Ann  {value}"
    data = {"text/html": html, "text/plain": text}
    return _keep(
        "df.head()", [{"output_type": "execute_result", "execution_count": 1, "data": data, "metadata": {}}]
    )


def _head_text(label: str, value: str) -> dict[str, Any]:
    text = f"   name {label:>24}\n0   Ann {value:>24}\n1   Bob {'-':>24}"
    return _keep("print(df.head(2))", [{"output_type": "stream", "name": "stdout", "text": text + "\n"}])


def _log(label: str, value: str) -> dict[str, Any]:
    line = f"2024-05-01 12:00:03,123 INFO etl.load: {label}={value} loaded 120 rows\n"
    return _keep("run()", [{"output_type": "stream", "name": "stderr", "text": line}])


def _traceback(label: str, value: str) -> dict[str, Any]:
    where = value if label == "path" else "/srv/app/etl.py"
    frames = [
        f"{ESC}[0;31m---------------------------------------------------------------------------{ESC}[0m",
        f"{ESC}[0;31mValueError{ESC}[0m                                Traceback (most recent call last)",
        f"File {ESC}[0;32m{where}:42{ESC}[0m, in {ESC}[0;36mload{ESC}[0;34m(){ESC}[0m",
        f"{ESC}[0;31mValueError{ESC}[0m: bad {label}: {value}",
    ]
    error = {
        "output_type": "error",
        "ename": "ValueError",
        "evalue": f"bad {label}: {value}",
        "traceback": frames,
    }
    return _keep("load()", [error])


def _markdown(label: str, value: str) -> dict[str, Any]:
    return {
        "cell_type": "markdown",
        "id": "",
        "metadata": {},
        "source": f"Customer on file, {label}: {value}",
    }


def _hostname(_label: str, value: str) -> dict[str, Any]:
    short = value.split(".", maxsplit=1)[0]
    return _keep("!hostname", [{"output_type": "stream", "name": "stdout", "text": short + "\n"}])


Rendering = Callable[[str, str], dict[str, Any]]
OUTPUT_RENDERINGS: list[Rendering] = [_html, _head_text, _log, _traceback]


def build(count: int, seed: int, folder: Path) -> tuple[dict[tuple[str, int], str], list[tuple[str, int]]]:
    """Write ``count`` notebooks; returns planted cells (path, cell) -> category, and look-alike cells."""
    rng = random.Random(seed)
    planted: dict[tuple[str, int], str] = {}
    lookalikes: list[tuple[str, int]] = []
    source_categories = set(privacy.DEFAULT_SOURCE_CATEGORIES)
    for index in range(count):
        path = folder / f"report_{index:03d}.ipynb"
        cells: list[dict[str, Any]] = []
        for category, make in PLANTED.items():
            for _ in range(3):
                label, value = make(rng)
                renderings: list[Rendering] = list(OUTPUT_RENDERINGS)
                renderings += [_markdown] if category in source_categories else []
                renderings += [_hostname] if category == "host" else []
                cells.append(rng.choice(renderings)(label, value))
                planted[str(path), len(cells)] = category
        for _ in range(24):
            label, value = _lookalike(rng)
            cells.append(rng.choice([*OUTPUT_RENDERINGS, _markdown])(label, value))
            lookalikes.append((str(path), len(cells)))
        for number, cell in enumerate(cells, start=1):
            cell["id"] = f"c{number}"
        nb = {
            "cells": cells,
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        path.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")
    return planted, lookalikes


def findings(argv: list[str], repeat: int) -> tuple[list[dict[str, Any]], float]:
    times, out = [], b""
    for _ in range(repeat):
        elapsed, proc = timed_run(argv)
        times.append(elapsed)
        out = proc.stdout
    found = [f for f in json.loads(out) if str(f["code"]).startswith("NBG5")]
    return found, statistics.median(times)


def main() -> int:
    parser = corpus_parser(__doc__, repeat=3)
    parser.add_argument("--notebooks", type=int, default=40, help="planted notebooks (default: 40)")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    everything = ",".join(privacy.CATEGORIES)
    with tempfile.TemporaryDirectory() as tmp:
        planted, lookalikes = build(args.notebooks, args.seed, Path(tmp))
        argv = [*NBGUARD, "privacy", "--isolated", "--keep-output", "--privacy-categories", everything]
        found, elapsed = findings([*argv, "--format", "json", tmp], args.repeat)
    by_cell: dict[tuple[str, int], set[str]] = collections.defaultdict(set)
    for f in found:
        by_cell[str(f["path"]), int(f["cell"])].add(str(f["code"]))
    print(
        f"# planted: {args.notebooks} notebooks, {len(planted)} values, {len(lookalikes)} look-alikes "
        f"({elapsed * 1000:.0f} ms)\n"
    )
    print("| category | planted | found | recall |")
    print("|---|---|---|---|")
    worst = 1.0
    for category in privacy.CATEGORIES:
        cells = [cell for cell, c in planted.items() if c == category]
        hit = sum(CODES[category] in by_cell.get(cell, set()) for cell in cells)
        worst = min(worst, hit / len(cells))
        print(f"| {category} | {len(cells)} | {hit} | {hit / len(cells):.1%} |")
    flagged = [cell for cell in lookalikes if by_cell.get(cell)]
    share = len(flagged) / len(lookalikes)
    print(
        f"\nlowest recall: {worst:.1%} (target >= {RECALL_TARGET:.0%}); look-alikes flagged: "
        f"{len(flagged)} of {len(lookalikes)}, {share:.1%} (target <= {LOOKALIKE_TARGET:.0%})"
    )
    corpus_table(args.corpus, args.repeat)
    return 0


def corpus_table(corpus: Path, repeat: int) -> None:
    total = len(corpus_files(corpus))
    print(f"\n# the corpus: {total} notebooks, notebooks with a finding per 1,000 (default categories)\n")
    print("| run | " + " | ".join(privacy.CATEGORIES) + " | any | time |")
    print("|---" * (len(privacy.CATEGORIES) + 3) + "|")
    for name, extra in (("as committed (default)", []), ("every output kept", ["--keep-output"])):
        found, elapsed = findings(
            [*NBGUARD, "privacy", "--isolated", *extra, "--format", "json", str(corpus)], repeat
        )
        notebooks: dict[str, set[object]] = collections.defaultdict(set)
        for f in found:
            notebooks[str(f["code"])].add(f["path"])
        rates = [len(notebooks.get(code, set())) * 1000 / total for code in CODES.values()]
        any_rate = len({f["path"] for f in found}) * 1000 / total
        cells = " | ".join(f"{rate:.1f}" for rate in rates)
        print(f"| {name} | {cells} | {any_rate:.1f} | {elapsed:.1f} s |")
    print(
        f"\ntarget: at most {CORPUS_TARGET:.0f} false-positive notebooks per 1,000 with the default "
        "categories (docs/privacy.md says which findings in kept outputs are real)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
