"""nbguard order: the count policies (the notes' 23-case matrix and more), and the CLI."""

from __future__ import annotations

import copy
import itertools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nbfactory import code, execute_result, make_nb, markdown, pre_commit, raw, stream, subcommand, write_nb
from nbguard.checks import order
from nbguard.checks.order import OrderOptions, check
from nbguard.report.finding import Finding

main = subcommand("order")

RERUN = "restart the kernel and run all cells"


def _nb(*spec: Any) -> dict[str, Any]:
    """Cells from a compact spec: a count (or None) is a code cell, "md" a markdown
    cell, ("E", count) an empty code cell, ("W", count) a whitespace-only one."""
    cells = []
    for i, item in enumerate(spec):
        if item == "md":
            cells.append(markdown("# a heading"))
        elif isinstance(item, tuple):
            kind, count = item
            cells.append(code("" if kind == "E" else "   \n", count=count))
        else:
            cells.append(code(f"v{i} = {i}", count=item))
    return make_nb(*cells)


def _codes(findings: list[Finding]) -> list[tuple[int | None, str]]:
    return [(f.cell, f.code) for f in findings]


DEC, GAP, START, UNRUN = "NBG101", "NBG102", "NBG103", "NBG104"

# The notes' matrix (order_images_precommit.md, A.2): case, notebook, strict
# findings, increasing findings. --allow-unexecuted is strict without NBG104.
MATRIX = [
    ("01 1,md,2,3", _nb(1, "md", 2, 3), [], []),
    ("02 gap 1,2,4", _nb(1, 2, 4), [(3, GAP)], []),
    ("03 from 2: 2,3,4", _nb(2, 3, 4), [(1, START)], []),
    ("04 0,1,2 (0 = not run)", _nb(0, 1, 2), [(1, UNRUN)], []),
    ("05 decrease 1,3,2", _nb(1, 3, 2), [(2, GAP), (3, DEC)], [(3, DEC)]),
    ("06 duplicate 1,1,2", _nb(1, 1, 2), [(2, DEC)], [(2, DEC)]),
    ("07 1,N,2", _nb(1, None, 2), [(2, UNRUN)], []),
    ("08 1,N,3", _nb(1, None, 3), [(2, UNRUN), (3, GAP)], []),
    ("09 trailing null 1,2,N", _nb(1, 2, None), [(3, UNRUN)], []),
    ("10 1,2,N,N", _nb(1, 2, None, None), [(3, UNRUN), (4, UNRUN)], []),
    ("11 N,1,2", _nb(None, 1, 2), [(1, UNRUN)], []),
    ("12 cleared, 3 code cells", _nb(None, None, None), [], []),
    ("13 cleared, 1 code cell", _nb(None), [], []),
    ("14 1,E(N),2", _nb(1, ("E", None), 2), [], []),
    ("15 1,E(count 5),2", _nb(1, ("E", 5), 2), [], []),
    ("16 markdown only", make_nb(markdown("a"), markdown("b")), [], []),
    ("17 no cells", make_nb(), [], []),
    (
        "18 1, N with a stream output, 2",
        make_nb(code("a = 1", count=1), code("print(a)", outputs=[stream("1\n")]), code("b = 2", count=2)),
        [(2, UNRUN)],
        [],
    ),
    ("19 1,W(N),2", _nb(1, ("W", None), 2), [], []),
    ("20 1,5,9", _nb(1, 5, 9), [(2, GAP), (3, GAP)], []),
    ("21 10,11,12", _nb(10, 11, 12), [(1, START)], []),
    ("22 E(N),1,2", _nb(("E", None), 1, 2), [], []),
    # Case 23, invalid JSON, goes through main(), in the test_invalid_json_* tests.
]


@pytest.mark.parametrize(("nb", "strict", "increasing"), [m[1:] for m in MATRIX], ids=[m[0] for m in MATRIX])
def test_matrix(nb, strict, increasing):
    assert _codes(check(nb)) == strict
    assert _codes(check(nb, allow_unexecuted=True)) == [f for f in strict if f[1] != UNRUN]
    assert _codes(check(nb, policy="increasing")) == increasing


def test_real_top_to_bottom_run_with_blank_cells_passes():
    # What nbclient wrote for these cells (notes, A.0): blank cells stay unnumbered.
    nb = make_nb(
        code("x = 1", count=1),
        code("", count=None),
        code("   \n", count=None),
        code("# only a comment", count=2),
        code("%%capture captured\nprint('hidden')", count=3),
        code("print(x)", count=4, outputs=[stream("1\n")]),
        code("import matplotlib.pyplot as plt\nplt.plot([1, 2])", count=5),
        code("x", count=6, outputs=[execute_result({"text/plain": "1"}, count=6)]),
    )
    assert check(nb) == []


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        pytest.param([1, 2, 3], [], id="in order"),
        pytest.param([1, 2, 5], [(3, GAP, f"ran as [5] after [2], skipping [3] to [4]; {RERUN}")], id="gap"),
        pytest.param([1, 3], [(2, GAP, f"ran as [3] after [1], skipping [2]; {RERUN}")], id="gap of one"),
        pytest.param([4, 1], [(1, START, f"is the first cell run but ran as [4], not [1]; {RERUN}"),
                              (2, DEC, f"ran as [1] after [4]; {RERUN}")], id="late start then back"),
        pytest.param([1, 2, 2], [(3, DEC, f"ran as [2] after [2]; {RERUN}")], id="run twice"),
        pytest.param([1, None], [(2, UNRUN, f"has no execution count but other cells do; {RERUN}")], id="unrun"),
        # A cell that ran late is blamed once, the cells after it are judged from it.
        pytest.param([1, 2, 3, 10, 4, 5], [(4, GAP, f"ran as [10] after [3], skipping [4] to [9]; {RERUN}"),
                                           (5, DEC, f"ran as [4] after [10]; {RERUN}")], id="one cell ran late"),
    ],
)  # fmt: skip
def test_messages(counts, expected):
    found = check(_nb(*counts), hidden_state=False)
    assert [(f.cell, f.code, f.message) for f in found] == expected
    assert all(f.line is None for f in found)


@pytest.mark.parametrize("value", [True, False, "3", 2.0, -1, [1], {"n": 1}])
def test_a_count_that_is_not_a_positive_integer_means_not_run(value):
    nb = _nb(1, 2)
    nb["cells"][1]["execution_count"] = value
    assert _codes(check(nb)) == [(2, UNRUN)]
    assert check(nb, policy="increasing") == []


def test_databricks_zero_counts_pass():
    assert check(_nb(0, 0, 0)) == []


def test_cell_numbers_count_every_cell():
    nb = make_nb(markdown("# t"), raw("raw"), code("a = 1", count=1), markdown("m"), code("b = 2", count=3))
    assert _codes(check(nb)) == [(5, GAP)]


def _v3(*worksheets: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "metadata": {"name": "old"},
        "nbformat": 3,
        "nbformat_minor": 0,
        "worksheets": [{"cells": cells, "metadata": {}} for cells in worksheets],
    }


def _v3_code(source: str, count: int | None) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "collapsed": False,
        "input": source,
        "language": "python",
        "metadata": {},
        "outputs": [],
        "prompt_number": count,
    }


def test_nbformat_3_is_judged_the_same_way():
    heading = {"cell_type": "heading", "level": 1, "metadata": {}, "source": "Title"}
    nb = _v3(
        [heading, _v3_code("a = 1", 1), _v3_code("", None)],
        [_v3_code("print(b)", 3), _v3_code("b = 2", 2), _v3_code("c = 3", None)],
    )
    found = check(nb)
    assert _codes(found) == [(4, GAP), (4, "NBG105"), (5, DEC), (6, UNRUN)]
    assert check(_v3([_v3_code("a = 1", 1)], [_v3_code("a", 2)])) == []


def test_hidden_state_follows_the_policy():
    nb = make_nb(code("print(df)", count=1), code("df = 1", count=2))
    expected = Finding(
        "NBG105",
        "uses `df`, which only cell 2 further down defines; Restart & Run All would fail here",
        cell=1,
        line=1,
        part="source",
    )
    assert check(nb) == [expected]
    assert check(nb, hidden_state=False) == []
    assert check(nb, policy="increasing") == []
    assert check(nb, policy="increasing", hidden_state=True) == [expected]


def test_a_notebook_without_counts_passes_unless_hidden_state_is_asked_for():
    """Issue 21: an explicit --hidden-state judges the cells as written, counts or not."""
    nb = make_nb(code("print(df)"), code("df = 1"))
    assert check(nb) == []
    assert check(nb, hidden_state=False) == []
    assert [(f.code, f.cell, f.line) for f in check(nb, hidden_state=True)] == [("NBG105", 1, 1)]
    assert check(make_nb(code("df = 1"), code("print(df)")), hidden_state=True) == []


def test_findings_are_sorted_by_cell_then_line():
    nb = make_nb(code("a = 1", count=1), code("x = 1\nprint(b)", count=3), code("b = 2", count=2))
    assert [(f.cell, f.line, f.code) for f in check(nb)] == [(2, None, GAP), (2, 2, "NBG105"), (3, None, DEC)]


def test_check_does_not_modify_the_notebook():
    nb = _nb(1, 3, None, 2)
    before = copy.deepcopy(nb)
    check(nb)
    assert nb == before


def test_unknown_policy_is_an_error():
    with pytest.raises(ValueError, match="unknown policy 'random'"):
        check(_nb(1), policy="random")


# Property tests: the rules restated as plainly as possible.
counts_strategy = st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=8)), max_size=8)


@given(counts_strategy)
def test_strict_passes_exactly_one_to_n_or_nothing(counts):
    present = [c or None for c in counts]
    passes = check(_nb(*counts)) == []
    assert passes == (all(c is None for c in present) or present == list(range(1, len(counts) + 1)))


@given(counts_strategy)
def test_increasing_passes_exactly_rising_counts(counts):
    present = [c for c in counts if c]
    passes = check(_nb(*counts), policy="increasing") == []
    assert passes == all(a < b for a, b in itertools.pairwise(present))


@given(counts_strategy)
def test_allow_unexecuted_passes_exactly_one_to_m_over_the_run_cells(counts):
    present = [c for c in counts if c]
    passes = check(_nb(*counts), allow_unexecuted=True) == []
    assert passes == (present == list(range(1, len(present) + 1)))


@given(counts_strategy)
def test_one_finding_at_most_per_cell(counts):
    cells = [f.cell for f in check(_nb(*counts), hidden_state=False)]
    assert len(cells) == len(set(cells))


# --- command line ---------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # keeps configuration lookups inside tmp_path
    return tmp_path


def _write(folder: Path, name: str, nb: dict[str, Any]) -> str:
    return str(write_nb(folder / name, nb))


def test_main_reports_every_offending_cell_of_every_file(folder, capsys):
    bad = _write(folder, "analysis.ipynb", make_nb(markdown("# t"), *_nb(1, 9, 4)["cells"]))
    good = _write(folder, "good.ipynb", _nb(1, 2))
    broken = folder / "broken.ipynb"
    broken.write_text("{not json", encoding="utf-8")
    later = _write(folder, "later.ipynb", _nb(None, 1))
    assert main([bad, good, str(broken), later]) == 1
    out, err = capsys.readouterr()
    assert out == (
        f"{bad}:cell 3: NBG102 ran as [9] after [1], skipping [2] to [8]; {RERUN}\n"
        f"{bad}:cell 4: NBG101 ran as [4] after [9]; {RERUN}\n"
        f"{broken}: NBG001 invalid JSON: Expecting property name enclosed in double quotes (line 1, column 2)\n"
        f"{later}:cell 1: NBG104 has no execution count but other cells do; {RERUN}\n"
    )
    assert err == ""


def test_invalid_json_alone_is_one_line_and_exit_1(folder, capsys):
    broken = folder / "broken.ipynb"
    broken.write_text('{"cells": [', encoding="utf-8")
    assert main([str(broken)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(f"{broken}: NBG001 invalid JSON: ")
    assert out.count("\n") == 1
    assert "Traceback" not in out + err


def test_main_clean_is_quiet(folder, capsys):
    assert (
        main([_write(folder, "a.ipynb", _nb(1, ("E", None), 2)), _write(folder, "b.ipynb", _nb(None))]) == 0
    )
    assert capsys.readouterr() == ("", "")


def test_main_hidden_state_with_line(folder, capsys):
    nb = make_nb(code("import os\nprint(df.head())", count=1), code("df = load()", count=2))
    path = _write(folder, "hidden.ipynb", nb)
    assert main([path]) == 1
    assert capsys.readouterr().out == (
        f"{path}:cell 1:line 2: NBG105 uses `df`, which only cell 2 further down defines; "
        "Restart & Run All would fail here\n"
    )
    assert main(["--no-hidden-state", path]) == 0


def test_main_options(folder, capsys):
    path = _write(folder, "gaps.ipynb", _nb(None, 2, 5))
    assert main(["--policy", "increasing", path]) == 0
    assert main(["--policy=strict", "--allow-unexecuted", path]) == 1
    assert capsys.readouterr().out == (
        f"{path}:cell 2: NBG103 is the first cell run but ran as [2], not [1]; {RERUN}\n"
        f"{path}:cell 3: NBG102 ran as [5] after [2], skipping [3] to [4]; {RERUN}\n"
    )


def test_main_rejects_an_unknown_policy(folder, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--policy", "loose", _write(folder, "a.ipynb", _nb(1))])
    assert exc.value.code == 2
    assert "invalid choice: 'loose'" in capsys.readouterr().err


def test_main_json(folder, capsys):
    path = _write(folder, "a.ipynb", _nb(2, 1))
    assert main(["--format", "json", path]) == 1
    assert json.loads(capsys.readouterr().out) == [
        {
            "path": path,
            "cell": 1,
            "line": None,
            "code": START,
            "check": "order",
            "message": f"is the first cell run but ran as [2], not [1]; {RERUN}",
        },
        {
            "path": path,
            "cell": 2,
            "line": None,
            "code": DEC,
            "check": "order",
            "message": f"ran as [1] after [2]; {RERUN}",
        },
    ]


def test_a_cell_that_does_not_parse_is_noted_not_failed(folder, capsys):
    nb = make_nb(code('print "hello"', count=1), code("x = 1", count=2))
    path = _write(folder, "py2.ipynb", nb)
    assert main([path]) == 0
    assert capsys.readouterr().out == (
        f"{path}:cell 1:line 1: note could not be parsed as Python (Missing parentheses in call to 'print'. "
        "Did you mean print(...)?); skipped by the hidden-state analysis\n"
    )
    assert main(["--format", "json", path]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_configuration_sets_the_policy(folder, capsys):
    path = _write(folder, "gaps.ipynb", _nb(1, 3))
    (folder / "pyproject.toml").write_text('[tool.nbguard]\npolicy = "increasing"\n', encoding="utf-8")
    assert main([path]) == 0
    assert main(["--policy", "strict", path]) == 1  # the command line wins
    assert main(["--isolated", path]) == 1
    capsys.readouterr()
    (folder / "pyproject.toml").write_text("[tool.nbguard]\nhidden-state = 1\n", encoding="utf-8")
    assert main([path]) == 2
    assert "'hidden-state' must be true or false" in capsys.readouterr().err


def test_kwargs_from_settings_match_check():
    from nbguard.config import defaults

    assert order.build(defaults()).keywords["options"] == OrderOptions(
        policy="strict", allow_unexecuted=False, hidden_state=None
    )


def test_shipped_example_fails_as_the_readme_shows(capsys, monkeypatch):
    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root)
    assert main(["examples/out_of_order.ipynb"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines() == [
        line.removeprefix("    ")
        for line in _readme_example(root).splitlines()
        if line.startswith("examples/out_of_order.ipynb")
    ]


def _readme_example(root: Path) -> str:
    readme = (root / "docs" / "checks.md").read_text(encoding="utf-8")
    section = readme.split("## `nbguard-order`", 1)[1].split("\n## ", 1)[0]
    return section.split("$ nbguard order examples/out_of_order.ipynb\n", 1)[1].split("```", 1)[0]


# --- through the real pre-commit ------------------------------------------


@pytest.mark.e2e
def test_hook_through_pre_commit(git_repo, pre_commit_env):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env, repo = pre_commit_env, git_repo
    write_nb(repo / "late.ipynb", _nb(1, 3, 2))
    write_nb(repo / "fine.ipynb", _nb(1, ("E", None), 2))
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)
    root = str(Path(__file__).resolve().parents[1])

    proc = pre_commit("try-repo", root, "nbguard-order", "--all-files", cwd=repo, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"late.ipynb:cell 2: NBG102 ran as [3] after [1], skipping [2]; {RERUN}\n" in proc.stdout
    assert f"late.ipynb:cell 3: NBG101 ran as [2] after [3]; {RERUN}\n" in proc.stdout
    assert "fine.ipynb" not in proc.stdout
