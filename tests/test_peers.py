"""nbguard against the peers themselves, installed from PyPI (the ``test`` extra): each
case runs the peer's command line and nbguard's translation of it on copies of the
same file, and asserts the same bytes, or the difference docs/differences.md lists.

The cases are translated from the peers' own test suites (named at each table).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nbguard import cli

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent


def peer(name: str) -> str:
    exe = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if exe is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return exe


def run_peer(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [peer(argv[0]), *argv[1:]],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def both(tmp_path: Path, data: bytes, peer_argv: list[str], ours: list[str], name: str = "nb.ipynb"):
    """The bytes the peer leaves (in place) and those nbguard leaves, with both exit codes."""
    theirs_dir, ours_dir = tmp_path / "peer", tmp_path / "nbguard"
    for folder in (theirs_dir, ours_dir):
        folder.mkdir()
        (folder / name).write_bytes(data)
    proc = run_peer([*peer_argv, name], theirs_dir)
    import os

    cwd = os.getcwd()
    os.chdir(ours_dir)
    try:
        code_ = cli.main([*ours, "--isolated", name])
    finally:
        os.chdir(cwd)
    return (theirs_dir / name).read_bytes(), (ours_dir / name).read_bytes(), proc, code_


# --- nbstripout 0.9.1: notebook versions nbguard used to refuse ---------------------------

V2_DIRTY = {
    "metadata": {"name": "old", "signature": "sha256:0"},
    "nbformat": 2,
    "worksheets": [
        {
            "cells": [
                {
                    "cell_type": "code",
                    "collapsed": False,
                    "input": ["import os\n", "os.getcwd()"],
                    "language": "python",
                    "metadata": {},
                    "outputs": [{"output_type": "pyout", "prompt_number": 1, "text": ["'/tmp'"]}],
                    "prompt_number": 1,
                },
                {"cell_type": "markdown", "metadata": {}, "source": "# Title\nnon-ASCII: é"},
            ]
        }
    ],
}
NO_VERSION = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": 3,
            "metadata": {"collapsed": True, "tags": ["t"]},
            "outputs": [{"name": "stdout", "output_type": "stream", "text": ["é\n"]}],
            "source": ["print('é')"],
        },
        {"cell_type": "markdown", "metadata": {}, "source": "text"},
    ],
    "metadata": {"kernelspec": {"name": "python3"}},
    "nbformat_minor": 2,
}
OLD_FORMATS = [
    pytest.param(V2_DIRTY, id="nbformat-2"),
    pytest.param(NO_VERSION, id="no-nbformat-key"),
    pytest.param({**V2_DIRTY, "metadata": {}}, id="nbformat-2-clean-metadata"),
]


@pytest.mark.parametrize("nb", OLD_FORMATS)
@pytest.mark.parametrize("extra", [[], ["--keep-output"], ["--keep-count"]])
def test_old_versions_stripped_as_nbstripout_strips_them(tmp_path, nb, extra):
    data = json.dumps(nb, indent=2).encode()
    theirs, mine, proc, code_ = both(tmp_path, data, ["nbstripout", *extra], ["strip", *extra])
    assert proc.returncode == 0, proc.stderr
    assert code_ == 0
    assert mine == theirs


@pytest.mark.parametrize("nb", OLD_FORMATS)
def test_old_versions_through_standard_input_as_nbstripout(tmp_path, nb):
    data = json.dumps(nb).encode()
    theirs = subprocess.run([peer("nbstripout")], input=data, capture_output=True, check=True).stdout
    mine = subprocess.run(
        [sys.executable, "-m", "nbguard", "strip", "--isolated"], input=data, capture_output=True, check=True
    ).stdout
    assert mine == theirs


def test_nbformat_1_which_nbstripout_cannot_strip_is_written_as_nbformat_writes_it(tmp_path):
    """docs/differences.md: nbstripout looks for worksheets in an explicit nbformat 1 and
    fails; nbguard strips its cells and writes it as nbformat's v1 writer does."""
    from nbformat.v1 import nbjson

    nb = {**NO_VERSION, "nbformat": 1}
    _theirs, mine, proc, code_ = both(tmp_path, json.dumps(nb).encode(), ["nbstripout"], ["strip"])
    assert proc.returncode == 1
    assert "AttributeError: worksheets" in proc.stderr
    assert code_ == 0
    stripped = json.loads(json.dumps(nb))
    stripped["cells"][0].update(execution_count=None, outputs=[], metadata={"tags": ["t"]})
    assert mine == (nbjson.writes(stripped) + "\n").encode()
