from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from nbfactory import (
    code,
    display_data,
    dumps,
    error,
    execute_result,
    make_nb,
    markdown,
    raw,
    stream,
    subcommand,
    write_nb,
)
from nbguard.checks import strip as S
from nbguard.checks.strip import StripOptions, strip
from nbguard.notebook import NotebookError

strip_main = subcommand("strip")

PNG = {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}


def cells(nb):
    return nb["cells"]


# --- the core ---------------------------------------------------------------


def test_default_strips_outputs_and_counts_and_keeps_sources():
    nb = make_nb(
        code("print(1)", count=3, outputs=[stream("1\n")], id="a1"),
        markdown("# Title", id="m1"),
        code("x", count=4, outputs=[execute_result({"text/plain": "1"}, count=4)], id="b2"),
    )
    out = strip(nb)
    assert cells(out)[0] == code("print(1)", id="a1")
    assert cells(out)[1] == nb["cells"][1]
    assert cells(out)[2] == code("x", id="b2")
    assert nb["cells"][0]["outputs"] == [stream("1\n")], "the input is not modified"


def test_clean_notebook_is_returned_as_is():
    nb = make_nb(code("x", id="a"), markdown("y"))
    assert strip(nb) is nb


DEFAULT_KEY_CASES = [
    ("metadata.signature", {"signature": "sha256:x"}, None),
    ("metadata.widgets", {"widgets": {"state": {}}}, None),
    ("cell.metadata.collapsed", None, {"collapsed": True}),
    ("cell.metadata.ExecuteTime", None, {"ExecuteTime": {"end_time": "x"}}),
    ("cell.metadata.execution", None, {"execution": {"iopub.execute_input": "x"}}),
    ("cell.metadata.heading_collapsed", None, {"heading_collapsed": True}),
    ("cell.metadata.hidden", None, {"hidden": True}),
    ("cell.metadata.scrolled", None, {"scrolled": True}),
    ("transient orig_nbformat", {"orig_nbformat": 4, "orig_nbformat_minor": 1}, None),
    ("transient trusted", None, {"trusted": True}),
]


@pytest.mark.parametrize(
    ("key", "nb_meta", "cell_meta"), DEFAULT_KEY_CASES, ids=[c[0] for c in DEFAULT_KEY_CASES]
)
def test_default_keys_removed(key, nb_meta, cell_meta):
    kept_nb = {"kernelspec": {"name": "python3"}}
    kept_cell = {"tags": ["keep-me"], "slideshow": {"slide_type": "slide"}}
    nb = make_nb(
        markdown("m", metadata={**kept_cell, **(cell_meta or {})}),
        metadata={**kept_nb, **(nb_meta or {})},
    )
    out = strip(nb)
    assert out["metadata"] == kept_nb
    assert cells(out)[0]["metadata"] == kept_cell


def test_keep_metadata_keys_and_extra_keys_nested():
    nb = make_nb(
        code("x", metadata={"scrolled": True, "tags": ["t"]}),
        metadata={
            "kernelspec": {"name": "k"},
            "language_info": {"name": "python", "version": "3.11"},
        },
    )
    opts = StripOptions(
        keep_metadata_keys=("cell.metadata.scrolled",),
        extra_keys=("metadata.language_info.version", "cell.metadata.tags"),
    )
    out = strip(nb, opts)
    assert out["metadata"] == {"kernelspec": {"name": "k"}, "language_info": {"name": "python"}}
    assert cells(out)[0]["metadata"] == {"scrolled": True}
    assert nb["metadata"]["language_info"] == {"name": "python", "version": "3.11"}


def test_execution_count_nulled_in_kept_outputs_never_added_to_streams():
    outputs = [stream("s\n"), execute_result({"text/plain": "1"}, count=7), display_data(PNG)]
    nb = make_nb(code("x", count=7, outputs=outputs, metadata={"tags": ["keep_output"]}))
    out = cells(strip(nb))[0]
    assert out["execution_count"] is None
    assert out["outputs"] == [
        stream("s\n"),
        execute_result({"text/plain": "1"}, count=None),
        display_data(PNG),
    ]
    assert "execution_count" not in out["outputs"][0]


KEEP_OUTPUT_CASES = [
    # (cell metadata, StripOptions kwargs, notebook metadata, outputs kept?)
    ({}, {}, {}, False),
    ({"tags": ["keep_output"]}, {}, {}, True),
    ({"keep_output": True}, {}, {}, True),
    ({"keep_output": False}, {"keep_output": True}, {}, False),
    ({}, {"keep_output": True}, {}, True),
    ({}, {}, {"keep_output": True}, True),
    ({"keep_output": False}, {}, {"keep_output": True}, False),
    ({"init_cell": True}, {}, {}, True),
    ({"init_cell": True}, {"strip_init_cells": True}, {}, False),
    ({"init_cell": False}, {"keep_output": True}, {}, False),
]


@pytest.mark.parametrize(("cell_meta", "kwargs", "nb_meta", "kept"), KEEP_OUTPUT_CASES)
def test_keep_output_rules(cell_meta, kwargs, nb_meta, kept):
    nb = make_nb(code("x", count=1, outputs=[stream("out\n")], metadata=cell_meta), metadata=nb_meta)
    out = cells(strip(nb, StripOptions(**kwargs)))[0]
    assert out["outputs"] == ([stream("out\n")] if kept else [])
    assert out["execution_count"] is None


def test_keep_output_contradiction_is_an_error():
    nb = make_nb(markdown("m"), code("x", metadata={"keep_output": False, "tags": ["keep_output"]}))
    with pytest.raises(
        NotebookError,
        match="^cell 2: metadata keep_output is false but the cell is tagged keep_output$",
    ):
        strip(nb)


def test_keep_count():
    nb = make_nb(code("x", count=2, outputs=[execute_result({"text/plain": "1"}, count=2)]))
    out = cells(strip(nb, StripOptions(keep_count=True, keep_output=True)))[0]
    assert out == nb["cells"][0]


def test_drop_empty_and_tagged_cells_every_tag():
    nb = make_nb(
        code("  \n\t"),
        markdown(""),
        code("a", metadata={"tags": ["a"]}),
        code("b", metadata={"tags": ["b"]}),
        code("c", metadata={"tags": ["c"]}),
        raw("keep"),
    )
    out = strip(nb, StripOptions(drop_empty_cells=True, drop_tagged_cells=("a", "b")))
    assert [c["source"] for c in cells(out)] == ["c", "keep"]


OUTPUT_TYPE_CASES = [
    (StripOptions(keep_output_types=("stream:stderr",)), ["err"]),
    (StripOptions(keep_output_types=("stream",)), ["out", "err"]),
    (StripOptions(keep_output_types=("error",)), ["error"]),
    (StripOptions(keep_output=True, drop_output_types=("stream:stdout",)), ["err", "error", "png"]),
    (StripOptions(max_size=20), ["out", "err", "error"]),
    (StripOptions(), []),
]


@pytest.mark.parametrize(("opts", "expected"), OUTPUT_TYPE_CASES)
def test_output_type_and_size_filters(opts, expected):
    outputs = [stream("out\n"), stream("err\n", "stderr"), error(), display_data(PNG)]
    nb = make_nb(code("x", outputs=outputs))
    names = {0: "out", 1: "err", 2: "error", 3: "png"}
    kept = cells(strip(nb, opts))[0]["outputs"]
    assert [names[outputs.index(o)] for o in kept] == expected


def test_id_actions():
    nb = make_nb(markdown("a", id="x1"), code("b", id="x2"))
    assert [c["id"] for c in cells(strip(nb))] == ["x1", "x2"]
    seq = strip(nb, StripOptions(id_action="sequential"))
    assert [c["id"] for c in cells(seq)] == ["0", "1"]
    dropped = strip(nb, StripOptions(id_action="drop"))
    assert all("id" not in c for c in cells(dropped))
    assert dropped["nbformat_minor"] == 4


def test_missing_ids_are_never_invented():
    nb = make_nb(code("a", count=1), code("b", count=2, id="same"), code("c", id="same"))
    out = strip(nb)
    assert "id" not in cells(out)[0]
    assert [c.get("id") for c in cells(out)] == [None, "same", "same"]


def test_nbformat3_stripped_in_its_own_structure():
    nb = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"name": "n", "signature": "x"},
        "worksheets": [
            {
                "metadata": {},
                "cells": [
                    {
                        "cell_type": "code",
                        "input": "x",
                        "language": "python",
                        "prompt_number": 3,
                        "metadata": {},
                        "collapsed": False,
                        "outputs": [{"output_type": "pyout", "prompt_number": 3, "text": "1"}],
                    },
                    {"cell_type": "heading", "level": 1, "source": "T", "metadata": {}},
                ],
            }
        ],
    }
    out = strip(nb)
    first = out["worksheets"][0]["cells"][0]
    assert first["prompt_number"] is None
    assert first["outputs"] == []
    assert first["collapsed"] is False, "a v3 cell's own 'collapsed' field is part of its schema"
    assert out["metadata"] == {"name": "n"}
    assert out["worksheets"][0]["cells"][1] == nb["worksheets"][0]["cells"][1]


# --- the command line -----------------------------------------------------

DIRTY = make_nb(
    markdown("# Demo", id="m"),
    code("print('hi')", count=1, outputs=[stream("hi\n")], id="c1"),
    code("1 + 1", count=2, outputs=[execute_result({"text/plain": "2"}, count=2)], id="c2"),
)
CLEAN = make_nb(markdown("# Demo", id="m"), code("print('hi')", id="c1"))


@pytest.fixture
def dirty(tmp_path):
    return write_nb(tmp_path / "dirty.ipynb", DIRTY)


@pytest.fixture
def clean(tmp_path):
    return write_nb(tmp_path / "clean.ipynb", CLEAN)


def test_main_strips_in_place(dirty, clean, capsys):
    clean_mtime = clean.stat().st_mtime_ns
    assert strip_main([str(dirty), str(clean)]) == 0
    assert capsys.readouterr().out == f"{dirty}: stripped 2 outputs, 2 execution counts\n"
    assert dirty.read_text() == dumps(strip(DIRTY))
    assert clean.stat().st_mtime_ns == clean_mtime
    assert strip_main([str(dirty), str(clean)]) == 0, "idempotent"
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(("flag", "exit_code"), [("--check", 1), ("--verify", 1), ("--dry-run", 0)])
def test_main_check_writes_nothing(dirty, clean, capsys, flag, exit_code):
    """--dry-run is nbstripout's: it lists, and exits 0; --check and --verify exit 1."""
    before = dirty.read_bytes()
    assert strip_main([flag, str(dirty), str(clean)]) == exit_code
    assert capsys.readouterr().out == f"{dirty}: NBG401 would be stripped (2 outputs, 2 execution counts)\n"
    assert dirty.read_bytes() == before
    assert strip_main([flag, str(clean)]) == 0


def test_main_check_json(dirty, tmp_path, capsys):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{")
    assert strip_main(["--check", "--format", "json", str(dirty), str(bad)]) == 1
    assert json.loads(capsys.readouterr().out) == [
        {
            "path": str(dirty),
            "cell": None,
            "line": None,
            "code": "NBG401",
            "check": "strip",
            "message": "would be stripped (2 outputs, 2 execution counts)",
        },
        {
            "path": str(bad),
            "cell": None,
            "line": None,
            "code": "NBG001",
            "check": "strip",
            "message": "invalid JSON: Expecting property name enclosed in double quotes (line 1, column 2)",
        },
    ]


def test_main_bad_file_reported_and_others_processed(tmp_path, dirty, capsys):
    bad = tmp_path / "bad.ipynb"
    bad.write_bytes(b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": "x"}]}')
    before = bad.read_bytes()
    missing = tmp_path / "missing.ipynb"
    assert strip_main([str(bad), str(missing), str(dirty)]) == 1
    assert capsys.readouterr().out == (
        f"{bad}: NBG001 cell 1: code cell has no 'outputs' list\n"
        f"{missing}: NBG001 no such file\n"
        f"{dirty}: stripped 2 outputs, 2 execution counts\n"
    )
    assert bad.read_bytes() == before


def test_main_textconv_prints_even_clean_notebooks(dirty, clean, capsysbinary):
    before = dirty.read_bytes()
    assert strip_main(["-t", str(clean), str(dirty)]) == 0
    out = capsysbinary.readouterr().out.decode()
    assert out == dumps(CLEAN) + dumps(strip(DIRTY))
    assert dirty.read_bytes() == before, "textconv never writes"


def run_stdin(args, data):
    return subprocess.run(
        [sys.executable, "-m", "nbguard", "strip", *args], input=data, capture_output=True, check=False
    )


def test_stdin_to_stdout():
    proc = run_stdin([], dumps(DIRTY).encode())
    assert proc.returncode == 0
    assert proc.stderr == b""
    assert proc.stdout.decode() == dumps(strip(DIRTY))
    proc = run_stdin(["-"], b'{"nbformat": 4, "cells": [], "metadata": {}, "nbformat_minor": 5}')
    assert proc.stdout == b'{"nbformat": 4, "cells": [], "metadata": {}, "nbformat_minor": 5}', (
        "clean: unchanged"
    )


def test_stdin_bad_input_passes_through_with_error():
    proc = run_stdin([], b"not json")
    assert proc.returncode == 1
    assert proc.stdout == b"not json"
    assert proc.stderr.decode() == "-: NBG001 invalid JSON: Expecting value (line 1, column 1)\n"


def test_crlf_is_kept(tmp_path):
    path = tmp_path / "win.ipynb"
    path.write_bytes(dumps(DIRTY).replace("\n", "\r\n").encode())
    assert strip_main([str(path)]) == 0
    assert path.read_bytes() == dumps(strip(DIRTY)).replace("\n", "\r\n").encode()


def test_bom_is_tolerated_and_dropped_on_rewrite(tmp_path):
    path = tmp_path / "bom.ipynb"
    path.write_bytes(b"\xef\xbb\xbf" + dumps(DIRTY).encode())
    assert strip_main([str(path)]) == 0
    assert path.read_bytes() == dumps(strip(DIRTY)).encode()


def test_symlink_and_permissions(tmp_path, dirty):
    os.chmod(dirty, 0o600)
    link = tmp_path / "link.ipynb"
    link.symlink_to(dirty)
    assert strip_main([str(link)]) == 0
    assert link.is_symlink()
    assert dirty.read_text() == dumps(strip(DIRTY))
    assert stat.S_IMODE(dirty.stat().st_mode) == 0o600


def test_list_options_do_not_swallow_files(tmp_path, capsys):
    nb = make_nb(
        code("a", metadata={"tags": ["a"]}),
        code("b", metadata={"tags": ["b"]}),
        code("c"),
        metadata={"kernelspec": {"name": "k"}, "language_info": {"name": "python"}},
    )
    path = write_nb(tmp_path / "n.ipynb", nb)
    assert (
        strip_main(
            [
                "--drop-tagged-cells",
                "a b",
                "--extra-keys=metadata.kernelspec,metadata.language_info",
                str(path),
            ]
        )
        == 0
    )
    out = json.loads(path.read_text())
    assert [c["source"] for c in out["cells"]] == [["c"]]
    assert out["metadata"] == {}


def test_invalid_extra_key_is_a_usage_error(dirty, capsys):
    before = dirty.read_bytes()
    assert strip_main(["--extra-keys", "kernelspec", str(dirty)]) == 2
    assert "invalid metadata key 'kernelspec'" in capsys.readouterr().err
    assert dirty.read_bytes() == before


def test_bad_max_size_is_a_usage_error(dirty):
    with pytest.raises(SystemExit) as excinfo:
        strip_main(["--max-size", "12x", str(dirty)])
    assert excinfo.value.code == 2


def test_folders_are_recursed_skipping_hidden_and_checkpoints(tmp_path, capsys):
    root = tmp_path / "proj"
    for rel in [
        "a.ipynb",
        "sub/b.ipynb",
        ".hidden/c.ipynb",
        "sub/.ipynb_checkpoints/b-checkpoint.ipynb",
    ]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        write_nb(root / rel, DIRTY)
    (root / "notes.txt").write_text("not a notebook")
    assert strip_main(["--check", str(root)]) == 1
    reported = sorted(line.split(":")[0] for line in capsys.readouterr().out.splitlines())
    assert reported == [str(root / "a.ipynb"), str(root / "sub" / "b.ipynb")]


@pytest.mark.parametrize(
    ("named", "expected"),
    [
        ("proj", ["proj/a.ipynb", "proj/sub/b.ipynb", "proj/sub/deep/c.ipynb"]),
        ("proj/", ["proj/a.ipynb", "proj/sub/b.ipynb", "proj/sub/deep/c.ipynb"]),
        ("./proj", ["./proj/a.ipynb", "./proj/sub/b.ipynb", "./proj/sub/deep/c.ipynb"]),
        ("proj/sub/..", ["proj/sub/../a.ipynb", "proj/sub/../sub/b.ipynb", "proj/sub/../sub/deep/c.ipynb"]),
        ("proj//sub", ["proj//sub/b.ipynb", "proj//sub/deep/c.ipynb"]),
        (".", ["proj/a.ipynb", "proj/sub/b.ipynb", "proj/sub/deep/c.ipynb"]),
    ],
)
def test_a_folder_is_walked_under_the_name_it_was_given(tmp_path, monkeypatch, capsys, named, expected):
    # The walk slices each folder's name instead of calling os.path.relpath: every
    # spelling of the folder must still give the files under that spelling.
    for rel in ["proj/a.ipynb", "proj/sub/b.ipynb", "proj/sub/deep/c.ipynb", "proj/.hidden/d.ipynb"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        write_nb(tmp_path / rel, DIRTY)
    monkeypatch.chdir(tmp_path)
    assert strip_main(["--check", "-j", "1", named]) == 1
    assert [line.split(":")[0] for line in capsys.readouterr().out.splitlines()] == expected


@pytest.mark.e2e
def test_folders_inside_git_respect_gitignore(tmp_path, capsys):
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text("ignored/\n")
    for rel in ["kept.ipynb", "ignored/x.ipynb"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        write_nb(root / rel, DIRTY)
    assert strip_main(["--check", str(root)]) == 1
    assert (
        capsys.readouterr().out
        == f"{root / 'kept.ipynb'}: NBG401 would be stripped (2 outputs, 2 execution counts)\n"
    )


def test_parallel_batch_matches_serial(tmp_path, capsys):
    paths = []
    for i in range(40):
        nb = DIRTY if i % 3 else CLEAN
        paths.append(str(write_nb(tmp_path / f"nb{i:02}.ipynb", nb)))
    (tmp_path / "nb_bad.ipynb").write_text("[]")
    paths.append(str(tmp_path / "nb_bad.ipynb"))
    assert strip_main(["--check", "-j", "1", *paths]) == 1
    serial = capsys.readouterr().out
    assert strip_main(["--check", "-j", "2", *paths]) == 1
    assert capsys.readouterr().out == serial
    assert serial.count("NBG401") == 26
    assert serial.endswith("NBG001 not a notebook: top level is a JSON array\n")


def test_python_dash_m_works(dirty):
    proc = subprocess.run(
        [sys.executable, "-m", "nbguard", "strip", "--check", str(dirty)], capture_output=True, check=False
    )
    assert proc.returncode == 1
    assert proc.stdout.decode() == f"{dirty}: NBG401 would be stripped (2 outputs, 2 execution counts)\n"


def test_no_heavy_imports_on_start_up(dirty):
    code_ = (
        "import sys; from nbguard.cli import main; main(['strip', '--check', sys.argv[1]]);"
        "heavy = [m for m in ('nbformat', 'jsonschema', 'detect_secrets', 'multiprocessing', 'msgspec') if m in sys.modules];"
        "print(heavy)"
    )
    # Without coverage's start-up in the child (patch = subprocess): it imports multiprocessing.
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_PROCESS_")}
    proc = subprocess.run(
        [sys.executable, "-c", code_, str(dirty)], capture_output=True, text=True, env=env, check=False
    )
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_the_command_flushes_everything_before_its_fast_exit(tmp_path):
    """`nbguard` exits without interpreter teardown (cli.console): no output may be lost."""
    for i in range(300):
        write_nb(tmp_path / f"n{i:03}.ipynb", make_nb(code("x = 1", count=1, outputs=[stream("1\n")])))
    proc = subprocess.run(
        [sys.executable, "-m", "nbguard", "strip", "--check", "--isolated", "-j", "1", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == 300
    assert all("NBG401 would be stripped" in line for line in lines)
    assert proc.stderr == ""


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    for i in range(2000):
        write_nb(tmp_path / f"n{i:04}.ipynb", make_nb(code("x = 1", count=1, outputs=[stream("1\n")])))
    proc = subprocess.Popen(
        [sys.executable, "-m", "nbguard", "strip", "--check", "--isolated", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `nbguard ... | head -1`
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait() == 1
    assert b"Traceback" not in err
    assert b"Exception ignored" not in err


# Cells for the fast paths of _strip_cell; each must give what the general path gives.
FAST_PATH_CELLS = [
    {"cell_type": "markdown", "metadata": {}, "source": "a"},
    {"cell_type": "markdown", "metadata": {"collapsed": True, "tags": []}, "source": "a"},
    {"cell_type": "markdown", "metadata.collapsed": 1, "metadata": {}, "source": "a"},
    {"cell_type": "markdown", "source": "no metadata"},
    {"cell_type": "code", "metadata": {}, "source": "", "outputs": [], "execution_count": None},
    {"cell_type": "code", "metadata": {"trusted": True}, "source": "", "outputs": [], "execution_count": 3},
    {
        "cell_type": "code",
        "metadata": {"scrolled": False},
        "source": "",
        "outputs": [{"output_type": "stream"}],
    },
    {
        "cell_type": "code",
        "metadata": {"keep_output": True},
        "source": "",
        "outputs": [{"output_type": "error"}],
    },
    {"cell_type": "code", "metadata": {"tags": ["keep_output"]}, "source": "", "outputs": []},
    {"cell_type": "code", "id": "0", "metadata": {}, "source": "", "outputs": []},
    {"cell_type": "code", "id": "x", "metadata": {}, "source": "", "outputs": [], "execution_count": 1},
]
FAST_PATH_OPTIONS = [
    StripOptions(),
    StripOptions(keep_output=True),
    StripOptions(keep_count=True, id_action="sequential"),
    StripOptions(id_action="drop", keep_metadata_keys=("cell.metadata.scrolled",)),
]


@pytest.mark.parametrize("opts", FAST_PATH_OPTIONS)
@pytest.mark.parametrize("cell", FAST_PATH_CELLS)
def test_strip_cell_fast_path_matches_general_path(cell, opts):
    cell_keys = S._key_trees(opts.removed_keys)[1]
    metadata_keys = S._only_metadata_keys(cell_keys)
    assert metadata_keys is not None
    fast = S._strip_cell(cell, 0, 1, None, cell_keys, metadata_keys, opts)
    general = S._strip_cell(cell, 0, 1, None, cell_keys, None, opts)
    assert fast == general
    assert (fast is cell) == (general is cell) == (general == cell)


def test_only_metadata_keys_declines_other_trees():
    assert S._only_metadata_keys(S.compile_keys(["metadata.a", "id"])) == frozenset({"a"})
    assert S._only_metadata_keys(S.compile_keys(["metadata.a.b"])) is None
    assert S._only_metadata_keys(S.compile_keys(["metadata.a", "attachments.x"])) is None


@pytest.mark.parametrize("default", [None, False, True])
@pytest.mark.parametrize(
    "metadata",
    [{}, {"scrolled": True}, {"tags": ["keep_output"]}, {"keep_output": True}, {"init_cell": True}, None],
)
def test_strip_cell_keeps_outputs_as_keep_output_of_says(metadata, default):
    cell = {"cell_type": "code", "metadata": metadata, "source": "", "outputs": [{"output_type": "error"}]}
    opts = StripOptions()
    cell_keys = S._key_trees(opts.removed_keys)[1]
    stripped = S._strip_cell(cell, 0, 1, default, cell_keys, S._only_metadata_keys(cell_keys), opts)
    assert bool(stripped["outputs"]) == S.keep_output_of(cell, default, False, 1)


@pytest.mark.parametrize(
    ("metadata", "extra_keys", "kept_metadata"),
    [
        ({"tags": ["keep_output", "x"]}, ("cell.metadata.tags",), {"tags": ["keep_output"]}),
        ({"keep_output": True}, ("cell.metadata.keep_output",), {"keep_output": True}),
        ({"init_cell": True, "a": 1}, ("cell.metadata.init_cell", "cell.metadata.a"), {"init_cell": True}),
    ],
)
def test_removing_the_marker_that_keeps_outputs_keeps_it_so_stripping_is_idempotent(
    metadata, extra_keys, kept_metadata
):
    """Found by Hypothesis: with the marker removed, a second run would strip the outputs."""
    opts = StripOptions(extra_keys=extra_keys)
    nb = make_nb(code("x", count=1, outputs=[stream("out\n")], metadata=metadata))
    once = strip(nb, opts)
    cell = once["cells"][0]
    assert cell["metadata"] == kept_metadata
    assert cell["outputs"] == nb["cells"][0]["outputs"]
    assert strip(once, opts) == once
