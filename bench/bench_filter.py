"""Time `git status` after touching notebooks, with nbguard, nbstripout and nbstripout-fast as filters.

    python3 bench/bench_filter.py [--notebooks N] [--cells N] [--repeat N]

For each filter: a fresh temporary repository with N generated notebooks of
about --cells cells each, all with outputs, committed through the filter. Then,
--repeat times: touch every notebook (git sees them stat-dirty and must run the
clean filter on each) and time `git status --porcelain`; the median is
reported. The status must come out clean, which proves the filter ran.

- nbguard: `nbguard install` (the long-running `filter.nbguard.process`);
- nbstripout: `nbstripout --install` (`clean = python -m nbstripout`, one process per file);
- nbstripout-fast: `clean = <path to nbstripout-fast>`, `smudge = cat`, as its README says.

Tools are run from the interpreter's own bin folder, never through a
version-manager shim. git's own config is isolated (HOME is a temporary folder).
Needs: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import NBGUARD, record, tool

from nbguard.notebook import dumps

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def notebook(seed: int, cells: int) -> dict[str, Any]:
    """A notebook as Jupyter saves it after a run: ~1 markdown cell in 10, every code cell with output."""
    out: list[dict[str, Any]] = []
    for i in range(cells):
        cid = f"c{seed}-{i}"
        if i % 10 == 0:
            out.append(
                {
                    "cell_type": "markdown",
                    "id": cid,
                    "metadata": {},
                    "source": f"## Part {i // 10}\n\nNotes {seed}.",
                }
            )
            continue
        outputs: list[dict[str, Any]] = [
            {"name": "stdout", "output_type": "stream", "text": [f"step {i} of notebook {seed}\n"] * 3}
        ]
        if i % 3 == 0:
            outputs.append(
                {
                    "data": {"text/plain": [f"array([{i}, {i + 1}, {i + 2}])"]},
                    "execution_count": i,
                    "metadata": {},
                    "output_type": "execute_result",
                }
            )
        if i % 7 == 0:
            outputs.append(
                {
                    "data": {"image/png": PNG, "text/plain": ["<Figure size 640x480>"]},
                    "metadata": {},
                    "output_type": "display_data",
                }
            )
        out.append(
            {
                "cell_type": "code",
                "execution_count": i,
                "id": cid,
                "metadata": {"ExecuteTime": {"end_time": "2024-01-01T00:00:00Z"}},
                "outputs": outputs,
                "source": f"x{i} = compute({i}, seed={seed})\nprint(x{i})",
            }
        )
    return {
        "cells": out,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "version": "3.11.7"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def git(repo: Path, env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed:\n{proc.stderr}")
    return proc.stdout


def setup(name: str, repo: Path, env: dict[str, str]) -> None:
    if name == "nbguard":
        subprocess.run(
            [*NBGUARD, "install"],
            cwd=repo,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    elif name == "nbstripout":
        subprocess.run([tool("nbstripout"), "--install"], cwd=repo, env=env, check=True)
    elif name == "nbstripout-fast":
        git(repo, env, "config", "filter.jupyter.clean", tool("nbstripout-fast"))
        git(repo, env, "config", "filter.jupyter.smudge", "cat")
        (repo / ".git" / "info" / "attributes").write_text("*.ipynb filter=jupyter\n")


def prepare(name: str, repo: Path, env: dict[str, str], count: int, cells: int) -> list[Path]:
    repo.mkdir()
    git(repo, env, "init", "-q")
    if name != "none":
        setup(name, repo, env)
    paths = []
    for i in range(count):
        path = repo / f"nb{i:03d}.ipynb"
        path.write_text(dumps(notebook(i, cells)), encoding="utf-8")
        paths.append(path)
    git(repo, env, "add", ".")
    git(repo, env, "commit", "-q", "-m", "notebooks")
    return paths


def time_status(repo: Path, env: dict[str, str], paths: list[Path], stripped: bool) -> float:
    for path in paths:
        os.utime(path)
    start = time.perf_counter()
    status = git(repo, env, "status", "--porcelain")
    elapsed = time.perf_counter() - start
    if status.strip():
        raise SystemExit(f"{repo.name}: git status is not clean:\n{status}")
    if (
        stripped
        and b'"outputs": []'
        not in subprocess.run(
            ["git", "show", f"HEAD:{paths[0].name}"], cwd=repo, env=env, capture_output=True, check=False
        ).stdout
    ):
        raise SystemExit(f"{repo.name}: the committed notebook was not stripped")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--notebooks", type=int, default=50)
    parser.add_argument("--cells", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    filters = ["none", "nbguard", "nbstripout-fast", "nbstripout"]
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        env = {
            **os.environ,
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "bench",
            "GIT_AUTHOR_EMAIL": "bench@example.invalid",
            "GIT_COMMITTER_NAME": "bench",
            "GIT_COMMITTER_EMAIL": "bench@example.invalid",
        }
        env.pop("XDG_CONFIG_HOME", None)
        size = 0
        for name in filters:
            repo = Path(tmp) / name
            paths = prepare(name, repo, env, args.notebooks, args.cells)
            size = sum(p.stat().st_size for p in paths)
            results[name] = [time_status(repo, env, paths, name != "none") for _ in range(args.repeat)]

    medians = {name: statistics.median(times) for name, times in results.items()}
    ours = medians["nbguard"]
    version = subprocess.run(["git", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"{version}, Python {sys.version.split()[0]}")
    print(
        f"`git status --porcelain` after touching {args.notebooks} notebooks of {args.cells} cells "
        f"({size / 1e6:.1f} MB with outputs), median of {args.repeat}:\n"
    )
    print("| filter | median | runs | vs nbguard |")
    print("|---|---|---|---|")
    for name, value in medians.items():
        runs = ", ".join(f"{t:.2f}" for t in results[name])
        print(f"| {name} | {value:.3f} s | {runs} | {value / ours:.2f}x |")
    fast, slow = medians["nbstripout-fast"], medians["nbstripout"]
    print(f"\nnbguard takes {ours / fast:.2f}x nbstripout-fast's time (target <= 1.5x)")
    print(f"nbguard is {slow / ours:.1f}x faster than nbstripout (target >= 20x)")
    record(
        f"`git status` after touching {args.notebooks} notebooks, as a git filter",
        f"{ours:.2f} s",
        f"nbstripout-fast {fast:.2f} s; nbstripout {slow:.2f} s",
        f"{ours / fast:.2f}x nbstripout-fast's time; {slow / ours:.0f}x faster than nbstripout",
        "<= 1.5x; >= 20x",
        met=ours / fast <= 1.5 and slow / ours >= 20,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
