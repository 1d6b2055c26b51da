"""Size: peak memory on a notebook of 200 MB of images, and time on 100,000 cells.

    python3 bench/bench_robustness.py [--size-mb 200] [--cells 100000] [--repeat N]

Memory: a notebook of --size-mb megabytes of embedded PNG images (random
bytes, base64, as Jupyter stores them: incompressible like real plots) is
stripped by `nbguard strip` in a child process; its peak resident set size is
read with getrusage(RUSAGE_CHILDREN) in a fresh wrapper process per run, and
divided by the file's size. Target: at most 3x. The other subcommands are
measured on the same file for information, and so is a notebook whose images
are cell attachments (which stripping keeps, so the file is rewritten whole).

Time: notebooks of --cells and --cells / 10 cells (half code cells with a
stream output, half markdown) go through `strip`, `strip --check`, `check`,
`check --fix` and each hook, each run in a fresh process and timed inside it
(start-up would swamp the small notebook), fastest of --repeat runs. From each
time the command's fixed cost is taken away (its time on a notebook without
cells: lazy imports, configuration); the ratio of what is left should be about
10 (linear). Target: at most 12 (20% for what does not scale perfectly in the
interpreter: memory allocation, caches).

Every notebook is generated in a temporary folder, outside the project, and
removed afterwards. nbguard runs as `sys.executable -m nbguard -j 1`: one
process, so that memory and time belong to one interpreter.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from common import NBGUARD

MEMORY_TARGET = 3.0
SCALING_TARGET = 12.0
IMAGE_MB = 2  # base64 megabytes per image: a large plot
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x07\x80\x00\x00\x04\x38\x08\x06\x00\x00\x00"

# Runs a command and prints the peak RSS of its process tree's largest member, in bytes.
_MEASURE = """
import resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
if proc.returncode not in (0, 1) or proc.stderr:
    sys.exit(proc.stderr.decode(errors="replace")[-2000:] or f"exit code {proc.returncode}")
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(peak if sys.platform == "darwin" else peak * 1024)
"""


# Runs nbguard in this interpreter and prints how long the command itself took
# (interpreter start-up excluded: it would swamp the small notebook's time).
_TIMED = """
import contextlib, os, sys, time
from nbguard.cli import main
with open(os.devnull, "w") as out, contextlib.redirect_stdout(out):
    start = time.perf_counter()
    code = main(sys.argv[1:])
    elapsed = time.perf_counter() - start
if code not in (0, 1):
    sys.exit(f"exit code {code}")
print(elapsed)
"""


def nbguard(*args: str) -> list[str]:
    return [*NBGUARD, *args, "-j", "1", "--isolated"]


def _image() -> str:
    raw = PNG_HEADER + os.urandom(IMAGE_MB * 3 * 2**20 // 4 - len(PNG_HEADER))
    return base64.b64encode(raw).decode("ascii") + "\n"


def write_image_notebook(path: Path, size_mb: int, *, attachments: bool) -> None:
    """A notebook of ``size_mb`` MB of images in outputs (or attachments), written piece by piece."""
    count = max(1, size_mb // IMAGE_MB)
    with path.open("w", encoding="utf-8") as f:
        f.write('{\n "cells": [\n')
        for index in range(count):
            if attachments:
                cell: dict[str, Any] = {
                    "attachments": {"plot.png": {"image/png": _image()}},
                    "cell_type": "markdown",
                    "metadata": {},
                    "source": ["![plot](attachment:plot.png)"],
                }
            else:
                output: dict[str, Any] = {
                    "data": {
                        "image/png": _image(),
                        "text/plain": ["<Figure size 1920x1080 with 1 Axes>"],
                    },
                    "metadata": {},
                    "output_type": "display_data",
                }
                cell = {
                    "cell_type": "code",
                    "execution_count": index + 1,
                    "metadata": {},
                    "outputs": [output],
                    "source": [f"plot({index})"],
                }
            f.write(("  " if index == 0 else ",\n  ") + json.dumps(cell, indent=1, sort_keys=True))
        if attachments:  # something to strip, so that the whole file is rewritten
            dirty = {
                "cell_type": "code",
                "execution_count": 1,
                "metadata": {},
                "outputs": [],
                "source": ["x"],
            }
            f.write(",\n  " + json.dumps(dirty, indent=1, sort_keys=True))
        f.write('\n ],\n "metadata": {},\n "nbformat": 4,\n "nbformat_minor": 5\n}\n')


def write_cells_notebook(path: Path, cells: int) -> None:
    out: list[dict[str, Any]] = []
    for index in range(cells // 2):
        out.append({"cell_type": "markdown", "metadata": {}, "source": [f"## Step {index}\n", "Some notes."]})
        out.append(
            {
                "cell_type": "code",
                "execution_count": index + 1,
                "metadata": {},
                "outputs": [{"name": "stdout", "output_type": "stream", "text": [f"{index}\n"]}],
                "source": [f"x{index} = {index} * 2\n", f"print(x{index})"],
            }
        )
    nb = {"cells": out, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}}}
    path.write_text(json.dumps({**nb, "nbformat": 4, "nbformat_minor": 4}, indent=1), encoding="utf-8")


def peak_rss(argv: list[str]) -> int:
    proc = subprocess.run([sys.executable, "-c", _MEASURE, *argv], capture_output=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:6])} ... failed:\n{proc.stderr.decode(errors='replace')}")
    return int(proc.stdout)


def timed(argv: list[str]) -> float:
    """Seconds the command takes inside a fresh nbguard process (``argv`` minus ``-m nbguard``)."""
    proc = subprocess.run([sys.executable, "-c", _TIMED, *argv[3:]], capture_output=True, check=False)
    if proc.returncode != 0 or proc.stderr:
        raise SystemExit(f"{' '.join(argv[:6])} ... failed:\n{proc.stderr.decode(errors='replace')[-2000:]}")
    return float(proc.stdout)


WRITING = ("strip", "check --fix")
COMMANDS = ("strip", "strip --check", "check", "check --fix", "order", "secrets", "images")


def run_command(name: str, source: Path, work: Path, measure: str) -> float:
    """Time or peak memory of one run; a writing command gets a fresh copy of the notebook."""
    target = work / source.name
    shutil.copyfile(source, target)
    argv = nbguard(*name.split(), str(target))
    return float(peak_rss(argv)) if measure == "memory" else timed(argv)


def memory_section(folder: Path, size_mb: int, repeat: int) -> bool:
    results = []
    for label, attachments in (("images in outputs", False), ("images in attachments", True)):
        source = folder / f"images-{'attachments' if attachments else 'outputs'}.ipynb"
        write_image_notebook(source, size_mb, attachments=attachments)
        size = source.stat().st_size
        commands = COMMANDS if not attachments else ("strip", "strip --check", "check --fix")
        for name in commands:
            peak = min(run_command(name, source, folder / "work", "memory") for _ in range(repeat))
            results.append((label, name, size, peak))
    print(f"Peak resident memory of one nbguard process, smallest of {repeat} runs:\n")
    print("| notebook | command | file size | peak RSS | peak / size |")
    print("|---|---|---|---|---|")
    for label, name, size, peak in results:
        print(
            f"| {label} | `nbguard {name}` | {size / 1e6:.0f} MB | {peak / 1e6:.0f} MB | {peak / size:.2f}x |"
        )
    strip_ratio = next(peak / size for label, name, size, peak in results if name == "strip")
    ok = strip_ratio <= MEMORY_TARGET
    print(
        f"\nstrip, {size_mb} MB of images in outputs: peak {strip_ratio:.2f}x the file size"
        f" ({'meets' if ok else 'MISSES'} the target <= {MEMORY_TARGET:g}x)\n"
    )
    return ok


def time_section(folder: Path, cells: int, repeat: int) -> bool:
    sizes = (0, cells // 10, cells)
    for n in sizes:
        write_cells_notebook(folder / f"cells-{n}.ipynb", n)
    print(
        f"Fastest of {repeat} runs, inside the process; notebooks of {sizes[1]:,} and {sizes[2]:,} cells."
        " The ratio is of the times less the fixed cost (the same command on a notebook without cells:"
        " imports, configuration): 10 is linear.\n"
    )
    print(f"| command | fixed cost | {sizes[1]:,} cells | {sizes[2]:,} cells | ratio |")
    print("|---|---|---|---|---|")
    worst = 0.0
    for name in COMMANDS:
        medians = []
        for n in sizes:
            source = folder / f"cells-{n}.ipynb"
            medians.append(min(run_command(name, source, folder / "work", "time") for _ in range(repeat)))
        start, small, large = medians
        ratio = (large - start) / max(small - start, 1e-3)
        worst = max(worst, ratio)
        print(f"| `nbguard {name}` | {start:.2f} s | {small:.2f} s | {large:.2f} s | {ratio:.1f} |")
    ok = worst <= SCALING_TARGET
    verdict = "meets" if ok else "MISSES"
    print(
        f"\nworst ratio {worst:.1f} for 10x the cells ({verdict} the target <= {SCALING_TARGET:g}: linear)\n"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=int, default=200, help="megabytes of images (default: 200)")
    parser.add_argument(
        "--cells", type=int, default=100_000, help="cells of the large notebook (default: 100000)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (default: 3)")
    parser.add_argument("--only", choices=("memory", "time"), help="run one of the two sections")
    args = parser.parse_args()
    repeat = max(1, args.repeat)
    ok = True
    with tempfile.TemporaryDirectory(prefix="nbguard-bench-") as tmp:
        folder = Path(tmp)
        (folder / "work").mkdir()
        if args.only in (None, "memory"):
            ok &= memory_section(folder, args.size_mb, repeat)
        if args.only in (None, "time"):
            ok &= time_section(folder, args.cells, repeat)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
