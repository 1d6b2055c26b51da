"""Time `nbguard history` on a synthetic repository against `nbguard check` on the same
notebooks in a folder, and measure peak memory.

    python3 bench/bench_history.py [--blobs N] [--commits N] [--repeat N]

The repository is built with `git fast-import` (quick): --blobs distinct notebook blobs
(default 10,000) over --commits commits (default 3,000) on three branches, with merges,
each commit changing a few of 600 notebooks. The notebooks are generated (code, stream
and text outputs, a small image now and then, a traceback and a fake credential rarely:
built at run time). The same --blobs notebooks are also written to a folder, and
`nbguard check` reads them there. Peak memory is the largest sum of the resident sizes of
nbguard's process tree (nbguard, its workers and git), polled from /proc every 20 ms.

Targets: history's throughput (blobs/s) at least 0.7x check's (notebooks/s) on the same
number of notebooks; peak memory under 300 MB for 10,000 blobs.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import statistics
import string
import subprocess
import tempfile
import threading
import time
import zlib
from pathlib import Path

from common import NBGUARD, record

WORDS = [
    "data",
    "frame",
    "model",
    "plot",
    "train",
    "test",
    "value",
    "result",
    "mean",
    "score",
    "loss",
    "epoch",
    "batch",
    "feature",
]


def _png(rng: random.Random) -> str:
    """A small valid PNG (a few KB), base64."""
    width, height = 64, 32
    rows = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(width * 3)) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return base64.b64encode(png).decode("ascii")


def notebook(number: int, rng: random.Random, png: str) -> bytes:
    cells: list[dict[str, object]] = []
    count = 0
    for index in range(rng.randrange(6, 16)):
        lines = [
            f"{rng.choice(WORDS)}_{index} = {rng.choice(WORDS)}({rng.randrange(1000)})" for _ in range(4)
        ]
        outputs: list[dict[str, object]] = []
        if rng.random() < 0.6:
            count += 1
            text = [" ".join(rng.choices(WORDS, k=12)) + "\n" for _ in range(rng.randrange(1, 20))]
            outputs.append({"name": "stdout", "output_type": "stream", "text": text})
            data: dict[str, object] = {"text/plain": [f"{rng.random():.6f}"]}
            if rng.random() < 0.08:
                data["image/png"] = png
            outputs.append(
                {"data": data, "execution_count": count, "metadata": {}, "output_type": "execute_result"}
            )
        if rng.random() < 0.005:
            outputs.append(
                {"ename": "ValueError", "evalue": "bad", "output_type": "error", "traceback": ["x"]}
            )
        if rng.random() < 0.002:
            # A fake GitHub token, built at run time as tests/fake_tokens.py builds them.
            fake = "gh" + "p_" + "".join(rng.choices(string.ascii_letters + string.digits, k=36))
            lines.append(f"token = '{fake}'")
        cells.append(
            {
                "cell_type": "code",
                "execution_count": count if outputs else None,
                "id": f"c{number}-{index}",
                "metadata": {},
                "outputs": outputs,
                "source": [line + "\n" for line in lines[:-1]] + [lines[-1]],
            }
        )
    nb = {
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def build(repo: Path, folder: Path, blobs: int, commits: int) -> None:
    """The repository (by fast-import) and the folder of the same notebooks."""
    rng = random.Random(19)
    png = _png(rng)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    proc = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=repo, stdin=subprocess.PIPE)
    if proc.stdin is None:
        raise SystemExit("git fast-import has no input")
    out = proc.stdin
    per_commit = max(1, blobs // commits)
    extra = blobs - per_commit * commits  # spread over the first commits
    made = 0
    mark = 0
    tips: dict[str, int] = {}
    branches = ("main", "dev", "topic")
    for number in range(commits):
        branch = branches[number % 7 % 3] if number else "main"
        changes = []
        for _ in range(per_commit + (1 if number < extra else 0)):
            data = notebook(made, rng, png)
            (folder / f"nb{made:05d}.ipynb").write_bytes(data)
            mark += 1
            out.write(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(data), data))
            changes.append((mark, f"work/{rng.randrange(600):03d}/analysis.ipynb"))
            made += 1
        mark += 1
        when = 1_700_000_000 + number * 600
        out.write(f"commit refs/heads/{branch}\nmark :{mark}\n".encode())
        who = f"a <a@example.invalid> {when} +0000"
        out.write(f"author {who}\ncommitter {who}\n".encode())
        out.write(b"data 7\ncommit\n")
        if branch in tips:
            out.write(f"from :{tips[branch]}\n".encode())
        elif tips:
            out.write(f"from :{tips['main']}\n".encode())
        if branch == "main" and number % 50 == 0 and "dev" in tips:
            out.write(f"merge :{tips['dev']}\n".encode())
        for blob_mark, path in changes:
            out.write(f"M 100644 :{blob_mark} {path}\n".encode())
        out.write(b"\n")
        tips[branch] = mark
    out.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "checkout", "-q", "main"], cwd=repo, check=True)


def _tree_rss(root: int) -> int:
    """The resident size, in bytes, of ``root`` and all its descendants."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        grew = bool(more)
        tree |= more
    return sum(rss.get(pid, 0) for pid in tree)


def measured(argv: list[str], cwd: Path) -> tuple[float, int]:
    """Wall time and the peak memory of the process tree of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.02)

    poller = threading.Thread(target=poll)
    poller.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    poller.join()
    if proc.returncode not in (0, 1) or b"Traceback" in err:
        raise SystemExit(
            f"{' '.join(argv)} exited {proc.returncode}:\n{err.decode(errors='replace')[-2000:]}"
        )
    return elapsed, peak


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--blobs", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (default: 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nbguard-bench-history-") as temp:
        repo, folder = Path(temp) / "repo", Path(temp) / "notebooks"
        folder.mkdir()
        start = time.perf_counter()
        build(repo, folder, args.blobs, args.commits)
        size = sum(p.stat().st_size for p in folder.iterdir())
        print(
            f"{args.blobs} notebook blobs ({size / 1e6:.0f} MB) over {args.commits} commits, built in "
            f"{time.perf_counter() - start:.1f} s; {os.cpu_count()} cores\n"
        )
        commands = {
            "nbguard history": ([*NBGUARD, "history", "-q"], repo),
            "nbguard check (same checks: --no-order --no-strip)": (
                [*NBGUARD, "check", "-q", "--no-order", "--no-strip", "."],
                folder,
            ),
            "nbguard check": ([*NBGUARD, "check", "-q", "."], folder),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        peaks: dict[str, int] = dict.fromkeys(commands, 0)
        for _ in range(args.repeat):
            for name, (argv, cwd) in commands.items():
                elapsed, peak = measured(argv, cwd)
                times[name].append(elapsed)
                peaks[name] = max(peaks[name], peak)
    med = {name: statistics.median(t) for name, t in times.items()}
    print(f"| command | median of {args.repeat} | notebooks/s | peak memory (process tree) |")
    print("|---|---|---|---|")
    for name, value in med.items():
        print(f"| {name} | {value:.2f} s | {args.blobs / value:,.0f} | {peaks[name] / 2**20:.0f} MB |")
    check_same = med["nbguard check (same checks: --no-order --no-strip)"]
    same = check_same / med["nbguard history"]
    full = med["nbguard check"] / med["nbguard history"]
    peak_mb = peaks["nbguard history"] / 2**20
    print(
        f"\nhistory throughput / check's: {full:.2f}x (check), "
        f"{same:.2f}x (check, the same checks); target >= 0.7x"
    )
    print(f"history peak memory: {peak_mb:.0f} MB; target < 300 MB")
    record(
        f"`nbguard history` over {args.blobs:,} notebook blobs",
        f"{med['nbguard history']:.2f} s, {peak_mb:.0f} MB peak",
        f"check (same checks) on as many files {check_same:.2f} s",
        f"{same:.2f}x check's throughput",
        ">= 0.7x; < 300 MB",
        met=same >= 0.7 and peak_mb < 300,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
