"""Hostile inputs through every subcommand: no crash, no traceback, no damage, no silence.

Each input is run alongside a good notebook that must still be processed. An
input is either *rejected* (a one-line ``NBG001`` naming the file, a non-zero
exit, its bytes and modification time unchanged) or, where the test id says
so, *processed* like any notebook because it is one:

- ``nbformat3-valid-processed``, ``nbformat2-...``, ``nbformat1-...``,
  ``no-nbformat-key-processed``: nbformat 1 to 3 are stripped in their own structure
  and written as nbformat's writer for that version does (a malformed one is rejected);
  a file without an 'nbformat' key is version 1, as nbformat and nbstripout read it.
- ``utf8-bom-tolerated``: a byte-order mark is accepted on reading (issue 2)
  and dropped when the file is rewritten, since Jupyter cannot open it.
- ``duplicate-keys-last-wins``: the last value of a repeated key counts, as in
  Python's json, nbformat, JupyterLab and VS Code (JSON.parse), so nbguard
  judges the notebook every tool shows; a rewrite keeps each key once.
  Detecting duplicates costs a second parse (README, "Guarantees").
- ``read-only-file``: the writing subcommands refuse it with a one-line
  ``NBG001`` and leave it alone; the read-only checks read it normally.

Files in place go through ``nbguard.cli.main`` in process; standard input
(``nbguard strip -``) and the git filter (``--clean PATH`` in a subprocess,
``--process`` in process with several files per session) get the same
content inputs. The filter must pass what it cannot parse through unchanged,
with a warning, and never fail git. Inputs that could crash the interpreter
(200,000 levels of nesting) only ever run in a subprocess.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import msgspec
import pytest

import fake_tokens as ft
from nbfactory import code, display_data, dumps, make_nb, markdown, stream, write_nb
from nbguard import cli
from nbguard.commands import filter as git_filter
from nbguard.config import Resolver

DEEP = 200_000

# --- the good notebook, processed in every run -----------------------------------

_PNG = base64.b64encode(
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    + (64).to_bytes(4, "big") * 2
    + b"\x08\x06\x00\x00\x00"
    + bytes(2048)
).decode()
GOOD = "good.ipynb"
GOOD_NB = make_nb(
    code(
        "x = 1",
        count=1,
        outputs=[
            stream(f'password = "{ft.password("hostile")}"\n'),
            display_data({"image/png": _PNG, "text/plain": "<Figure>"}),
        ],
    ),
    code("print x", count=2),  # Python 2: order notes it, nothing fails
)
GOOD_STRIPPED = dumps(make_nb(code("x = 1"), code("print x")))

# What each subcommand must say about the good notebook, and its share of the exit code.
COMMANDS: dict[str, tuple[list[str], str, int]] = {
    "strip": (["strip"], f"{GOOD}: stripped 2 outputs, 2 execution counts", 0),
    "strip-check": (
        ["strip", "--check"],
        f"{GOOD}: NBG401 would be stripped (2 outputs, 2 execution counts)",
        1,
    ),
    "order": (["order"], f"{GOOD}:cell 2:line 1: note could not be parsed as Python", 0),
    "secrets": (["secrets"], f"{GOOD}:cell 1:line 1: NBG202 Secret Keyword in output 1 stream", 1),
    "images": (["images", "--max-kb", "1"], f"{GOOD}:cell 1: NBG301 image/png in output 2 is 3 KiB", 1),
    "check-fix": (["check", "--fix"], f"{GOOD}: stripped 2 outputs, 2 execution counts", 0),
}
WRITING = ("strip", "check-fix")

# --- the hostile inputs -----------------------------------------------------------

# A dirty notebook with nothing for the read-only checks to report.
DIRTY_NB = make_nb(code("y = 2", count=1, outputs=[stream("2\n")]))
DIRTY = dumps(DIRTY_NB).encode()
CLEAN = dumps(make_nb(code("y = 2"))).encode()
DIRTY_LINE = "stripped 1 output, 1 execution count"
DIRTY_FINDING = "NBG401 would be stripped (1 output, 1 execution count)"


def _with(**changes: object) -> bytes:
    return json.dumps({**DIRTY_NB, **changes}, indent=1).encode()


def _v3(cells: object) -> dict[str, object]:
    return {
        "metadata": {"name": ""},
        "nbformat": 3,
        "nbformat_minor": 0,
        "worksheets": [{"cells": cells, "metadata": {}}],
    }


def _v3_code(stripped: bool) -> dict[str, object]:
    return {
        "cell_type": "code",
        "collapsed": False,
        "input": ["y = 2"],
        "language": "python",
        "metadata": {},
        "outputs": [] if stripped else [{"output_type": "stream", "stream": "stdout", "text": ["2\n"]}],
        "prompt_number": None if stripped else 1,
    }


def _nbformat3_writes(nb: dict[str, object]) -> bytes:
    from nbformat.v3 import nbjson

    return (nbjson.writes(nbjson.reads(json.dumps(nb))) + "\n").encode()


def _old_writes(nb: dict[str, object]) -> bytes:
    """nbformat's own writer for version 2, or 1 (which a file without 'nbformat' reads as)."""
    from nbformat import v1, v2

    module = v2.nbjson if nb.get("nbformat") == 2 else v1.nbjson
    return (module.writes(module.reads(json.dumps(nb))) + "\n").encode()


def _v2(stripped: bool) -> dict[str, object]:
    return {**_v3([_v3_code(stripped)]), "nbformat": 2}


def _no_version(stripped: bool) -> dict[str, object]:
    return {k: v for k, v in json.loads(CLEAN if stripped else DIRTY).items() if k != "nbformat"}


def _json_error(data: bytes) -> str:
    """The reference parser's own description of what is wrong."""
    try:
        json.loads(data)
    except json.JSONDecodeError as exc:
        return f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    raise AssertionError("valid JSON")


TRUNCATED = DIRTY[: len(DIRTY) // 2]
LATIN1 = json.dumps(make_nb(markdown("café")), ensure_ascii=False).encode("latin-1")
LATIN1_AT = LATIN1.index("é".encode("latin-1"))
DUPLICATE_KEYS = DIRTY.replace(
    b'"execution_count": 1,', b'"execution_count": 3,\n   "execution_count": 1,', 1
)
# A lone surrogate escape makes msgspec give up, so the standard library's parser meets the nesting.
DEEP_FALLBACK = b'{"a": "\\ud800", "b": ' + b"[" * DEEP + b"]" * DEEP + b"}"


@dataclass(frozen=True)
class Case:
    id: str
    content: bytes | None = None  # None: a file-system case (no content to pipe)
    reason: str | None = None  # the NBG001 reason when rejected; None when processed
    stripped: bytes = CLEAN  # what a processed input becomes when stripped
    make: Callable[[Path], None] | None = None  # builds a file-system case at the path
    crash_prone: bool = False  # run only in a subprocess

    @property
    def name(self) -> str:
        return f"{self.id}.ipynb"


def _directory(path: Path) -> None:
    path.mkdir()
    (path / "inside.ipynb").write_bytes(DIRTY)


def _broken_symlink(path: Path) -> None:
    path.symlink_to("nowhere.ipynb")


def _named_pipe(path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this system")
    os.mkfifo(path)


def _unreadable(path: Path) -> None:
    path.write_bytes(DIRTY)
    path.chmod(0)


def _read_only(path: Path) -> None:
    path.write_bytes(DIRTY)
    path.chmod(0o444)


CASES = [
    Case("empty", b"", "empty file"),
    Case("binary-garbage", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "not UTF-8 text: byte 0x89 at offset 0"),
    Case("invalid-json", b"{not json", _json_error(b"{not json")),
    Case("truncated-json", TRUNCATED, _json_error(TRUNCATED)),
    Case("json-array", b"[1, 2]", "not a notebook: top level is a JSON array"),
    Case("json-string", b'"cells"', "not a notebook: top level is a JSON string"),
    Case(
        "nan",
        DIRTY.replace(b'"nbformat": 4', b'"nbformat": 4, "x": NaN'),
        "invalid JSON: NaN is not valid JSON",
    ),
    Case(
        "number-out-of-range",
        _with(metadata={}).replace(b"{}", b'{"x": 1e999}', 1),
        "invalid JSON: number out of range",
    ),
    Case("duplicate-keys-last-wins", DUPLICATE_KEYS),
    Case(
        "nested-200000-arrays", b"[" * DEEP + b"]" * DEEP, "invalid JSON: nested too deeply", crash_prone=True
    ),
    Case(
        "nested-200000-objects",
        b'{"a":' * DEEP + b"1" + b"}" * DEEP,
        "invalid JSON: nested too deeply",
        crash_prone=True,
    ),
    Case("nested-200000-json-fallback", DEEP_FALLBACK, "invalid JSON: nested too deeply", crash_prone=True),
    Case("latin-1", LATIN1, f"not UTF-8 text: byte 0xe9 at offset {LATIN1_AT}"),
    Case("utf8-bom-tolerated", b"\xef\xbb\xbf" + DIRTY),
    Case(
        "missing-cells",
        json.dumps({"metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode(),
        "no 'cells' list",
    ),
    Case("cells-not-a-list", _with(cells={"0": DIRTY_NB["cells"][0]}), "no 'cells' list"),
    Case(
        "code-cell-without-outputs",
        _with(cells=[{"cell_type": "code", "execution_count": 1, "metadata": {}, "source": "y = 2"}]),
        "cell 1: code cell has no 'outputs' list",
    ),
    Case(
        "code-cell-without-source",
        _with(cells=[{"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": []}]),
        "cell 1: no 'source'",
    ),
    Case(
        "unknown-cell-type",
        _with(cells=[markdown("# A"), {"cell_type": "widget", "metadata": {}, "source": "y"}]),
        "cell 2: unknown cell_type 'widget'",
    ),
    Case(
        "nbformat1-valid-processed",
        json.dumps({**_no_version(stripped=False), "nbformat": 1}).encode(),
        stripped=_old_writes({**_no_version(stripped=True), "nbformat": 1}),
    ),
    Case(
        "no-nbformat-key-processed",
        json.dumps(_no_version(stripped=False)).encode(),
        stripped=_old_writes(_no_version(stripped=True)),
    ),
    Case(
        "nbformat2-valid-processed",
        json.dumps(_v2(stripped=False)).encode(),
        stripped=_old_writes(_v2(stripped=True)),
    ),
    Case(
        "nbformat2-without-worksheets",
        json.dumps({"metadata": {}, "nbformat": 2}).encode(),
        "nbformat 2 notebook without a 'worksheets' list",
    ),
    Case(
        "nbformat3-valid-processed",
        json.dumps(_v3([_v3_code(stripped=False)])).encode(),
        stripped=_nbformat3_writes(_v3([_v3_code(stripped=True)])),
    ),
    Case(
        "nbformat3-without-worksheets",
        json.dumps({"metadata": {}, "nbformat": 3, "nbformat_minor": 0}).encode(),
        "nbformat 3 notebook without a 'worksheets' list",
    ),
    Case(
        "nbformat3-code-cell-without-input",
        json.dumps(_v3([{"cell_type": "code", "metadata": {}, "outputs": []}])).encode(),
        "cell 1: no 'input'",
    ),
    Case(
        "nbformat5",
        _with(nbformat=5, nbformat_minor=0),
        "unsupported nbformat 5 (nbguard reads nbformat 1 to 4)",
    ),
    Case("directory-named-ipynb", reason="is a directory", make=_directory),
    Case("missing-path", reason="no such file", make=lambda path: None),
    Case("broken-symlink", reason="no such file", make=_broken_symlink),
    # Nothing writes to it: reading must not wait forever, and it is not a file at all.
    Case("named-pipe-without-writer", reason="not a regular file (a FIFO)", make=_named_pipe),
    Case("unreadable-file", reason="cannot read: Permission denied", make=_unreadable),
    Case("read-only-file", reason="file is read-only; left unchanged", make=_read_only),
]
CONTENT_CASES = [c for c in CASES if c.content is not None]

# --- running nbguard ----------------------------------------------------------------

_DROP_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def _can_drop_dac() -> bool:
    """Whether root can give up reading files regardless of their mode (chmod 000)."""
    if shutil.which("setpriv") is None:
        return False
    probe = subprocess.run([*_DROP_DAC, "true"], capture_output=True, check=False)
    return probe.returncode == 0


IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    raw_out: bytes = b""


def nbguard_subprocess(
    args: list[str], cwd: Path, stdin: bytes = b"", prefix: list[str] | None = None
) -> Run:
    proc = subprocess.run(
        [*(prefix or []), sys.executable, "-m", "nbguard", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"},
    )
    out, err = proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
    return Run(proc.returncode, out, err, proc.stdout)


def nbguard_in_process(args: list[str], capsys: pytest.CaptureFixture[str]) -> Run:
    capsys.readouterr()
    code = cli.main(args)
    out, err = capsys.readouterr()
    return Run(code, out, err)


def snapshot(path: Path) -> object:
    """Everything about a path a run must not change: kind, bytes or target or listing, mtime."""
    if not os.path.lexists(path):
        return None
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        body: object = os.readlink(path)
    elif stat.S_ISDIR(st.st_mode):
        body = sorted((p.name, p.read_bytes()) for p in path.iterdir())
    elif stat.S_ISFIFO(st.st_mode):
        body = "fifo"
    else:
        path.chmod(st.st_mode | stat.S_IRUSR)
        body = path.read_bytes()
        path.chmod(st.st_mode)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)
    return stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_mtime_ns, body


def make_input(case: Case, folder: Path) -> Path:
    path = folder / case.name
    if case.make is not None:
        case.make(path)
    else:
        assert case.content is not None
        path.write_bytes(case.content)
    return path


def expected_outcome(case: Case, command: str) -> str | None:
    """The one line nbguard must print about the hostile input, or None for no line."""
    if case.id == "read-only-file" and command not in WRITING:
        return f"{case.name}: {DIRTY_FINDING}" if command == "strip-check" else None
    if case.reason is not None:
        return f"{case.name}: NBG001 {case.reason}"
    if command in WRITING:
        return f"{case.name}: {DIRTY_LINE}"
    return f"{case.name}: {DIRTY_FINDING}" if command == "strip-check" else None


@pytest.mark.parametrize(
    ("command", "case"),
    [pytest.param(command, case, id=f"{command}-{case.id}") for command in COMMANDS for case in CASES],
)
def test_hostile_input(command, case, tmp_path, monkeypatch, capsys):
    args, good_line, good_exit = COMMANDS[command]
    monkeypatch.chdir(tmp_path)
    hostile = make_input(case, tmp_path)
    write_nb(tmp_path / GOOD, GOOD_NB)
    before = snapshot(hostile)
    argv = [*args, "--isolated", case.name, GOOD]
    if case.id == "unreadable-file" and IS_ROOT:
        if not _can_drop_dac():
            pytest.skip(
                "running as root, where chmod 000 does not stop reading, and setpriv cannot drop that"
            )
        run = nbguard_subprocess(argv, tmp_path, prefix=_DROP_DAC)
    elif case.crash_prone:
        run = nbguard_subprocess(argv, tmp_path)
    else:
        run = nbguard_in_process(argv, capsys)

    assert "Traceback" not in run.out + run.err
    assert run.err == ""
    lines = run.out.splitlines()
    about_hostile = [line for line in lines if line.startswith(f"{case.name}:")]
    expected = expected_outcome(case, command)
    assert about_hostile == ([expected] if expected else [])
    rejected = expected is not None and " NBG001 " in expected
    assert run.code == (1 if rejected or (expected and "NBG401" in expected) else good_exit)
    # The good notebook was processed all the same.
    assert any(line.startswith(good_line) for line in lines), lines
    if command in WRITING:
        assert (tmp_path / GOOD).read_text(encoding="utf-8") == GOOD_STRIPPED
    if rejected or command not in WRITING:
        assert snapshot(hostile) == before
    else:
        assert hostile.read_bytes() == case.stripped


@pytest.mark.parametrize("case", CONTENT_CASES, ids=[c.id for c in CONTENT_CASES])
def test_hostile_input_on_standard_input(case, tmp_path):
    run = nbguard_subprocess(["strip", "--isolated", "-"], tmp_path, stdin=case.content or b"")
    assert "Traceback" not in run.out + run.err
    if case.reason is None:
        assert (run.code, run.err) == (0, "")
        assert run.raw_out == case.stripped
    else:
        # Bytes in, the same bytes out: a filter must never lose content.
        assert (run.code, run.err) == (1, f"-: NBG001 {case.reason}\n")
        assert run.raw_out == case.content


@pytest.mark.parametrize("case", CONTENT_CASES, ids=[c.id for c in CONTENT_CASES])
def test_hostile_input_in_the_git_clean_filter(case, tmp_path):
    name = f"notebooks/{case.name}"
    proc = subprocess.run(
        [sys.executable, "-m", "nbguard", "filter", "--isolated", "--clean", name],
        cwd=tmp_path,
        input=case.content,
        capture_output=True,
        check=False,
    )
    err = proc.stderr.decode()
    assert "Traceback" not in err
    assert proc.returncode == 0  # never fail git's add, commit or checkout
    if case.reason is None:
        assert (proc.stdout, err) == (case.stripped, "")
    else:
        assert proc.stdout == case.content
        assert err == f"nbguard: warning: {name}: NBG001 {case.reason}; passed through unstripped\n"


def _filter_session(*files: tuple[str, bytes]) -> bytes:
    handshake = git_filter.text_packets("git-filter-client", "version=2") + git_filter.text_packets(
        "capability=clean", "capability=smudge"
    )
    requests = b"".join(
        git_filter.text_packets("command=clean", f"pathname={name}") + git_filter.content_packets(data)
        for name, data in files
    )
    return handshake + requests


def _filter_answers(stream_: io.BytesIO, count: int) -> list[tuple[list[str], bytes]]:
    git_filter.read_text_list(stream_)  # version
    git_filter.read_text_list(stream_)  # capabilities
    answers = []
    for _ in range(count):
        status = git_filter.read_text_list(stream_)
        content = git_filter.read_content(stream_)
        git_filter.read_text_list(stream_)  # the final (empty) status list
        answers.append((status, content))
    return answers


@pytest.mark.parametrize(
    "case",
    [c for c in CONTENT_CASES if not c.crash_prone],
    ids=[c.id for c in CONTENT_CASES if not c.crash_prone],
)
def test_hostile_input_in_the_long_running_git_filter(case):
    """One process serves a whole 'git add': the good notebook after the hostile one is still stripped."""
    assert case.content is not None
    stdin = io.BytesIO(_filter_session((case.name, case.content), (GOOD, dumps(GOOD_NB).encode())))
    stdout, stderr = io.BytesIO(), io.StringIO()
    assert git_filter.serve(stdin, stdout, stderr, Resolver(isolated=True)) == 0
    stdout.seek(0)
    (status, content), (good_status, good_content) = _filter_answers(stdout, 2)
    assert status == good_status == ["status=success"]
    assert good_content == GOOD_STRIPPED.encode()
    if case.reason is None:
        assert (content, stderr.getvalue()) == (case.stripped, "")
    else:
        assert content == case.content
        assert (
            stderr.getvalue()
            == f"nbguard: warning: {case.name}: NBG001 {case.reason}; passed through unstripped\n"
        )


def test_the_deep_fallback_case_reaches_the_standard_library_parser():
    """msgspec gives up early on it (and nbguard falls back to json), where json meets the nesting."""
    with pytest.raises(msgspec.DecodeError):
        msgspec.json.decode(DEEP_FALLBACK)
    with pytest.raises(RecursionError):
        json.loads(DEEP_FALLBACK)


def test_duplicate_keys_are_read_as_json_and_nbformat_read_them():
    """Last wins, as everywhere; the rewrite keeps each key once."""
    nbjson = pytest.importorskip("nbformat.v4.nbjson")
    assert json.loads(DUPLICATE_KEYS)["cells"][0]["execution_count"] == 1
    assert nbjson.reads(DUPLICATE_KEYS.decode()).cells[0].execution_count == 1
    assert DUPLICATE_KEYS.count(b'"execution_count"') == 2


def test_a_utf8_bom_is_dropped_on_rewrite_and_kept_when_nothing_changes(tmp_path, capsys):
    dirty, clean = tmp_path / "dirty.ipynb", tmp_path / "clean.ipynb"
    dirty.write_bytes(b"\xef\xbb\xbf" + DIRTY)
    clean.write_bytes(b"\xef\xbb\xbf" + CLEAN)
    assert cli.main(["strip", "--isolated", str(dirty), str(clean)]) == 0
    assert capsys.readouterr().out == f"{dirty}: {DIRTY_LINE}\n"
    assert dirty.read_bytes() == CLEAN
    assert clean.read_bytes() == b"\xef\xbb\xbf" + CLEAN


# Sources that overflow CPython's own parser: the hidden-state analysis skips them with a note.
PARSER_OVERFLOW = {
    "unary-minus-100000": "x = " + "-" * 100_000 + "1",
    "nested-lambdas-10000": "f = " + "lambda: " * 10_000 + "1",
    "attribute-chain-100000": "x = a" + ".b" * 100_000,
    "parentheses-100000": "x = " + "(" * 100_000 + "1" + ")" * 100_000,
}


@pytest.mark.parametrize("command", ["order", "check"])
@pytest.mark.parametrize("source", PARSER_OVERFLOW.values(), ids=PARSER_OVERFLOW.keys())
def test_cells_that_overflow_the_python_parser(command, source, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_nb(tmp_path / "nb.ipynb", make_nb(code(source, count=1), code("y = x", count=2)))
    extra = ["--no-strip"] if command == "check" else []
    run = nbguard_in_process([command, "--isolated", *extra, "nb.ipynb"], capsys)
    assert "Traceback" not in run.out + run.err
    assert "NBG001" not in run.out
    assert run.code == 0
    if command == "order":
        assert run.out.startswith("nb.ipynb:cell 1")
        assert "note could not be parsed as Python (" in run.out


@pytest.mark.parametrize("depth", [400, 700])
def test_metadata_nested_hundreds_deep_is_stripped_as_nbformat_writes_it(depth, tmp_path, capsys):
    """Valid JSON that Python's recursion limit would trip over while writing it."""
    nb_path = tmp_path / "deep.ipynb"
    deep = b"[" * depth + b"1.5" + b"]" * depth
    nb_path.write_bytes(DIRTY.replace(b'"metadata": {},', b'"metadata": {"deep": ' + deep + b"},", 1))
    assert cli.main(["strip", "--isolated", str(nb_path)]) == 0
    assert "Traceback" not in capsys.readouterr().err
    expected = json.loads(CLEAN)
    expected["cells"][0]["metadata"] = {"deep": json.loads(deep)}
    reference = json.dumps(expected, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    assert nb_path.read_text(encoding="utf-8") == reference


def test_file_names_the_output_encoding_cannot_show(tmp_path):
    """A name in another script under an ASCII pipe, and a name that is not UTF-8 at all."""
    names = ["café.ipynb", os.fsdecode(b"\xff.ipynb")]
    for name in names:
        (tmp_path / name).write_bytes(DIRTY)
    proc = subprocess.run(
        [sys.executable, "-m", "nbguard", "strip", "--isolated", *names],
        cwd=tmp_path,
        capture_output=True,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
    )
    assert (proc.returncode, proc.stderr) == (0, b"")
    assert proc.stdout.decode("ascii").splitlines() == [
        f"caf\\xe9.ipynb: {DIRTY_LINE}",
        f"\\udcff.ipynb: {DIRTY_LINE}",
    ]
    assert [(tmp_path / name).read_bytes() for name in names] == [CLEAN, CLEAN]


# --- files that are not files: devices, FIFOs, and files too large to read --------------


def _sparse_gib(path: Path) -> None:
    """A 1 GiB file that takes no disk space: reading it would take a second and 1 GiB."""
    path.write_bytes(b"")
    os.truncate(path, 2**30)


# Each is refused from the opened file's status, at once: reading /dev/zero would fill
# memory, and a FIFO's writer may never finish.
NOT_FILES: dict[str, tuple[Callable[[Path], None], str]] = {
    "link-to-dev-zero": (
        lambda path: path.symlink_to("/dev/zero"),
        "not a regular file (a character device)",
    ),
    "link-to-dev-urandom": (
        lambda path: path.symlink_to("/dev/urandom"),
        "not a regular file (a character device)",
    ),
    "fifo-without-writer": (_named_pipe, "not a regular file (a FIFO)"),
    "fifo-whose-writer-never-finishes": (_named_pipe, "not a regular file (a FIFO)"),
    "sparse-file-over-the-default-limit": (_sparse_gib, "file is 1024 MiB, over the 256 MiB limit"),
}
PROMPTLY = 10  # seconds: each run takes well under one


@pytest.mark.skipif(not os.path.exists("/dev/urandom"), reason="no /dev/zero or /dev/urandom here")
@pytest.mark.parametrize("command", ["check", "strip"])
@pytest.mark.parametrize("kind", NOT_FILES)
def test_what_is_not_a_notebook_file_is_refused_promptly(command, kind, tmp_path):
    make, reason = NOT_FILES[kind]
    name = f"{kind}.ipynb"
    make(tmp_path / name)
    write_nb(tmp_path / GOOD, GOOD_NB)
    writer = None
    if kind == "fifo-whose-writer-never-finishes":
        # Opened for reading and writing, the FIFO has a writer (this process) that
        # wrote the start of a notebook and never closes it.
        writer = os.open(tmp_path / name, os.O_RDWR | os.O_NONBLOCK)
        os.write(writer, b'{"cells": [')
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "nbguard", command, "--isolated", name, GOOD],
            cwd=tmp_path,
            capture_output=True,
            timeout=PROMPTLY,
            check=False,
            env={**os.environ, "NO_COLOR": "1"},
        )
    finally:
        if writer is not None:
            os.close(writer)
    out = proc.stdout.decode()
    assert [line for line in out.splitlines() if line.startswith(f"{name}:")] == [f"{name}: NBG001 {reason}"]
    assert proc.returncode == 1
    assert "Traceback" not in out + proc.stderr.decode()
    if command == "strip":
        assert (tmp_path / GOOD).read_text(encoding="utf-8") == GOOD_STRIPPED
    else:
        assert f"{GOOD}: NBG" in out  # the good notebook was checked (its password is found)


def test_a_file_over_max_bytes_is_refused_from_its_size(tmp_path):
    from nbguard import run
    from nbguard.notebook import NotebookError, document

    sparse = tmp_path / "sparse.ipynb"
    with sparse.open("wb") as f:
        os.truncate(f.fileno(), 10 * 2**20)
    with pytest.raises(NotebookError, match=r"^file is 10 MiB, over the 1 MiB limit$"):
        run.load(str(sparse), max_bytes=2**20)
    exact = tmp_path / "exact.ipynb"
    exact.write_bytes(DIRTY)
    with pytest.raises(
        NotebookError, match=rf"^file is {len(DIRTY):,} bytes, over the {len(DIRTY) - 1:,} bytes limit$"
    ):
        document.read(str(exact), max_bytes=len(DIRTY) - 1)
    assert document.read(str(exact), max_bytes=len(DIRTY)).data == DIRTY
    assert run.load(str(exact)).data == DIRTY  # the default is generous
