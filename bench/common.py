"""What the benchmark scripts share: where the corpus is, its notebooks, and the tools."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
# The interpreter's own bin folder: a version manager's shim would add its start-up to every run.
BIN = Path(sys.executable).parent
# How every benchmark starts nbguard: this interpreter, never a shim, and the bytecode below.
NBGUARD = [sys.executable, "-m", "nbguard"]


def tool(name: str) -> str:
    """The path of a command installed beside this interpreter (or, failing that, on PATH)."""
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is not installed (pip install -e '.[bench]')")
    return found


def compile_nbguard() -> None:
    """Write nbguard's bytecode (``__pycache__``) before anything is timed.

    ``pip install`` compiles a package's bytecode, so the peers, and nbguard as
    pre-commit installs it, start from it. An editable install in an environment
    that sets PYTHONDONTWRITEBYTECODE never gets any, and would compile every
    module from source on every run (15-20 ms of start-up): not what users run.
    """
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("nbguard")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        compileall.compile_dir(folder, quiet=1)


compile_nbguard()  # every benchmark script imports this module before it times anything


def record(what: str, nbguard: str, peer: str, ratio: str, target: str, *, met: bool) -> None:  # noqa: PLR0913 - one per column
    """One row of the README's speed table: appended, as a JSON line, to the file that
    ``run_all.py`` names in NBGUARD_BENCH_RESULTS (nothing when a script runs alone)."""
    import json
    import os

    path = os.environ.get("NBGUARD_BENCH_RESULTS")
    if path:
        row = {"what": what, "nbguard": nbguard, "peer": peer, "ratio": ratio, "target": target, "met": met}
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")


def timed_run(argv: list[str], cwd: Path | None = None) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    """Wall time and result of one run, its output captured. Stops the benchmark unless
    the command exited 0 or 1 (clean, or findings: the corpus has them) without a
    traceback: a Python tool that cannot even start exits 1 too."""
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1) or b"Traceback (most recent call last)" in proc.stderr:
        raise SystemExit(
            f"{' '.join(argv[:6])} ... exited {proc.returncode}:\n"
            + proc.stderr.decode(errors="replace")[-2000:]
        )
    return elapsed, proc


def corpus_parser(doc: str | None, repeat: int) -> argparse.ArgumentParser:
    """The arguments every corpus benchmark takes: the corpus folder and ``--repeat``."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument(
        "--repeat", type=int, default=repeat, help=f"runs of each command (default: {repeat})"
    )
    return parser


def corpus_files(corpus: Path) -> list[str]:
    """The corpus' notebooks, sorted, relative to ``corpus``."""
    if not corpus.is_dir():
        raise SystemExit(f"no corpus folder at {corpus}")
    files = sorted(str(p.relative_to(corpus)) for p in corpus.rglob("*.ipynb"))
    if not files:
        raise SystemExit(f"no notebooks below {corpus}")
    return files


def notebooks_and_size(corpus: Path, files: Sequence[str | Path]) -> str:
    """How much a benchmark reads, for its header: "N notebooks, X MB"."""
    size = sum((corpus / f).stat().st_size for f in files)
    return f"{len(files)} notebooks, {size / 1e6:.1f} MB"
