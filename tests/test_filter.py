from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable

import pytest

from nbfactory import code, dumps, execute_result, make_nb, markdown, stream, subcommand
from nbguard import cli
from nbguard.checks import strip as S
from nbguard.commands import filter as git_filter
from nbguard.commands.filter import MAX_PAYLOAD, ProtocolError
from nbguard.config import Resolver

strip_main = subcommand("strip")

DIRTY = make_nb(
    markdown("# Title", id="m"),
    code("print('hi')", count=1, outputs=[stream("hi\n")], id="c1"),
    code("1 + 1", count=2, outputs=[execute_result({"text/plain": "2"}, count=2)], id="c2"),
)
DIRTY_BYTES = dumps(DIRTY).encode()
STRIPPED_BYTES = dumps(S.strip(DIRTY)).encode()
BROKEN = b'{"cells": [\n'


# --- pkt-lines, written here independently of the module under test ------------


def pkt(payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return f"{len(data) + 4:04x}".encode() + data


def text(*lines: str) -> bytes:
    return b"".join(pkt(line + "\n") for line in lines) + b"0000"


def content(data: bytes, size: int = MAX_PAYLOAD) -> bytes:
    return b"".join(pkt(data[i : i + size]) for i in range(0, len(data), size)) + b"0000"


def request(command: str, pathname: str, data: bytes, *extra: str) -> bytes:
    return text(f"command={command}", f"pathname={pathname}", *extra) + content(data)


HANDSHAKE = text("git-filter-client", "version=2") + text("capability=clean", "capability=smudge")


def split_packets(data: bytes) -> list[bytes | None]:
    """Every packet of a reply, None for a flush packet."""
    out: list[bytes | None] = []
    while data:
        size = int(data[:4], 16)
        out.append(None if size == 0 else data[4:size])
        data = data[max(size, 4) :]
    return out


def replies(packets: list[bytes | None]) -> list[tuple[list[str], bytes]]:
    """(status lines, content) for every answer after the handshake's two lists."""
    groups: list[list[bytes]] = [[]]
    for p in packets:
        if p is None:
            groups.append([])
        else:
            groups[-1].append(p)
    groups.pop()  # after the final flush
    answers, rest = [], groups[2:]
    while rest:
        status = [p.decode().rstrip("\n") for p in rest[0]]
        if status != ["status=success"]:
            answers.append((status, b""))
            rest = rest[1:]
            continue
        answers.append((status, b"".join(rest[1])))
        assert rest[2] == [], "the final list keeps status=success"
        rest = rest[3:]
    return answers


def serve(data: bytes, resolver: Resolver | None = None) -> tuple[int, bytes, str]:
    out, err = io.BytesIO(), io.StringIO()
    retv = git_filter.serve(io.BytesIO(data), out, err, resolver or Resolver(isolated=True))
    return retv, out.getvalue(), err.getvalue()


# --- pkt-line reader and writer -------------------------------------------------

READ_CASES = [
    (b"0000", None),
    (b"0009hello", b"hello"),
    (b"0004", b""),
    (b"000Ahello!", b"hello!"),
    (pkt(b"x" * MAX_PAYLOAD), b"x" * MAX_PAYLOAD),
]


@pytest.mark.parametrize(("data", "expected"), READ_CASES)
def test_read_packet(data, expected):
    assert git_filter.read_packet(io.BytesIO(data)) == expected


BAD_PACKETS = [
    (b"00", "bad pkt-line header b'00'"),
    (b"zzzz", "bad pkt-line header b'zzzz'"),
    (b" 0a0", "bad pkt-line header b' 0a0'"),
    (b"0001", "bad pkt-line length 1"),
    (b"0003", "bad pkt-line length 3"),
    (b"fff1" + b"x" * 65517, "bad pkt-line length 65521"),
    (b"000ahi", "input ended inside a pkt-line"),
]


@pytest.mark.parametrize(("data", "message"), BAD_PACKETS)
def test_read_packet_rejects(data, message):
    with pytest.raises(ProtocolError) as excinfo:
        git_filter.read_packet(io.BytesIO(data))
    assert str(excinfo.value) == message


def test_read_packet_at_end_of_input():
    with pytest.raises(EOFError):
        git_filter.read_packet(io.BytesIO(b""))


def test_text_packets():
    assert git_filter.text_packets("status=success") == b"0013status=success\n0000"
    assert git_filter.text_packets() == b"0000"


@pytest.mark.parametrize(
    ("size", "packet_sizes"),
    [
        (0, []),
        (1, [1]),
        (MAX_PAYLOAD, [MAX_PAYLOAD]),
        (MAX_PAYLOAD + 1, [MAX_PAYLOAD, 1]),
        (3 * MAX_PAYLOAD + 7, [MAX_PAYLOAD, MAX_PAYLOAD, MAX_PAYLOAD, 7]),
    ],
)
def test_content_packets_split_at_the_largest_payload(size, packet_sizes):
    data = bytes(i % 251 for i in range(size))
    packets = split_packets(git_filter.content_packets(data))
    assert packets[-1] is None
    assert [len(p) for p in packets[:-1] if p is not None] == packet_sizes
    assert b"".join(p for p in packets if p is not None) == data


# --- the protocol, driven with crafted pkt-lines ------------------------------


def test_handshake_answers_version_2_and_the_capabilities_git_offers():
    hello = text("git-filter-client", "version=2", "version=42")
    offered = text("capability=clean", "capability=smudge", "capability=delay")
    retv, out, err = serve(hello + offered)
    assert (retv, err) == (0, "")
    assert out == text("git-filter-server", "version=2") + text("capability=clean", "capability=smudge")


def test_handshake_with_clean_only():
    retv, out, _ = serve(text("git-filter-client", "version=2") + text("capability=clean"))
    assert retv == 0
    assert out.endswith(text("capability=clean"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (text("git-filter-server", "version=2"), "expected git-filter-client, got ['git-filter-server']"),
        (text("git-filter-client", "version=3"), "git offers version=3; nbguard needs 2"),
        (text("git-filter-client"), "git offers no version; nbguard needs 2"),
        (b"", "input ended during the handshake"),
        (text("git-filter-client", "version=2"), "input ended during the handshake"),
    ],
)
def test_bad_handshake(data, message):
    retv, _, err = serve(data)
    assert retv == 1
    assert err == f"nbguard: error: git filter protocol: {message}\n"


def test_many_files_in_one_process():
    notebooks = [
        make_nb(code(f"x = {i}", count=i, outputs=[stream(f"{i}\n")], id=f"c{i}")) for i in range(30)
    ]
    data = HANDSHAKE + b"".join(
        request("clean", f"dir/nb{i}.ipynb", dumps(nb).encode()) for i, nb in enumerate(notebooks)
    )
    retv, out, err = serve(data)
    assert (retv, err) == (0, "")
    answers = replies(split_packets(out))
    assert answers == [(["status=success"], dumps(S.strip(nb)).encode()) for nb in notebooks]


def test_clean_notebook_comes_back_byte_for_byte():
    clean = STRIPPED_BYTES.replace(b"\n", b"\r\n")  # CRLF kept, nothing to strip
    _, out, err = serve(HANDSHAKE + request("clean", "a.ipynb", clean))
    assert err == ""
    assert replies(split_packets(out)) == [(["status=success"], clean)]


def test_file_larger_than_one_packet_both_ways():
    big = "\n".join(f"line {i} " + "x" * 60 for i in range(6000))  # about 430 kB
    nb = make_nb(code("print(big)", count=1, outputs=[stream(big)], id="a"), markdown(big, id="b"))
    raw = dumps(nb).encode()
    expected = dumps(S.strip(nb)).encode()
    assert len(raw) > 6 * MAX_PAYLOAD
    assert len(expected) > 3 * MAX_PAYLOAD
    # git may cut content anywhere; here into odd-sized packets
    data = HANDSHAKE + text("command=clean", "pathname=big.ipynb") + content(raw, 40000)
    retv, out, err = serve(data)
    assert (retv, err) == (0, "")
    packets = split_packets(out)
    assert max(len(p) for p in packets if p is not None) == MAX_PAYLOAD
    assert replies(packets) == [(["status=success"], expected)]


def test_smudge_passes_content_through():
    data = HANDSHAKE + request("smudge", "nb.ipynb", DIRTY_BYTES, "blob=abc", "ref=refs/heads/main")
    data += request("smudge", "broken.ipynb", BROKEN)
    _, out, err = serve(data)
    assert err == ""
    assert replies(split_packets(out)) == [
        (["status=success"], DIRTY_BYTES),
        (["status=success"], BROKEN),
    ]


@pytest.mark.parametrize(
    ("data", "warning"),
    [
        (BROKEN, "NBG001 invalid JSON: Expecting value (line 2, column 1)"),
        (b"", "NBG001 empty file"),
        (
            b'{"nbformat": 5, "cells": []}',
            "NBG001 unsupported nbformat 5 (nbguard reads nbformat 1 to 4)",
        ),
        (
            dumps(make_nb(code("x", metadata={"keep_output": False, "tags": ["keep_output"]}))).encode(),
            "NBG001 cell 1: metadata keep_output is false but the cell is tagged keep_output",
        ),
    ],
    ids=["invalid-json", "empty", "nbformat-5", "contradiction"],
)
def test_unstrippable_content_passes_through_with_a_warning(data, warning):
    stream_in = HANDSHAKE + request("clean", "bad.ipynb", data) + request("clean", "ok.ipynb", DIRTY_BYTES)
    retv, out, err = serve(stream_in)
    assert retv == 0
    assert err == f"nbguard: warning: bad.ipynb: {warning}; passed through unstripped\n"
    assert replies(split_packets(out)) == [
        (["status=success"], data),
        (["status=success"], STRIPPED_BYTES),
    ]


def test_unknown_command_is_an_error_and_the_process_goes_on():
    data = HANDSHAKE + request("compress", "a.ipynb", DIRTY_BYTES) + request("clean", "b.ipynb", DIRTY_BYTES)
    retv, out, err = serve(data)
    assert retv == 0
    assert err == "nbguard: error: unknown filter command 'compress'\n"
    assert replies(split_packets(out)) == [
        (["status=error"], b""),
        (["status=success"], STRIPPED_BYTES),
    ]


@pytest.mark.parametrize(
    "tail",
    [
        text("command=clean", "pathname=a.ipynb"),  # no content
        text("command=clean", "pathname=a.ipynb") + pkt(b"{") + b"00",  # cut inside a header
        text("command=clean", "pathname=a.ipynb")[:-6],  # no flush after the list
    ],
)
def test_input_ending_inside_a_request(tail):
    retv, _, err = serve(HANDSHAKE + tail)
    assert retv == 1
    assert err.startswith("nbguard: error: git filter protocol: ")


def test_request_starting_with_a_flush_is_a_protocol_error():
    retv, _, err = serve(HANDSHAKE + b"0000")
    assert retv == 1
    assert err == "nbguard: error: git filter protocol: empty request\n"


# --- configuration: the same as `nbguard strip` for the same path ------------------

CONFIG = """\
keep-count = true

[[overrides]]
paths = ["docs/**"]
strip = false

[[overrides]]
paths = ["results/*.ipynb"]
keep-output = true
"""


@pytest.fixture
def configured(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()  # the configuration search stops here
    (tmp_path / ".nbguard.toml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("pathname", ["nb.ipynb", "sub/nb.ipynb", "results/a=b.ipynb"])
def test_filter_strips_as_nbguard_strip_does_for_that_path(configured, pathname):
    path = configured / pathname
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(DIRTY_BYTES)
    assert strip_main([pathname]) == 0
    expected = path.read_bytes()
    _, out, err = serve(HANDSHAKE + request("clean", pathname, DIRTY_BYTES), Resolver())
    assert err == ""
    assert replies(split_packets(out)) == [(["status=success"], expected)]


def test_each_path_gets_its_own_options(configured):
    data = HANDSHAKE + b"".join(
        request("clean", p, DIRTY_BYTES) for p in ["docs/a.ipynb", "a.ipynb", "results/r.ipynb"]
    )
    _, out, _ = serve(data, Resolver())
    docs, top, results = (c for _, c in replies(split_packets(out)))
    assert docs == DIRTY_BYTES  # strip = false
    assert top == dumps(S.strip(DIRTY, S.StripOptions(keep_count=True))).encode()
    assert results == dumps(S.strip(DIRTY, S.StripOptions(keep_output=True, keep_count=True))).encode()


def test_the_filter_honours_exclude_and_strips_zeppelin_notes(configured):
    """exclude (nbwipers' key) holds in the filter too; a .zpln file is a Zeppelin note."""
    (configured / ".nbguard.toml").write_text('exclude = ["vendor"]\n')
    note = json.dumps({"paragraphs": [{"text": "x", "results": {"code": "SUCCESS"}}]}).encode()
    data = HANDSHAKE + b"".join(
        [request("clean", "vendor/a.ipynb", DIRTY_BYTES), request("clean", "n.zpln", note)]
    )
    _, out, err = serve(data, Resolver())
    assert err == ""
    vendored, zeppelin = (c for _, c in replies(split_packets(out)))
    assert vendored == DIRTY_BYTES
    assert (
        zeppelin == b'{\n  "paragraphs": [\n    {\n      "text": "x",\n      "results": {}\n    }\n  ]\n}\n'
    )


def test_configuration_error_refuses_the_file(configured):
    (configured / ".nbguard.toml").write_text("keep-count = 3\n")
    retv, out, err = serve(HANDSHAKE + request("clean", "nb.ipynb", DIRTY_BYTES), Resolver())
    assert retv == 0
    config = configured / ".nbguard.toml"
    assert err == f"nbguard: error: {config}: 'keep-count' must be true or false, not 3\n"
    assert replies(split_packets(out)) == [(["status=error"], b"")]


# --- the command line ---------------------------------------------------------------


def run_cli(monkeypatch, capsysbinary, argv, data):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    retv = cli.main(argv)
    out, err = capsysbinary.readouterr()
    return retv, out, err.decode()


def test_clean_command_strips_stdin_as_the_named_path(configured, monkeypatch, capsysbinary):
    retv, out, err = run_cli(monkeypatch, capsysbinary, ["filter", "--clean", "nb.ipynb"], DIRTY_BYTES)
    assert (retv, err) == (0, "")
    assert out == dumps(S.strip(DIRTY, S.StripOptions(keep_count=True))).encode()
    retv, out, _ = run_cli(monkeypatch, capsysbinary, ["filter", "--clean", "docs/x.ipynb"], DIRTY_BYTES)
    assert (retv, out) == (0, DIRTY_BYTES)


def test_clean_command_options_and_isolated(configured, monkeypatch, capsysbinary):
    argv = ["filter", "--isolated", "--keep-output", "--clean", "docs/x.ipynb"]
    retv, out, _ = run_cli(monkeypatch, capsysbinary, argv, DIRTY_BYTES)
    assert retv == 0
    assert out == dumps(S.strip(DIRTY, S.StripOptions(keep_output=True))).encode()


def test_clean_command_passes_broken_content_through(configured, monkeypatch, capsysbinary):
    retv, out, err = run_cli(monkeypatch, capsysbinary, ["filter", "--clean", "b.ipynb"], BROKEN)
    assert (retv, out) == (0, BROKEN)
    assert err == (
        "nbguard: warning: b.ipynb: NBG001 invalid JSON: Expecting value (line 2, column 1); "
        "passed through unstripped\n"
    )


def test_clean_command_configuration_error(configured, monkeypatch, capsysbinary):
    (configured / ".nbguard.toml").write_text("bogus = 1\n")
    retv, out, err = run_cli(monkeypatch, capsysbinary, ["filter", "--clean", "a.ipynb"], DIRTY_BYTES)
    assert (retv, out) == (2, b"")
    assert err == f"nbguard: error: {configured / '.nbguard.toml'}: unknown key 'bogus'\n"


def test_filter_needs_a_mode(capsys):
    with pytest.raises(SystemExit) as excinfo:
        cli.main(["filter"])
    assert excinfo.value.code == 2
    assert "one of the arguments --process --clean is required" in capsys.readouterr().err


def test_process_command_on_real_pipes(tmp_path):
    data = HANDSHAKE + request("clean", "a.ipynb", DIRTY_BYTES) + request("smudge", "a.ipynb", DIRTY_BYTES)
    proc = subprocess.run(
        [sys.executable, "-m", "nbguard", "filter", "--process", "--isolated"],
        input=data,
        capture_output=True,
        cwd=tmp_path,
        check=False,
    )
    assert (proc.returncode, proc.stderr) == (0, b"")
    assert replies(split_packets(proc.stdout)) == [
        (["status=success"], STRIPPED_BYTES),
        (["status=success"], DIRTY_BYTES),
    ]


# --- real git -----------------------------------------------------------------------


def needs_git(test: Callable[..., None]) -> Callable[..., None]:
    """Runs the real git: an end-to-end test, skipped where git is not installed."""
    skip = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
    return pytest.mark.e2e(skip(test))


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A new repository with nbguard installed, git isolated from the user's config."""
    home = tmp_path / "home"
    home.mkdir()
    for name in ("XDG_CONFIG_HOME", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "PRE_COMMIT"):
        monkeypatch.delenv(name, raising=False)
    env = {
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "repo"
    path.mkdir()
    monkeypatch.chdir(path)
    git("init", "-q")
    git("config", "core.autocrlf", "false")
    assert cli.main(["install"]) == 0
    return path


def git(*args: str, cwd: os.PathLike[str] | None = None) -> str:
    proc = subprocess.run(["git", *args], capture_output=True, text=True, cwd=cwd, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def git_bytes(*args: str) -> bytes:
    return subprocess.run(["git", *args], capture_output=True, check=True).stdout


def commit_all(message: str = "c") -> str:
    git("add", "-A")
    proc = subprocess.run(["git", "commit", "-q", "-m", message], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stderr


@needs_git
def test_commit_stores_stripped_blob_and_keeps_outputs_locally(repo, capsys):
    (repo / "nb.ipynb").write_bytes(DIRTY_BYTES)
    commit_all()
    assert git_bytes("show", "HEAD:nb.ipynb") == STRIPPED_BYTES
    assert (repo / "nb.ipynb").read_bytes() == DIRTY_BYTES
    assert git("status", "--porcelain") == ""
    # what git stores is exactly what `nbguard strip` writes
    (repo / "copy.ipynb").write_bytes(DIRTY_BYTES)
    strip_main(["--isolated", "copy.ipynb"])
    assert (repo / "copy.ipynb").read_bytes() == STRIPPED_BYTES


def rerun(count: int, extra: list[dict[str, object]]) -> dict[str, object]:
    """DIRTY as Jupyter saves it after running it again: new counts and outputs."""
    return make_nb(
        markdown("# Title", id="m"),
        code("print('hi')", count=count, outputs=[stream("hi\n"), *extra], id="c1"),
        code("1 + 1", count=count, outputs=[execute_result({"text/plain": "2"}, count=count)], id="c2"),
    )


@needs_git
def test_output_only_change_shows_neither_in_status_nor_in_diff(repo):
    (repo / "nb.ipynb").write_bytes(DIRTY_BYTES)
    commit_all()
    (repo / "nb.ipynb").write_text(dumps(rerun(7, [])))  # the same size: counts 1, 2 -> 7, 7
    assert os.path.getsize(repo / "nb.ipynb") == len(DIRTY_BYTES)
    assert git("status", "--porcelain") == ""
    assert git("diff") == ""


@needs_git
def test_output_only_change_of_another_size_shows_no_diff(repo):
    (repo / "nb.ipynb").write_bytes(DIRTY_BYTES)
    commit_all()
    (repo / "nb.ipynb").write_text(dumps(rerun(12, [stream("again\n")])))
    # git status lists a file whose size changed without running the filter
    # (gitgitgadget/git#1256); git diff runs it and shows nothing, and once the
    # notebook is added git agrees that nothing changed.
    assert git("diff") == ""
    assert git("diff", "--stat") == ""
    git("add", "-u")
    assert git("status", "--porcelain") == ""
    assert git("diff", "--cached") == ""


@needs_git
def test_source_change_shows_in_status_and_diff_without_outputs(repo):
    (repo / "nb.ipynb").write_bytes(DIRTY_BYTES)
    commit_all()
    edited = rerun(9, [stream("again\n")])
    edited["cells"][2] = code("2 + 2", count=9, outputs=[stream("4\n")], id="c2")
    (repo / "nb.ipynb").write_text(dumps(edited))
    assert git("status", "--porcelain") == " M nb.ipynb\n"
    diff = git("diff")
    changed = [line for line in diff.splitlines()[4:] if line[:1] in ("+", "-")]
    assert changed == ['-    "1 + 1"', '+    "2 + 2"'], "the textconv driver hides outputs"


@needs_git
def test_status_is_clean_after_touching_committed_notebooks(repo):
    for i in range(5):
        (repo / f"nb{i}.ipynb").write_bytes(DIRTY_BYTES)
    commit_all()
    for i in range(5):
        os.utime(repo / f"nb{i}.ipynb", (1, 1))  # stat-dirty: git must run the filter
    assert git("status", "--porcelain") == ""


@needs_git
def test_per_path_configuration_from_a_subfolder(repo):
    (repo / ".nbguard.toml").write_text(CONFIG)
    for rel in ("docs/guide.ipynb", "results/r.ipynb", "nb.ipynb"):
        (repo / rel).parent.mkdir(exist_ok=True)
        (repo / rel).write_bytes(DIRTY_BYTES)
    git("add", "guide.ipynb", cwd=repo / "docs")  # git gives the filter the path from the top
    git("add", "-A")
    git("commit", "-q", "-m", "c")
    assert git_bytes("show", "HEAD:docs/guide.ipynb") == DIRTY_BYTES
    for rel in ("results/r.ipynb", "nb.ipynb"):
        strip_main([rel])  # in place, as the pre-commit hook would
        assert git_bytes("show", f"HEAD:{rel}") == (repo / rel).read_bytes()


@needs_git
def test_unparseable_notebook_is_committed_unchanged_with_a_warning(repo):
    (repo / "broken.ipynb").write_bytes(BROKEN)
    (repo / "nb.ipynb").write_bytes(DIRTY_BYTES)
    git("add", "-A")
    proc = subprocess.run(["git", "commit", "-q", "-m", "c"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert git_bytes("show", "HEAD:broken.ipynb") == BROKEN
    assert git_bytes("show", "HEAD:nb.ipynb") == STRIPPED_BYTES
    add = subprocess.run(["git", "add", "--renormalize", "."], capture_output=True, text=True, check=False)
    assert add.returncode == 0
    assert "nbguard: warning: broken.ipynb: NBG001 invalid JSON" in add.stderr


@needs_git
def test_checkout_passes_through(repo):
    (repo / "nb.ipynb").write_bytes(DIRTY_BYTES)
    (repo / "broken.ipynb").write_bytes(BROKEN)
    commit_all()
    (repo / "nb.ipynb").unlink()
    (repo / "broken.ipynb").unlink()
    proc = subprocess.run(["git", "checkout", "--", "."], capture_output=True, text=True, check=False)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert (repo / "nb.ipynb").read_bytes() == STRIPPED_BYTES
    assert (repo / "broken.ipynb").read_bytes() == BROKEN


@needs_git
def test_plain_clean_command_for_old_git(repo):
    git("config", "--unset", "filter.nbguard.process")  # what git < 2.11 would run
    (repo / ".nbguard.toml").write_text(CONFIG)
    (repo / "docs").mkdir()
    (repo / "docs" / "d.ipynb").write_bytes(DIRTY_BYTES)
    (repo / "a b.ipynb").write_bytes(DIRTY_BYTES)  # %f arrives shell-quoted
    commit_all()
    assert git_bytes("show", "HEAD:docs/d.ipynb") == DIRTY_BYTES
    expected = dumps(S.strip(DIRTY, S.StripOptions(keep_count=True))).encode()
    assert git_bytes("show", "HEAD:a b.ipynb") == expected
    assert git("status", "--porcelain") == ""
