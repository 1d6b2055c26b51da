"""Time `nbguard strip` against nbstripout and nbstripout-fast on the same notebooks.

    python3 bench/bench_strip.py [CORPUS_DIR] [--repeat N]

Each tool strips fresh copies of the corpus in place, one process over all
files (copying is not timed); the median of --repeat runs is reported. Start-up
is timed on one small notebook against a bare `python -c pass`. Tools are run
from the interpreter's own bin folder, never through a version-manager shim.
Needs: pip install -e '.[bench]'.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import corpus_parser, notebooks_and_size, record, timed_run, tool

# Runs nbstripout's CLI once per file in one interpreter, to find the files it can
# process at all (its main() exits on the first file it cannot handle).
PROBE = """
import os, sys
from nbstripout._nbstripout import main
for f in sys.argv[1:]:
    sys.stdin, sys.stdout = open(os.devnull), open(os.devnull, "w")
    sys.argv = ["nbstripout", "--keep-id", "--dry-run", f]
    try:
        main()
    except BaseException as exc:
        if not (isinstance(exc, SystemExit) and not exc.code):
            sys.stderr.write(f + "\\n")
"""


def fresh_copy(corpus: Path, files: list[Path], dest: Path) -> list[str]:
    if dest.exists():
        shutil.rmtree(dest)
    for rel in files:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / rel, target)
    # Flush the copy now (untimed): otherwise the kernel writes it back during
    # the timed run and charges the tool being measured.
    os.sync()
    return [str(dest / rel) for rel in files]


def timed(argv: list[str]) -> float:
    """Wall time of one run; a tool that fails (exit code above 1, a traceback) stops
    the benchmark rather than timing its failure."""
    return timed_run(argv)[0]


def usable_files(corpus: Path) -> list[Path]:
    """Corpus notebooks that every tool accepts, so all strip the same set."""
    rel = sorted(p.relative_to(corpus) for p in corpus.rglob("*.ipynb"))
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1"}
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, *map(str, rel)],
        cwd=corpus,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    refused = set(probe.stderr.split("\n"))
    check = subprocess.run(
        [tool("nbguard"), "strip", "--check", "--format", "json", *map(str, rel)],
        cwd=corpus,
        capture_output=True,
        text=True,
        check=False,
    )
    import json

    refused |= {f["path"] for f in json.loads(check.stdout) if f["code"] == "NBG001"}
    return [r for r in rel if str(r) not in refused]


def main() -> int:
    parser = corpus_parser(__doc__, repeat=3)
    args = parser.parse_args()
    corpus: Path = args.corpus.resolve()
    files = usable_files(corpus)
    print(f"{notebooks_and_size(corpus, files)} (files any tool refuses are left out)\n")

    tools = {
        "nbguard strip": [tool("nbguard"), "strip"],
        "nbguard strip -j 1": [tool("nbguard"), "strip", "-j", "1"],
        "nbstripout-fast 1.1.2": [tool("nbstripout-fast")],
        "nbstripout --keep-id": [sys.executable, "-m", "nbstripout", "--keep-id"],
    }
    results: dict[str, list[float]] = {name: [] for name in tools}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            for name, argv in tools.items():
                paths = fresh_copy(corpus, files, Path(tmp) / "nb")
                results[name].append(timed([*argv, *paths]))
        medians = {name: statistics.median(times) for name, times in results.items()}

        small = next(f for f in files if (corpus / f).stat().st_size < 4000)
        start_up = {
            "python3 -c pass": [sys.executable, "-c", "pass"],
            "nbguard strip (1 small notebook)": [tool("nbguard"), "strip"],
            "nbstripout-fast (1 small notebook)": [tool("nbstripout-fast")],
            "nbstripout (1 small notebook)": [sys.executable, "-m", "nbstripout", "--keep-id"],
        }
        start_times = {}
        for name, argv in start_up.items():
            runs = []
            for _ in range(max(10, args.repeat * 5)):
                paths = fresh_copy(corpus, [small], Path(tmp) / "one") if "notebook" in name else []
                runs.append(timed([*argv, *paths]))
            start_times[name] = statistics.median(runs)

    fast = medians["nbstripout-fast 1.1.2"]
    ref = medians["nbstripout --keep-id"]
    ours = medians["nbguard strip"]
    print(f"Whole corpus, in place, one process (median of {args.repeat}):\n")
    print("| tool | time | runs | vs nbguard strip |")
    print("|---|---|---|---|")
    for name, value in medians.items():
        shown = ", ".join(f"{t:.2f}" for t in results[name])
        print(f"| {name} | {value:.2f} s | {shown} | {value / ours:.2f}x |")
    print(f"\nnbguard strip is {ref / ours:.1f}x faster than nbstripout (target >= 10x)")
    print(f"nbguard strip takes {ours / fast:.2f}x nbstripout-fast's time (target <= 1.5x)\n")
    print("Start-up (median):\n")
    print("| command | time |")
    print("|---|---|")
    for name, value in start_times.items():
        print(f"| {name} | {value * 1000:.0f} ms |")
    bare = start_times["python3 -c pass"]
    ng = start_times["nbguard strip (1 small notebook)"]
    print(f"\nnbguard start-up is {ng / bare:.1f}x a bare `python3 -c pass` (target <= 3x)")
    record(
        f"strip {len(files)} corpus notebooks in place",
        f"{ours:.2f} s",
        f"nbstripout {ref:.2f} s; nbstripout-fast {fast:.2f} s",
        f"{ref / ours:.1f}x faster than nbstripout; {ours / fast:.2f}x nbstripout-fast's time",
        ">= 10x; <= 1.5x",
        met=ref / ours >= 10 and ours / fast <= 1.5,
    )
    record(
        "start-up on one small notebook",
        f"{ng * 1000:.0f} ms",
        f"python3 -c pass {bare * 1000:.0f} ms",
        f"{ng / bare:.1f}x",
        "<= 3x",
        met=ng / bare <= 3,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
