"""Small builders for notebooks in tests: ``make_nb(code("x = 1", count=1))``."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal


def code(
    source: str | list[str] = "",
    *,
    count: int | None = None,
    outputs: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
    id: str | None = None,  # noqa: A002 - the cell's field name
) -> dict[str, Any]:
    cell: dict[str, Any] = {
        "cell_type": "code",
        "execution_count": count,
        "metadata": metadata or {},
        "outputs": outputs or [],
        "source": source,
    }
    if id is not None:
        cell["id"] = id
    return cell


def markdown(
    source: str | list[str] = "",
    *,
    metadata: dict[str, Any] | None = None,
    attachments: dict[str, Any] | None = None,
    id: str | None = None,  # noqa: A002 - the cell's field name
) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": "markdown", "metadata": metadata or {}, "source": source}
    if attachments is not None:
        cell["attachments"] = attachments
    if id is not None:
        cell["id"] = id
    return cell


def raw(source: str | list[str] = "", *, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"cell_type": "raw", "metadata": metadata or {}, "source": source}


def stream(text: str | list[str], name: str = "stdout") -> dict[str, Any]:
    return {"name": name, "output_type": "stream", "text": text}


def execute_result(data: dict[str, Any], count: int | None = 1) -> dict[str, Any]:
    return {"data": data, "execution_count": count, "metadata": {}, "output_type": "execute_result"}


def display_data(data: dict[str, Any], metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"data": data, "metadata": metadata or {}, "output_type": "display_data"}


def error(
    ename: str = "ValueError", evalue: str = "boom", traceback: list[str] | None = None
) -> dict[str, Any]:
    return {"ename": ename, "evalue": evalue, "output_type": "error", "traceback": traceback or []}


def make_nb(*cells: dict[str, Any], metadata: dict[str, Any] | None = None, minor: int = 5) -> dict[str, Any]:
    return {
        "cells": list(cells),
        "metadata": metadata
        if metadata is not None
        else {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": minor,
    }


def dumps(nb: dict[str, Any]) -> str:
    """What Jupyter writes, from nbformat itself (the reference, a test dependency)."""
    from nbformat.v4 import nbjson

    return str(nbjson.writes(nbjson.reads(json.dumps(nb)))) + "\n"


def write_nb(path: Path, nb: dict[str, Any]) -> Path:
    path.write_text(dumps(nb), encoding="utf-8")
    return path


CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def corpus_notebooks() -> list[Path]:
    """Every notebook of ../shared/corpus, sorted (empty when it is absent)."""
    if not CORPUS.is_dir():
        return []
    return sorted(CORPUS.rglob("*.ipynb"))


def corpus_absence(
    notebooks: list[Path], env: Mapping[str, str]
) -> tuple[Literal["fail", "skip"], str] | None:
    """What a test marked ``corpus`` does, given the corpus's notebooks and the environment:
    None (run it) when there are notebooks; without them, ("fail", why) in CI (``CI=true``,
    as CI runs and GitHub Actions set it), so that corpus tests never skip silently there;
    ("skip", why) on a developer machine, or wherever ``NBGUARD_NO_CORPUS=1`` says the corpus
    is absent by intent (the GitHub workflow). tests/conftest.py applies it to each test."""
    if notebooks:
        return None
    if env.get("NBGUARD_NO_CORPUS") == "1":
        return "skip", f"no corpus at {CORPUS} (NBGUARD_NO_CORPUS=1: absent by intent)"
    if env.get("CI", "").lower() == "true":
        return "fail", (
            f"the shared corpus is missing at {CORPUS} and CI=true: corpus tests must run in CI "
            "(set NBGUARD_NO_CORPUS=1 where it is absent by intent)"
        )
    return "skip", f"no corpus at {CORPUS} (on CI, with CI=true, this fails)"


def readable_corpus_notebooks() -> Iterator[tuple[Path, dict[str, Any]]]:
    """(path, notebook) for every corpus notebook nbguard can read; the few it refuses
    (nbformat 2, an unknown cell type...) are left out."""
    from nbguard import notebook

    for path in corpus_notebooks():
        try:
            yield path, notebook.read(str(path)).nb
        except notebook.NotebookError:
            continue


def subcommand(name: str) -> Callable[[list[str]], int]:
    """``nbguard NAME ARGS...`` as a function of ARGS, through the real command line."""
    from nbguard import cli

    return lambda argv: cli.main([name, *argv])


def pre_commit(*args: str, cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """The real pre-commit framework, run as this interpreter's module, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
