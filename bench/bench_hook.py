"""Time the one-line hook on a commit-sized set of notebooks against nbstripout alone.

    python3 bench/bench_hook.py [CORPUS_DIR] [--repeat N] [--files 5]

What a user feels at commit time: pre-commit starts the hook's entry once with
the staged notebooks. Here `nbguard check --fix` (the `nbguard` hook: every
check, then stripping) and `nbstripout --keep-id` each rewrite fresh copies of
the same five corpus notebooks with outputs (copying is not timed); the median
of --repeat runs is reported, with the ratio. Target: nbguard at most 0.5x
nbstripout's time. Needs: pip install -e '.[bench]'.
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
from pathlib import Path

from common import NBGUARD, corpus_files, corpus_parser, notebooks_and_size, record, timed_run, tool


def commit_sized(corpus: Path, count: int) -> list[str]:
    """``count`` notebooks with outputs, of typical size (near the corpus median), spread over it."""
    picked = []
    for rel in corpus_files(corpus):
        path = corpus / rel
        if not 8_000 <= path.stat().st_size <= 60_000:
            continue
        nb = json.loads(path.read_bytes())
        if nb.get("nbformat") == 4 and any(c.get("outputs") for c in nb.get("cells", [])):
            picked.append(rel)
    step = max(1, len(picked) // count)
    return picked[::step][:count]


def main() -> int:
    parser = corpus_parser(__doc__, repeat=9)
    parser.add_argument("--files", type=int, default=5, help="notebooks in the commit (default: 5)")
    args = parser.parse_args()
    files = commit_sized(args.corpus, args.files)
    print(f"# the one-line hook on a commit: {notebooks_and_size(args.corpus, files)}\n")
    commands = {
        "nbguard check --fix --isolated": [*NBGUARD, "check", "--fix", "--isolated", "-j", "1"],
        "nbstripout --keep-id": [tool("nbstripout"), "--keep-id"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            for name, argv in commands.items():  # interleaved, so both see the same machine
                work = Path(tmp) / "work"
                shutil.rmtree(work, ignore_errors=True)
                work.mkdir()
                copies = []
                for rel in files:
                    target = work / Path(rel).name
                    shutil.copyfile(args.corpus / rel, target)
                    copies.append(str(target))
                times[name].append(timed_run([*argv, *copies], cwd=work)[0])
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, median in medians.items():
        print(f"| {name} | {median * 1000:.0f} ms |")
    ratio = medians["nbguard check --fix --isolated"] / medians["nbstripout --keep-id"]
    print(f"\nnbguard / nbstripout: {ratio:.2f}x (target <= 0.5x)")
    record(
        "the one-line hook on a commit of five notebooks",
        f"{medians['nbguard check --fix --isolated'] * 1000:.0f} ms",
        f"nbstripout {medians['nbstripout --keep-id'] * 1000:.0f} ms",
        f"{ratio:.2f}x nbstripout's time",
        "<= 0.5x",
        met=ratio <= 0.5,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
