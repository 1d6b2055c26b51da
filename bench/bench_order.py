"""Time `nbguard order` against `nbguard strip --check` on the same notebooks.

    python3 bench/bench_order.py [CORPUS_DIR] [--repeat N]

Both commands read the corpus in place and write nothing; each run is one
nbguard invocation over the whole folder (with its default worker processes,
then again with -j 1). Runs alternate between the two commands and the median
of --repeat runs is reported. nbguard is started as `sys.executable -m nbguard`,
never through a version-manager shim. The target is order <= 1.5x strip --check.
"""

from __future__ import annotations

import json
import statistics
import subprocess
from collections import Counter
from pathlib import Path

from common import NBGUARD, corpus_files, corpus_parser, notebooks_and_size, record, timed_run


def order_summary(corpus: Path) -> str:
    proc = subprocess.run(
        [*NBGUARD, "order", "--format", "json", str(corpus)], capture_output=True, text=True, check=False
    )
    counts = Counter(f["code"] for f in json.loads(proc.stdout))
    return ", ".join(f"{code} {n}" for code, n in sorted(counts.items())) or "no findings"


def main() -> int:
    parser = corpus_parser(__doc__, repeat=5)
    args = parser.parse_args()
    corpus: Path = args.corpus.resolve()
    files = corpus_files(corpus)
    print(f"{notebooks_and_size(corpus, files)}, read in place\n")

    commands = {
        "nbguard order": [*NBGUARD, "order", str(corpus)],
        "nbguard strip --check": [*NBGUARD, "strip", "--check", str(corpus)],
        "nbguard order -j 1": [*NBGUARD, "order", "-j", "1", str(corpus)],
        "nbguard strip --check -j 1": [*NBGUARD, "strip", "--check", "-j", "1", str(corpus)],
    }
    for argv in commands.values():  # warm the file cache
        timed_run(argv)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, argv in commands.items():
            times[name].append(timed_run(argv)[0])
    medians = {name: statistics.median(values) for name, values in times.items()}

    print(f"Median of {args.repeat} runs:\n")
    print("| command | median | runs |")
    print("|---|---|---|")
    for name, value in medians.items():
        runs = ", ".join(f"{t:.2f}" for t in times[name])
        print(f"| {name} | {value:.2f} s | {runs} |")
    for suffix in ("", " -j 1"):
        ratio = medians[f"nbguard order{suffix}"] / medians[f"nbguard strip --check{suffix}"]
        print(
            f"\nnbguard order{suffix} takes {ratio:.2f}x the time of strip --check{suffix} (target <= 1.5x)"
        )
    ratio = medians["nbguard order"] / medians["nbguard strip --check"]
    record(
        "`nbguard order` over the corpus",
        f"{medians['nbguard order']:.2f} s",
        f"strip --check {medians['nbguard strip --check']:.2f} s",
        f"{ratio:.2f}x",
        "<= 1.5x",
        met=ratio <= 1.5,
    )
    print(f"\nnbguard order found: {order_summary(corpus)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
