"""Time `nbguard secrets` against `detect-secrets-hook` on the same notebooks.

    python3 bench/bench_secrets.py [CORPUS_DIR] [--sample N] [--repeat R] [--no-full]

Both tools read the notebooks in place, in one process invocation each, in
the same run, alternating; the median of --repeat runs is reported. Each
runs with its own default parallelism (detect-secrets-hook one process per
core, nbguard likewise), and nbguard also with `-j 1`. detect-secrets-hook
runs with `--no-verify`, so that nothing found is sent to a vendor; it takes
minutes on the whole corpus, hence --sample N: every k-th notebook of the
sorted list, at most N of them (the same files every time). A last table
times nbguard alone on the whole corpus. Target: nbguard at least 10x faster
than detect-secrets-hook on the sample. Both run as `sys.executable -m ...`,
never through a version-manager shim.
"""

from __future__ import annotations

import math
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

from common import NBGUARD, corpus_files, corpus_parser, notebooks_and_size, record, timed_run

TARGET = 10.0


def nbguard(*args: str) -> list[str]:
    return [*NBGUARD, "secrets", "--isolated", *args]


def detect_secrets_hook(*args: str) -> list[str]:
    return [sys.executable, "-m", "detect_secrets.pre_commit_hook", "--no-verify", *args]


def nbguard_findings(out: str) -> int:
    return sum(1 for line in out.splitlines() if ": NBG2" in line)


def hook_findings(out: str) -> int:
    return out.count("Secret Type:")


def sample(files: list[str], size: int) -> list[str]:
    """At most ``size`` files: every k-th of the sorted list, from the first."""
    if size <= 0 or size >= len(files):
        return files
    return files[:: math.ceil(len(files) / size)]


def run_table(commands: dict[str, tuple[list[str], Callable[[str], int]]], corpus: Path, repeat: int) -> None:
    times: dict[str, list[float]] = {name: [] for name in commands}
    found: dict[str, int] = {}
    for _ in range(repeat):
        for name, (argv, count) in commands.items():
            elapsed, proc = timed_run(argv, corpus)
            times[name].append(elapsed)
            found[name] = count(proc.stdout.decode())
    print("| command | median time | findings |")
    print("|---|---|---|")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values):.2f} s | {found[name]} |")
    print()
    medians = {name: statistics.median(values) for name, values in times.items()}
    hook = medians.get("detect-secrets-hook")
    if hook is not None:
        for name in commands:
            if name.startswith("nbguard"):
                ratio = hook / medians[name]
                verdict = "meets" if ratio >= TARGET else "MISSES"
                print(
                    f"{name}: {ratio:.1f}x faster than detect-secrets-hook"
                    f" ({verdict} the target >= {TARGET:g}x)"
                )
                if name == "nbguard secrets":
                    record(
                        f"`nbguard secrets` on {len(commands[name][0]) - len(nbguard())} corpus notebooks",
                        f"{medians[name]:.2f} s",
                        f"detect-secrets-hook {hook:.1f} s",
                        f"{ratio:.0f}x faster",
                        f">= {TARGET:g}x",
                        met=ratio >= TARGET,
                    )
        print()


def main() -> int:
    parser = corpus_parser(__doc__, repeat=1)
    parser.add_argument(
        "--sample", type=int, default=100, help="notebooks for the side-by-side run (default: 100)"
    )
    parser.add_argument("--no-full", action="store_true", help="skip timing nbguard on the whole corpus")
    args = parser.parse_args()
    corpus: Path = args.corpus.resolve()
    files = corpus_files(corpus)
    repeat = max(1, args.repeat)

    chosen = sample(files, args.sample)
    print(
        f"Side by side, a sample of the {len(files)}: {notebooks_and_size(corpus, chosen)},"
        f" median of {repeat} run(s)\n"
    )
    run_table(
        {
            "detect-secrets-hook": (detect_secrets_hook(*chosen), hook_findings),
            "nbguard secrets": (nbguard(*chosen), nbguard_findings),
            "nbguard secrets -j 1": (nbguard("-j", "1", *chosen), nbguard_findings),
        },
        corpus,
        repeat,
    )
    if not args.no_full:
        print(f"nbguard alone: all {notebooks_and_size(corpus, files)}, median of {repeat} run(s)\n")
        run_table(
            {
                "nbguard secrets": (nbguard(*files), nbguard_findings),
                "nbguard secrets -j 1": (nbguard("-j", "1", *files), nbguard_findings),
            },
            corpus,
            repeat,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
