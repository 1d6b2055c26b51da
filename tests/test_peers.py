"""nbguard against the peers themselves, installed from PyPI (the ``test`` extra): each
case runs the peer's command line and nbguard's translation of it on copies of the
same file, and asserts the same bytes, or the difference docs/differences.md lists.

The cases are translated from the peers' own test suites (named at each table).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nbfactory import code, display_data, dumps, execute_result, make_nb, markdown, stream
from nbguard import cli

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]


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


def both(
    tmp_path: Path,
    data: bytes,
    peer_argv: list[str],
    ours: list[str],
    name: str = "nb.ipynb",
    *,
    isolated=True,
):
    """The bytes the peer leaves (in place) and those nbguard leaves, with both exit codes."""
    theirs_dir, ours_dir = tmp_path / "peer", tmp_path / "nbguard"
    for folder in (theirs_dir, ours_dir):
        folder.mkdir(parents=True)
        (folder / name).write_bytes(data)
    proc = run_peer([*peer_argv, name], theirs_dir)
    cwd = os.getcwd()
    os.chdir(ours_dir)
    try:
        code_ = cli.main([*ours, *(["--isolated"] if isolated else []), name])
    finally:
        os.chdir(cwd)
    theirs = (theirs_dir / name).read_bytes()
    if peer_argv[0] == "nbstripout" and b"\r" not in data and "--unix-newlines" not in peer_argv:
        theirs = lf(theirs)
    return theirs, (ours_dir / name).read_bytes(), proc, code_


def lf(data: bytes) -> bytes:
    """nbstripout's bytes as on Linux: on Windows it writes os.linesep (CRLF) where the
    input had LF, which nbguard keeps (docs/differences.md)."""
    return data.replace(b"\r\n", b"\n") if os.linesep == "\r\n" else data


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
    theirs = lf(subprocess.run([peer("nbstripout")], input=data, capture_output=True, check=True).stdout)
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


# --- nbstripout 0.9.1: its options under its names ------------------------------------------

DIRTY = make_nb(
    code("print(1)", count=1, outputs=[stream("1\n")], metadata={"collapsed": True}, id="a"),
    markdown("# é", id="b"),
)


def test_dry_run_lists_and_exits_0_as_nbstripout(tmp_path, capsys):
    data = dumps(DIRTY).encode()
    theirs, mine, proc, code_ = both(tmp_path, data, ["nbstripout", "--dry-run"], ["strip", "--dry-run"])
    assert (proc.returncode, proc.stdout.replace("\r\n", "\n")) == (
        0,
        "Dry run: would have stripped nb.ipynb\n",
    )
    assert code_ == 0
    assert capsys.readouterr().out == "nb.ipynb: NBG401 would be stripped (1 output, 1 execution count)\n"
    assert theirs == mine == data


def test_verify_and_check_exit_1(tmp_path, capsys):
    data = dumps(DIRTY).encode()
    _, mine, proc, code_ = both(tmp_path, data, ["nbstripout", "--verify"], ["strip", "--check"])
    assert (proc.returncode, code_) == (1, 1)
    assert mine == data


def test_unix_newlines_writes_what_nbstripout_writes(tmp_path):
    crlf = dumps(DIRTY).replace("\n", "\r\n").encode()
    theirs, mine, proc, code_ = both(
        tmp_path, crlf, ["nbstripout", "--keep-id", "--unix-newlines"], ["strip", "--unix-newlines"]
    )
    assert (proc.returncode, code_) == (0, 0)
    assert b"\r" not in mine
    assert mine == theirs


@pytest.mark.skipif(os.linesep != "\n", reason="nbstripout writes os.linesep, which is CRLF on Windows")
def test_crlf_is_kept_by_default_where_nbstripout_writes_lf_on_linux(tmp_path):
    """docs/differences.md: nbguard keeps a file's CRLF; --unix-newlines gives nbstripout's LF."""
    crlf = dumps(DIRTY).replace("\n", "\r\n").encode()
    theirs, mine, _, _ = both(tmp_path, crlf, ["nbstripout", "--keep-id"], ["strip"])
    assert b"\r" not in theirs
    assert mine == theirs.replace(b"\n", b"\r\n")


def test_an_invalid_extra_key_is_a_usage_error_where_nbstripout_warns(tmp_path, capsys):
    """docs/differences.md: a mistyped key would silently strip nothing; nbguard says so, exit 2."""
    data = dumps(DIRTY).encode()
    theirs, mine, proc, code_ = both(
        tmp_path, data, ["nbstripout", "--extra-keys", "kernelspec"], ["strip", "--extra-keys", "kernelspec"]
    )
    assert proc.returncode == 0
    assert "Ignoring invalid extra key `kernelspec`\n" in proc.stderr
    assert code_ == 2
    assert "invalid metadata key 'kernelspec'" in capsys.readouterr().err
    assert mine == data != theirs


def test_invalid_keys_warn_gives_nbstripouts_behaviour(tmp_path, capsys):
    """docs/differences.md: --invalid-keys warn ignores the key with a warning and strips."""
    data = dumps(DIRTY).encode()
    keys = "kernelspec metadata.kernelspec"
    theirs, mine, proc, code_ = both(
        tmp_path,
        data,
        ["nbstripout", "--keep-id", "--extra-keys", keys],
        ["strip", "--invalid-keys", "warn", "--extra-keys", keys],
    )
    assert (proc.returncode, code_) == (0, 0)
    assert "Ignoring invalid extra key `kernelspec`\n" in proc.stderr
    assert capsys.readouterr().err == "nbguard: warning: ignoring invalid metadata key 'kernelspec'\n"
    assert mine == theirs != data


# --- nb-clean 5.0.0 (its README's options; its tests are not public for 5.0) ----------------

METADATA_NB = make_nb(
    code(
        "print(1)",
        count=1,
        outputs=[stream("1\n"), execute_result({"text/plain": "1"}, count=1)],
        metadata={"tags": ["x"], "collapsed": True, "slideshow": {"slide_type": "slide"}},
    ),
    markdown("# t", metadata={"tags": ["a"], "jupyter": {"source_hidden": True}}),
    code("", count=None),
    metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
        "language_info": {"name": "python", "version": "3.11.7"},
    },
)
# nb-clean's default also removes language_info.version, which nbguard keeps unless told.
NB_CLEAN_DEFAULT = ["--remove-cell-metadata", "--extra-keys", "metadata.language_info.version"]
NB_CLEAN_CASES = [
    pytest.param([], NB_CLEAN_DEFAULT, id="default"),
    pytest.param(
        ["-M"], ["--remove-cell-metadata", "--remove-all-notebook-metadata"], id="remove-all-nb-metadata"
    ),
    pytest.param(
        ["--preserve-cell-metadata-field", "tags"],
        ["--preserve-cell-metadata", "tags", "--extra-keys", "metadata.language_info.version"],
        id="preserve-field",
    ),
    pytest.param(
        ["--preserve-cell-metadata-field", "tags", "--preserve-cell-metadata-field", "slideshow"],
        [
            "--preserve-cell-metadata-field",
            "tags",
            "--preserve-cell-metadata-field",
            "slideshow",
            *NB_CLEAN_DEFAULT[1:],
        ],
        id="preserve-two-fields",
    ),
    pytest.param(["-o"], ["--keep-output", *NB_CLEAN_DEFAULT], id="preserve-outputs"),
    pytest.param(["-c"], ["--keep-count", *NB_CLEAN_DEFAULT], id="preserve-counts"),
    pytest.param(["-e"], ["--drop-empty-cells", *NB_CLEAN_DEFAULT], id="remove-empty-cells"),
    pytest.param(["-n"], ["--remove-cell-metadata"], id="preserve-notebook-metadata"),
]


@pytest.mark.parametrize(("theirs_args", "ours_args"), NB_CLEAN_CASES)
def test_nb_clean_options_give_nb_cleans_bytes(tmp_path, theirs_args, ours_args):
    data = dumps(METADATA_NB).encode()
    theirs, mine, proc, code_ = both(
        tmp_path, data, ["nb-clean", "clean", *theirs_args], ["strip", *ours_args]
    )
    assert (proc.returncode, code_) == (0, 0), proc.stderr
    assert mine == theirs


def test_nb_clean_strips_a_keep_output_cell_where_nbguard_keeps_it(tmp_path):
    """docs/differences.md: nbguard honours the keep_output tag (nbstripout's rule)."""
    nb = make_nb(code("1", count=1, outputs=[stream("1\n")], metadata={"tags": ["keep_output"]}))
    theirs, mine, _, _ = both(
        tmp_path, dumps(nb).encode(), ["nb-clean", "clean"], ["strip", *NB_CLEAN_DEFAULT]
    )
    assert json.loads(theirs)["cells"][0]["outputs"] == []
    assert json.loads(mine)["cells"][0]["outputs"] == [stream(["1\n"])]
    assert json.loads(mine)["cells"][0]["metadata"] == {"tags": ["keep_output"]}


# --- nbstripout-fast 1.1.2: --strip-regex (its tests/test_nbstripout_fast.py cases) ----------

REGEX_NB = make_nb(
    code(
        "w",
        count=3,
        outputs=[
            stream(["keep me\n"]),
            stream(["Output()\n"]),
            execute_result({"text/plain": ["Output()"]}, count=3),
            display_data({"text/plain": ["<Figure size 640x480>"], "image/png": "iVBORw0KGgo="}),
            {"output_type": "error", "ename": "E", "evalue": "Output()", "traceback": ["Output()"]},
        ],
    ),
    code("x", count=4, outputs=[stream(["Output()\n"])], metadata={"tags": ["keep_output"]}),
)
REGEX_CASES = [
    pytest.param(["--strip-regex", "Output"], id="regex-default-strips-all"),
    pytest.param(["--keep-output", "--strip-regex", "Output"], id="regex-over-keep-output"),
    pytest.param(["--keep-output", "--strip-regex", "Figure"], id="display-text-plain"),
    pytest.param(["--keep-output", "--keep-count", "--strip-regex", "keep"], id="keep-count"),
    pytest.param(["--keep-output", "--strip-regex", "nomatch"], id="no-match"),
    pytest.param(["--keep-output", "--strip-regex", "(?i)OUTPUT"], id="inline-flag"),
]


@pytest.mark.parametrize("args", REGEX_CASES)
def test_strip_regex_drops_the_outputs_nbstripout_fast_drops(tmp_path, args):
    """The same notebook content; nbstripout-fast keeps the input's key order and scrambles it
    where it removes a key (docs/differences.md), nbguard writes nbformat's canonical bytes."""
    data = dumps(REGEX_NB).encode()
    theirs, mine, proc, code_ = both(tmp_path, data, ["nbstripout-fast", *args], ["strip", *args])
    assert (proc.returncode, code_) == (0, 0), proc.stderr
    assert json.loads(mine) == json.loads(theirs)
    assert mine == dumps(json.loads(theirs)).encode()


def test_strip_regex_is_pythons_dialect_where_dollar_also_matches_before_a_final_newline(tmp_path):
    """docs/differences.md: Rust's $ is Python's \\Z; the rest of the syntax used in practice agrees."""
    data = dumps(REGEX_NB).encode()
    keep = ["--keep-output", "--strip-regex"]
    theirs, _, _, _ = both(tmp_path / "a", data, ["nbstripout-fast", *keep, "^Output\\(\\)$"], ["strip"])
    _, dollar, _, _ = both(tmp_path / "b", data, ["nbstripout-fast"], ["strip", *keep, "^Output\\(\\)$"])
    _, end, _, _ = both(tmp_path / "c", data, ["nbstripout-fast"], ["strip", *keep, "^Output\\(\\)\\Z"])
    assert json.loads(end) == json.loads(theirs)
    assert (
        len(json.loads(dollar)["cells"][0]["outputs"]) == len(json.loads(theirs)["cells"][0]["outputs"]) - 1
    )


def test_an_invalid_strip_regex_fails_as_in_nbstripout_fast(tmp_path, capsys):
    data = dumps(REGEX_NB).encode()
    theirs, mine, proc, code_ = both(
        tmp_path, data, ["nbstripout-fast", "--strip-regex", "("], ["strip", "--strip-regex", "("]
    )
    assert proc.returncode != 0
    assert code_ == 2
    assert "invalid strip-regex '('" in capsys.readouterr().err
    assert theirs == mine == data


# --- nbwipers 0.7.2: hook check-large-files ------------------------------------------------


def test_max_kb_stripped_flags_what_nbwipers_check_large_files_flags(tmp_path, capsys):
    big = make_nb(code("y = '" + "x" * 3000 + "'"), code("1", count=1, outputs=[stream("z" * 50_000)]))
    small = make_nb(code("1", count=1, outputs=[stream("z" * 50_000)]))
    (tmp_path / "big.ipynb").write_text(dumps(big))
    (tmp_path / "small.ipynb").write_text(dumps(small))
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)  # nbwipers asks git for attributes
    proc = run_peer(
        [
            "nbwipers",
            "hook",
            "check-large-files",
            "--isolated",
            "--enforce-all",
            "--maxkb",
            "3",
            "big.ipynb",
            "small.ipynb",
        ],
        tmp_path,
    )
    assert proc.returncode == 1
    assert "big.ipynb (4 KB) exceeds 3 KB\n" in proc.stdout + proc.stderr
    assert "small.ipynb" not in proc.stdout + proc.stderr
    os.chdir(tmp_path)
    assert cli.main(["strip", "--isolated", "--max-kb-stripped", "3", "big.ipynb", "small.ipynb"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "big.ipynb: NBG402 is 4 KB after stripping, over the 3 KB limit" in out
    assert not any("small.ipynb: NBG402" in line for line in out)
    os.chdir(ROOT)


# --- nbwipers 0.7.2: exclude in configuration ----------------------------------------------

EXCLUDE_TREE = ("docs/a.ipynb", "docs/sub/b.ipynb", "nb/c.ipynb", "build/d.ipynb", "top.ipynb")


@pytest.mark.parametrize(
    ("globs", "left"),
    [
        pytest.param(["docs/sub", "build", "top.ipynb"], 2, id="folders-and-a-file"),
        pytest.param(["*/sub/*"], 4, id="star"),
        pytest.param(["build/"], 4, id="trailing-slash"),
        pytest.param(["sub"], 4, id="a-name-at-any-depth"),
        pytest.param([], 5, id="none"),
    ],
)
def test_exclude_leaves_out_what_nbwipers_leaves_out(tmp_path, monkeypatch, capsys, globs, left):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    for rel in EXCLUDE_TREE:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(dumps(DIRTY))
    listed = json.dumps(globs)
    (tmp_path / "pyproject.toml").write_text(
        f"[tool.nbwipers]\nexclude = {listed}\n[tool.nbguard]\nexclude = {listed}\n"
    )
    proc = run_peer(["nbwipers", "check", "."], tmp_path)
    theirs = {line.split(":", 1)[0] for line in proc.stdout.splitlines() if ".ipynb:" in line}
    monkeypatch.chdir(tmp_path)
    cli.main(["strip", "--check", "."])
    mine = {line.split(":", 1)[0] for line in capsys.readouterr().out.splitlines()}
    assert mine == theirs
    assert len(mine) == left


def test_exclude_also_leaves_out_a_named_file_which_nbwipers_checks(tmp_path, monkeypatch, capsys):
    """docs/differences.md: pre-commit names every staged file, so nbguard's exclude holds for
    named files too (as ruff's force-exclude); nbwipers' holds only when it walks folders."""
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "top.ipynb").write_text(dumps(DIRTY))
    (tmp_path / "pyproject.toml").write_text(
        '[tool.nbwipers]\nexclude = ["top.ipynb"]\n[tool.nbguard]\nexclude = ["top.ipynb"]\n'
    )
    proc = run_peer(["nbwipers", "check", "top.ipynb"], tmp_path)
    assert proc.stdout.startswith("top.ipynb:")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["strip", "--check", "top.ipynb"]) == 0
    assert capsys.readouterr().out == ""
    assert cli.main(["strip", "--check", "--exclude", "nothing", "top.ipynb"]) == 1
    assert (
        cli.main(["strip", "--check", "--extend-exclude", "*.ipynb", "--exclude", "nothing", "top.ipynb"])
        == 0
    )


# --- nbstripout 0.9.1: the git config keys it reads -----------------------------------------


KEYS_NB = make_nb(
    code(
        "1",
        count=1,
        outputs=[stream("1\n")],
        metadata={"tags": ["t"], "scrolled": True, "collapsed": True},
        id="a",
    ),
    metadata={"kernelspec": {"name": "python3", "display_name": "P"}, "language_info": {"name": "python"}},
)


@pytest.mark.parametrize(
    ("scope", "extrakeys", "keepmetadatakeys"),
    [
        pytest.param(
            "--local", "metadata.kernelspec cell.metadata.tags", "cell.metadata.scrolled", id="local"
        ),
        pytest.param("--global", "metadata.language_info", "", id="global"),
        pytest.param("--local", "", "cell.metadata.collapsed cell.metadata.scrolled", id="keep-only"),
    ],
)
def test_git_config_keys_of_nbstripout_are_read_as_nbstripout_reads_them(
    tmp_path, git_home, monkeypatch, scope, extrakeys, keepmetadatakeys
):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    for key, value in (("extrakeys", extrakeys), ("keepmetadatakeys", keepmetadatakeys)):
        if value:
            subprocess.run(["git", "config", scope, f"filter.nbstripout.{key}", value], cwd=repo, check=True)
    monkeypatch.chdir(repo)
    theirs, mine, proc, code_ = both(
        repo, dumps(KEYS_NB).encode(), ["nbstripout", "--keep-id"], ["strip"], isolated=False
    )
    assert (proc.returncode, code_) == (0, 0), proc.stderr
    assert mine == theirs
    # --isolated leaves git config out too.
    (repo / "nbguard" / "nb.ipynb").write_text(dumps(KEYS_NB))
    os.chdir(repo / "nbguard")
    assert cli.main(["strip", "--isolated", "nb.ipynb"]) == 0
    assert json.loads((repo / "nbguard" / "nb.ipynb").read_text())["metadata"] == KEYS_NB["metadata"]


def test_an_invalid_key_in_git_config_is_ignored_with_a_warning_as_nbstripout_does(
    tmp_path, git_home, monkeypatch, capsys
):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(
        ["git", "config", "filter.nbstripout.extrakeys", "kernelspec metadata.kernelspec"],
        cwd=tmp_path,
        check=True,
    )
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.ipynb").write_text(dumps(KEYS_NB))
    assert cli.main(["strip", "a.ipynb"]) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        "nbguard: warning: ignoring invalid key 'kernelspec' in git config filter.nbstripout.extrakeys\n"
    )
    assert "kernelspec" not in json.loads((tmp_path / "a.ipynb").read_text())["metadata"]


# --- nbstripout 0.9.1: its tests/test_end_to_end.py cases, on a notebook with every feature
# those cases' notebooks exercise (stdin to stdout, as that suite runs nbstripout) ----------

E2E_NB = make_nb(
    code(
        "import time",
        count=1,
        outputs=[stream("é ü 漢字 😀\n")],
        metadata={
            "ExecuteTime": {"end_time": "2020-01-01T00:00:01"},
            "execution": {"iopub.execute_input": "x"},
        },
        id="t1",
    ),
    code("", count=2, id="empty"),
    code("   \n", count=3, id="blank"),
    code("dropped()", count=4, outputs=[stream("gone\n")], metadata={"tags": ["test"]}, id="tagged"),
    code(
        "init()",
        count=5,
        outputs=[stream("init\n")],
        metadata={"init_cell": True, "application/vnd.databricks.v1+cell": {"title": ""}},
        id="init",
    ),
    code("small()", count=6, outputs=[stream("ok\n"), stream("x" * 80 + "\n")], id="sizes"),
    code(
        "widget",
        count=7,
        outputs=[
            execute_result({"text/plain": "3"}, count=7),
            display_data({"application/vnd.jupyter.widget-view+json": {"model_id": "m"}, "text/plain": "W"}),
        ],
        metadata={"keep_output": True},
        id="kept",
    ),
    markdown("", id="md-empty"),
    markdown("# Title", metadata={"heading_collapsed": True, "hidden": True}, id="md"),
    metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "version": "3.11.7"},
        "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}},
        "application/vnd.databricks.v1+notebook": {"notebookName": "n"},
        "signature": "sha256:0",
    },
)
E2E_CASES = [
    [],
    ["--drop-empty-cells"],
    ["--drop-tagged-cells=test"],
    ["--max-size", "50"],
    ["--extra-keys", "metadata.kernelspec metadata.language_info"],
    ["--keep-count"],
    ["--keep-output"],
    ["--keep-output", "--keep-count"],
    [
        "--extra-keys",
        "cell.metadata.application/vnd.databricks.v1+cell metadata.application/vnd.databricks.v1+notebook",
    ],
    ["--strip-init-cells"],
    ["--keep-metadata-keys", "cell.metadata.ExecuteTime metadata.widgets"],
    ["--keep-output-type", "stream"],
    ["--keep-output", "--drop-output-type", "execute_result"],
    ["--keep-id"],
]


@pytest.mark.parametrize("args", E2E_CASES, ids=[" ".join(a) or "default" for a in E2E_CASES])
def test_nbstripout_end_to_end_cases_give_nbstripouts_bytes(args):
    """nbguard's default is --keep-id, nbstripout's is sequential ids: the translation of
    nbstripout without --keep-id is --id-action sequential (what nbguard migrate writes)."""
    data = dumps(E2E_NB).encode()
    theirs = lf(
        subprocess.run([peer("nbstripout"), *args], input=data, capture_output=True, check=True).stdout
    )
    ours_args = [a for a in args if a != "--keep-id"]
    if "--keep-id" not in args:
        ours_args += ["--id-action", "sequential"]
    mine = subprocess.run(
        [sys.executable, "-m", "nbguard", "strip", "--isolated", *ours_args],
        input=data,
        capture_output=True,
        check=True,
    ).stdout
    assert mine == theirs


def test_nbstripout_dry_run_on_standard_input_exits_0_and_writes_no_notebook():
    data = dumps(E2E_NB).encode()
    theirs = subprocess.run([peer("nbstripout"), "--dry-run"], input=data, capture_output=True, check=True)
    assert lf(theirs.stdout) == b"Dry run: would have stripped input from stdin\n"
    mine = subprocess.run(
        [sys.executable, "-m", "nbguard", "strip", "--isolated", "--dry-run", "-"],
        input=data,
        capture_output=True,
        check=False,
    )
    assert (mine.returncode, mine.stderr) == (0, b"")
    assert mine.stdout == b"-: NBG401 would be stripped (4 outputs, 7 execution counts)\n"


def test_a_contradicting_keep_output_is_an_error_for_both(tmp_path, capsys):
    nb = make_nb(
        code("1", count=1, outputs=[stream("1\n")], metadata={"keep_output": False, "tags": ["keep_output"]})
    )
    _, mine, proc, code_ = both(tmp_path, dumps(nb).encode(), ["nbstripout"], ["strip"])
    assert "MetadataError: cell metadata contradicts tags" in proc.stderr
    assert proc.returncode == 1
    assert code_ == 1
    assert (
        "cell 1: metadata keep_output is false but the cell is tagged keep_output" in capsys.readouterr().out
    )
    assert mine == dumps(nb).encode()


# --- nbstripout 0.9.1 --mode zeppelin -------------------------------------------------------

ZEPPELIN = {
    "paragraphs": [
        {
            "text": "%md\n# Title é",
            "user": "anonymous",
            "config": {"editorMode": "ace/mode/markdown"},
            "results": {"code": "SUCCESS", "msg": [{"type": "HTML", "data": "<h1>Title</h1>"}]},
            "id": "p1",
        },
        {"text": "%python\nprint(1)", "results": {}, "id": "p2"},
        {"text": "", "id": "p3"},
    ],
    "name": "note",
    "id": "2ABCDEF",
    "config": {"isZeppelinNotebookCronEnable": False},
}


@pytest.mark.parametrize("ours", [["strip"], ["strip", "--mode", "zeppelin"]], ids=["by-extension", "mode"])
def test_zeppelin_notes_are_stripped_as_nbstripout_mode_zeppelin_strips_them(tmp_path, capsys, ours):
    data = json.dumps(ZEPPELIN, indent=4).encode()
    theirs, mine, proc, code_ = both(
        tmp_path, data, ["nbstripout", "--mode", "zeppelin"], ours, name="n.zpln"
    )
    assert (proc.returncode, code_) == (0, 0), proc.stderr
    assert mine == theirs
    assert capsys.readouterr().out == "n.zpln: stripped results of 1 paragraph\n"
    os.chdir(tmp_path / "nbguard")
    assert cli.main(["strip", "--check", "n.zpln"]) == 0, "idempotent"
    os.chdir(ROOT)


def test_zeppelin_on_standard_input_with_mode_as_nbstripout():
    data = json.dumps(ZEPPELIN).encode()
    theirs = subprocess.run(
        [peer("nbstripout"), "--mode", "zeppelin"], input=data, capture_output=True, check=True
    ).stdout
    theirs = lf(theirs)
    mine = subprocess.run(
        [sys.executable, "-m", "nbguard", "strip", "--isolated", "-m", "zeppelin"],
        input=data,
        capture_output=True,
        check=True,
    ).stdout
    assert mine == theirs


def test_a_file_that_is_not_a_zeppelin_note_is_named_so(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "n.zpln").write_text(dumps(DIRTY))
    assert cli.main(["strip", "n.zpln"]) == 1
    assert capsys.readouterr().out == "n.zpln: NBG001 not a Zeppelin note: no 'paragraphs' list\n"


def test_git_config_keys_are_read_from_a_worktree_too(tmp_path, git_home, monkeypatch):
    """A worktree's .git is a file naming its git folder; the keys are in the common config."""
    main = tmp_path / "main"
    main.mkdir()
    for args in (
        ["init", "-q"],
        ["commit", "-q", "--allow-empty", "-m", "x"],
        ["worktree", "add", "-q", str(tmp_path / "wt")],
    ):
        subprocess.run(
            ["git", "-c", "user.name=n", "-c", "user.email=e@example.invalid", *args], cwd=main, check=True
        )
    subprocess.run(
        ["git", "config", "filter.nbstripout.extrakeys", "metadata.kernelspec"], cwd=main, check=True
    )
    wt = tmp_path / "wt"
    (wt / "a.ipynb").write_text(dumps(KEYS_NB))
    monkeypatch.chdir(wt)
    assert cli.main(["strip", "a.ipynb"]) == 0
    assert "kernelspec" not in json.loads((wt / "a.ipynb").read_text())["metadata"]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b.ipynb").write_text(dumps(KEYS_NB))  # outside any repository: nothing read
    assert cli.main(["strip", "b.ipynb"]) == 0
    assert "kernelspec" in json.loads((tmp_path / "b.ipynb").read_text())["metadata"]


# --- nbstripout-fast 1.1.2: its tests/test_nbstripout_fast.py, on the notebook it builds and
# executes there (the outputs written out here: 2, 3, 5 and an ipywidgets Output) ------------

_FAST_SOURCES = [
    ("markdown", "# Welcome to my notebook", None),
    ("code", "1 + 1", "2"),
    ("code", "x = 2\nx +1", "3"),
    ("markdown", "## A section", None),
    ("code", "", None),
    ("code", "x += 3\nx", "5"),
    ("code", "from ipywidgets import Output; o = Output(); o", "Output()"),
    ("code", "with o: print('hi')", None),
]


def _fast_executed():
    cells, count = [], 0
    for number, (kind, source, result) in enumerate(_FAST_SOURCES):
        if kind == "markdown":
            cells.append(markdown(source, id=f"c{number}"))
            continue
        count += bool(source)
        outputs = []
        if result == "Output()":
            data = {
                "application/vnd.jupyter.widget-view+json": {"model_id": "m", "version_major": 2},
                "text/plain": result,
            }
            outputs = [execute_result(data, count=count)]
        elif result:
            outputs = [execute_result({"text/plain": result}, count=count)]
        cells.append(code(source, count=count if source else None, outputs=outputs, id=f"c{number}"))
    return make_nb(
        *cells,
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "version": "3.11.7"},
        },
    )


FAST_REGEXES = [
    (r"Output\(\)", True),
    (r"Output", True),
    (r"Output.*", True),
    (r"what?", False),
    (r"utput.*", True),
    (r".*utput.*", True),
    (r"put*", True),
    (r".*put.*", True),
    (r"put\(\)", True),
    (r"put\(\)$", True),
    (r"^put\(\)$", False),
    (r"Output$", False),
]


@pytest.mark.parametrize("keep_output", [True, False])
@pytest.mark.parametrize(("regex", "matches"), FAST_REGEXES)
def test_nbstripout_fast_regex_cases(tmp_path, regex, matches, keep_output):
    keep = ["--keep-output"] if keep_output else []
    args = [*keep, "--extra-keys", "metadata.language_info", "--strip-regex", regex]
    data = dumps(_fast_executed()).encode()
    theirs, mine, proc, code_ = both(tmp_path, data, ["nbstripout-fast", *args], ["strip", *args])
    assert (proc.returncode, code_) == (0, 0), proc.stderr
    assert json.loads(mine) == json.loads(theirs)
    # Its own assertion: a match strips the widget cell's output whatever keep_output says.
    assert len(json.loads(mine)["cells"][-2]["outputs"]) == (0 if matches or not keep_output else 1)


FAST_OPTIONS = [
    pytest.param([], id="strip-all"),
    pytest.param(["--keep-output"], id="keep-output"),
    pytest.param(["--keep-count"], id="keep-count"),
    pytest.param(["--drop-empty-cells"], id="drop-empty-cells"),
    pytest.param(["--extra-keys", "metadata.language_info cell.id"], id="extra-keys-cell-id"),
    pytest.param(["--keep-output", "--keep-count"], id="keep-both"),
    pytest.param(["--keep-keys", "cell.metadata.collapsed"], id="keep-keys"),
]


@pytest.mark.parametrize("args", FAST_OPTIONS)
@pytest.mark.parametrize("tagged", [False, True], ids=["", "keep-output-tag"])
def test_nbstripout_fast_option_cases(tmp_path, args, tagged):
    nb = _fast_executed()
    nb["cells"][1]["metadata"] = {"collapsed": False, **({"tags": ["keep_output"]} if tagged else {})}
    if "--extra-keys" not in args:
        args = [*args, "--extra-keys", "metadata.language_info"]
    ours = [("--keep-metadata-keys" if a == "--keep-keys" else a) for a in args]
    for source_as_strings in (False, True):  # its test_source_as_strings: json.dumps, not nbformat
        data = (json.dumps(nb) if source_as_strings else dumps(nb)).encode()
        theirs, mine, proc, code_ = both(
            tmp_path / str(source_as_strings), data, ["nbstripout-fast", *args], ["strip", *ours]
        )
        assert (proc.returncode, code_) == (0, 0), proc.stderr
        assert _normalised(mine) == _normalised(theirs)


def _normalised(data: bytes):
    """The notebook as nbformat reads it (text lists joined): nbguard writes nbformat's
    lists, nbstripout-fast keeps what it read."""
    from nbformat.v4 import nbjson

    return json.loads(json.dumps(nbjson.reads(data.decode("utf-8"))))


# --- nbwipers 0.7.2: its tests/e2e_notebooks/*.toml configurations, translated into
# [tool.nbguard] by nbguard migrate itself, both tools reading their own section -------------

NBWIPERS_CONFIGS = [
    pytest.param("", id="default"),
    pytest.param("drop-empty-cells = true", id="drop-empty-cells"),
    pytest.param('drop-tagged-cells = ["test"]', id="drop-tagged-cells"),
    pytest.param(
        'keep-keys = ["cell.metadata.scrolled", "cell.metadata.collapsed", "metadata.a"]', id="keep-keys"
    ),
    pytest.param('extra-keys = ["metadata.kernelspec", "metadata.language_info"]', id="extra-keys"),
    pytest.param("drop-count = false", id="keep-count"),
    pytest.param("drop-output = false", id="keep-output"),
    pytest.param("drop-output = false\ndrop-count = false", id="keep-output-keep-count"),
    pytest.param("drop-output = true\ndrop-count = true", id="drop-both"),
    pytest.param(
        'extra-keys = ["cell.metadata.application/vnd.databricks.v1+cell", '
        '"metadata.application/vnd.databricks.v1+notebook"]',
        id="metadata-period",
    ),
    pytest.param("strip-kernel-info = true", id="strip-kernel-info"),
    pytest.param('id-action = "drop"', id="drop-id"),
    pytest.param('id-action = "sequential"', id="sequential-id"),
    pytest.param("strip-init-cell = true", id="strip-init-cells"),
]


def _without_nbwipers_counts(nb):
    """nbwipers adds execution_count to every kept output, which the schema allows only in
    execute_result (docs/differences.md): taken out of the others before comparing."""
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            if output["output_type"] != "execute_result":
                output.pop("execution_count", None)
    return nb


@pytest.mark.parametrize("config", NBWIPERS_CONFIGS)
def test_nbwipers_e2e_configurations_translated_by_migrate(tmp_path, monkeypatch, capsys, config):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "pyproject.toml").write_text(f"[tool.nbwipers]\n{config}\n")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["migrate", "--write"]) == 0
    capsys.readouterr()
    for name in ("theirs.ipynb", "ours.ipynb"):
        (tmp_path / name).write_text(dumps(E2E_NB))
    proc = run_peer(["nbwipers", "clean", "theirs.ipynb"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    if "[tool.nbguard]" not in (tmp_path / "pyproject.toml").read_text():
        (tmp_path / "pyproject.toml").write_text("")  # the default: nothing to translate
    assert cli.main(["strip", "ours.ipynb"]) == 0
    theirs = _without_nbwipers_counts(_normalised((tmp_path / "theirs.ipynb").read_bytes()))
    assert _normalised((tmp_path / "ours.ipynb").read_bytes()) == theirs
    os.chdir(ROOT)


def test_nb_clean_keeps_whitespace_only_cells_where_drop_empty_cells_drops_them(tmp_path):
    """docs/differences.md: nb-clean -e removes only cells with no text at all."""
    nb = make_nb(code("x = 1"), code("  \n"), code(""), markdown(""))
    theirs, mine, proc, _ = both(
        tmp_path, dumps(nb).encode(), ["nb-clean", "clean", "-e"], ["strip", "--drop-empty-cells"]
    )
    assert proc.returncode == 0
    assert [c["source"] for c in json.loads(theirs)["cells"]] == [["x = 1"], ["  \n"]]
    assert [c["source"] for c in json.loads(mine)["cells"]] == [["x = 1"]]


def test_nb_clean_preserve_all_cell_metadata_keeps_what_nbguard_strips_by_default(tmp_path):
    """nb-clean -m keeps every cell metadata field; nbguard's defaults remove nbstripout's
    noisy keys (collapsed, scrolled, ExecuteTime...): --keep-metadata-keys keeps them."""
    data = dumps(METADATA_NB).encode()
    theirs, mine, _, _ = both(
        tmp_path,
        data,
        ["nb-clean", "clean", "-m"],
        [
            "strip",
            "--extra-keys",
            "metadata.language_info.version",
            "--keep-metadata-keys",
            "cell.metadata.collapsed",
        ],
    )
    assert mine == theirs
