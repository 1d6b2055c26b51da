"""Time `nbguard images` against `nbguard strip --check` on the same notebooks.

    python3 bench/bench_images.py [CORPUS_DIR] [--repeat N]

Both commands read every notebook of the corpus in place, in one process
invocation each, and write nothing. The commands alternate and the median of
--repeat runs is reported, once with nbguard's default process count and once
with `-j 1`. The image check must cost little more than parsing: target at
most 1.2x the time of `strip --check`. A last row times `--max-pixels 1`,
which reads the header of every image (informational). nbguard runs as
`sys.executable -m nbguard`, never through a version-manager shim.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from common import NBGUARD, corpus_files, corpus_parser, notebooks_and_size, record, timed_run

TARGET = 1.2


def nbguard(*args: str) -> list[str]:
    return [*NBGUARD, *args]


def timed(argv: list[str], cwd: Path) -> tuple[float, int]:
    """Wall time and number of output lines of one run, which must print no warning."""
    elapsed, proc = timed_run(argv, cwd)
    if proc.stderr:
        raise SystemExit(
            f"{' '.join(argv[:5])} ... wrote to stderr:\n" + proc.stderr.decode(errors="replace")[-2000:]
        )
    return elapsed, proc.stdout.count(b"\n")


def main() -> int:
    parser = corpus_parser(__doc__, repeat=3)
    args = parser.parse_args()
    corpus: Path = args.corpus.resolve()
    files = corpus_files(corpus)
    print(f"{notebooks_and_size(corpus, files)}, read in place from {corpus}\n")

    commands = {
        "nbguard images": nbguard("images", *files),
        "nbguard strip --check": nbguard("strip", "--check", *files),
        "nbguard images -j 1": nbguard("images", "-j", "1", *files),
        "nbguard strip --check -j 1": nbguard("strip", "--check", "-j", "1", *files),
        "nbguard images --max-pixels 1": nbguard("images", "--max-pixels", "1", *files),
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    lines: dict[str, int] = {}
    for _ in range(max(1, args.repeat)):
        for name, argv in commands.items():
            elapsed, count = timed(argv, corpus)
            times[name].append(elapsed)
            lines[name] = count
    medians = {name: statistics.median(values) for name, values in times.items()}

    print(f"Median of {max(1, args.repeat)} runs, one process invocation per command:\n")
    print("| command | time | lines printed |")
    print("|---|---|---|")
    for name, value in medians.items():
        print(f"| {name} | {value:.2f} s | {lines[name]} |")
    print()
    for suffix in ("", " -j 1"):
        images = medians[f"nbguard images{suffix}"]
        strip = medians[f"nbguard strip --check{suffix}"]
        ratio = images / strip
        verdict = "meets" if ratio <= TARGET else "MISSES"
        print(
            f"images{suffix}: {images:.2f} s, strip --check{suffix}: {strip:.2f} s,"
            f" ratio {ratio:.2f} ({verdict} the target <= {TARGET})"
        )
    ratio = medians["nbguard images"] / medians["nbguard strip --check"]
    record(
        "`nbguard images` over the corpus",
        f"{medians['nbguard images']:.2f} s",
        f"strip --check {medians['nbguard strip --check']:.2f} s",
        f"{ratio:.2f}x",
        f"<= {TARGET}x",
        met=ratio <= TARGET,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
