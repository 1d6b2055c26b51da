"""Time `nbguard check` (every check, one pass) against `nbguard strip --check`, and on both cores.

    python3 bench/bench_check.py [CORPUS_DIR] [--repeat N]

All commands read the whole corpus in place and write nothing; the median of
--repeat runs is reported, the commands alternating. Targets: `nbguard check`
at most 2x the time of `strip --check` on the same files, and `nbguard check
CORPUS` (a tree walk) on both cores at least 1.6x faster than on one. For
comparison (no target), the four single-check commands run one after another
on the same files: what a configuration listing the four hooks costs instead
of the one `nbguard` hook. With --breakdown, also `check` with the hidden-state
analysis or the credentials scan switched off, or both: what each costs.
nbguard runs as `sys.executable -m nbguard`, never through a version-manager shim.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path

from common import NBGUARD, corpus_files, corpus_parser, notebooks_and_size, record, timed_run


def main() -> int:
    parser = corpus_parser(__doc__, repeat=3)
    parser.add_argument(
        "--breakdown", action="store_true", help="also time check without hidden state, without secrets"
    )
    args = parser.parse_args()
    corpus: Path = args.corpus.resolve()
    files = corpus_files(corpus)
    print(f"{notebooks_and_size(corpus, files)}, read in place; {os.cpu_count()} cores\n")
    commands = {
        "nbguard strip --check": [*NBGUARD, "strip", "--check", *files],
        "nbguard check": [*NBGUARD, "check", *files],
        "nbguard strip --check -j 1": [*NBGUARD, "strip", "--check", "-j", "1", *files],
        "nbguard check -j 1": [*NBGUARD, "check", "-j", "1", *files],
        "nbguard check CORPUS (tree walk, -j 2)": [*NBGUARD, "check", "-j", "2", str(corpus)],
        "nbguard check CORPUS (tree walk, -j 1)": [*NBGUARD, "check", "-j", "1", str(corpus)],
        "nbguard order": [*NBGUARD, "order", *files],
        "nbguard secrets": [*NBGUARD, "secrets", *files],
        "nbguard images": [*NBGUARD, "images", *files],
    }
    if args.breakdown:
        for off in (["--no-hidden-state"], ["--no-secrets"], ["--no-hidden-state", "--no-secrets"]):
            commands[f"nbguard check {' '.join(off)}"] = [*NBGUARD, "check", *off, *files]
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, argv in commands.items():
            times[name].append(timed_run(argv, corpus)[0])
    med = {name: statistics.median(t) for name, t in times.items()}
    print(f"| command | median of {args.repeat} |")
    print("|---|---|")
    for name, value in med.items():
        print(f"| {name} | {value:.2f} s |")
    ratio = med["nbguard check"] / med["nbguard strip --check"]
    ratio1 = med["nbguard check -j 1"] / med["nbguard strip --check -j 1"]
    speedup = med["nbguard check CORPUS (tree walk, -j 1)"] / med["nbguard check CORPUS (tree walk, -j 2)"]
    print(f"\ncheck / strip --check: {ratio:.2f}x (default processes), {ratio1:.2f}x (-j 1); target <= 2x")
    print(f"tree walk, both cores vs one: {speedup:.2f}x faster; target >= 1.6x")
    record(
        "`nbguard check` (every check) over the corpus",
        f"{med['nbguard check']:.2f} s",
        f"strip --check {med['nbguard strip --check']:.2f} s",
        f"{ratio:.2f}x",
        "<= 2x",
        met=ratio <= 2,
    )
    singles = ("nbguard strip --check", "nbguard order", "nbguard secrets", "nbguard images")
    four = sum(med[name] for name in singles)
    print(
        f"the four single-check commands one after another: {four:.2f} s; "
        f"nbguard check takes {med['nbguard check'] / four:.2f}x that (no target)"
    )
    for name in (n for n in med if n.startswith("nbguard check --no-")):
        print(f"{name[len('nbguard ') :]} / strip --check: {med[name] / med['nbguard strip --check']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
