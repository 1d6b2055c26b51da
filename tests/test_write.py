"""AtomicWriter: every write replaces the file atomically, and recycling the replaced
inodes (a speed-up for many files) never changes what any reader sees."""

from __future__ import annotations

import mmap
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nbfactory import code, make_nb, stream, write_nb
from nbguard import cli
from nbguard.notebook import NotebookError, write
from nbguard.notebook.write import AtomicWriter

LINUX = sys.platform.startswith("linux")


def _files(folder: Path, count: int) -> list[Path]:
    paths = []
    for i in range(count):
        path = folder / f"nb{i}.ipynb"
        path.write_bytes(f"old {i}\n".encode())
        paths.append(path)
    return paths


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_writer_writes_every_file_and_leaves_nothing_behind(tmp_path):
    paths = _files(tmp_path, 5)
    os.chmod(paths[2], 0o600)
    with AtomicWriter() as writer:
        for i, path in enumerate(paths):
            writer.write(str(path), f"new {i}\n".encode())
    assert [p.read_bytes() for p in paths] == [f"new {i}\n".encode() for i in range(5)]
    assert stat.S_IMODE(paths[2].stat().st_mode) == 0o600
    assert stat.S_IMODE(paths[1].stat().st_mode) == stat.S_IMODE(paths[0].stat().st_mode)
    assert _listing(tmp_path) == [p.name for p in paths]


@pytest.mark.skipif(not LINUX, reason="recycling needs Linux leases")
def test_the_replaced_inode_becomes_the_next_files_new_content(tmp_path):
    first, second = _files(tmp_path, 2)
    old_inode = first.stat().st_ino
    with AtomicWriter() as writer:
        writer.write(str(first), b"new 0\n")
        writer.write(str(second), b"new 1\n")
    assert second.stat().st_ino == old_inode  # recycled: no new inode was created
    assert second.read_bytes() == b"new 1\n"
    assert first.read_bytes() == b"new 0\n"


def test_a_reader_holding_the_old_file_keeps_reading_the_old_bytes(tmp_path):
    """The replaced inode is reused only when no other process has it open."""
    first, second = _files(tmp_path, 2)
    code_ = "import sys, time; f = open(sys.argv[1], 'rb'); print('open', flush=True); time.sleep(60)"
    reader = subprocess.Popen([sys.executable, "-c", code_, str(first)], stdout=subprocess.PIPE)
    try:
        assert reader.stdout is not None and reader.stdout.readline() == b"open\n"
        held = os.open(first, os.O_RDONLY)  # the same inode, to look at afterwards
        with AtomicWriter() as writer:
            writer.write(str(first), b"new 0\n")
            writer.write(str(second), b"new 1\n")
        assert os.pread(held, 100, 0) == b"old 0\n"
        os.close(held)
    finally:
        reader.kill()
        reader.wait()
        reader.stdout.close()
    assert (first.read_bytes(), second.read_bytes()) == (b"new 0\n", b"new 1\n")
    assert _listing(tmp_path) == ["nb0.ipynb", "nb1.ipynb"]


def test_a_mapped_old_file_keeps_its_bytes(tmp_path):
    first, second = _files(tmp_path, 2)
    with open(first, "rb") as f:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    try:  # the file object is closed; only the mapping holds the old inode
        with AtomicWriter() as writer:
            writer.write(str(first), b"new 0\n")
            writer.write(str(second), b"new 1\n")
        assert mapped[:] == b"old 0\n"
    finally:
        mapped.close()


def test_a_hard_linked_file_is_replaced_and_its_other_name_keeps_the_old_bytes(tmp_path):
    first, second = _files(tmp_path, 2)
    other = tmp_path / "other-name"
    os.link(first, other)
    with AtomicWriter() as writer:
        writer.write(str(first), b"new 0\n")
        writer.write(str(second), b"new 1\n")
    assert other.read_bytes() == b"old 0\n"
    assert (first.read_bytes(), second.read_bytes()) == (b"new 0\n", b"new 1\n")


def test_files_in_several_folders_and_the_same_file_twice(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = _files(tmp_path / "a", 2)
    b = _files(tmp_path / "b", 2)
    with AtomicWriter() as writer:
        for round_ in ("x", "y"):
            for path in (*a, *b, a[0]):
                writer.write(str(path), f"{round_} {path.name}\n".encode())
    for path in (*a, *b):
        assert path.read_bytes() == f"y {path.name}\n".encode()
    assert _listing(tmp_path / "a") == ["nb0.ipynb", "nb1.ipynb"]
    assert _listing(tmp_path / "b") == ["nb0.ipynb", "nb1.ipynb"]


def test_a_failed_rename_after_a_recycled_write_leaves_originals_and_no_temp_file(tmp_path, monkeypatch):
    first, second = _files(tmp_path, 2)
    real_replace = os.replace
    calls = []

    def fail_second(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_second)
    with AtomicWriter() as writer:
        writer.write(str(first), b"new 0\n")
        with pytest.raises(NotebookError, match="^cannot write: No space left on device$"):
            writer.write(str(second), b"new 1\n")
    assert (first.read_bytes(), second.read_bytes()) == (b"new 0\n", b"old 1\n")
    assert _listing(tmp_path) == ["nb0.ipynb", "nb1.ipynb"]


def test_a_single_write_keeps_no_spare(tmp_path, monkeypatch):
    (target,) = _files(tmp_path, 1)
    links: list[str] = []
    monkeypatch.setattr(os, "link", lambda *args, **kwargs: links.append(str(args[1])))
    write.write_atomic(str(target), b"new\n")
    assert links == []
    assert target.read_bytes() == b"new\n"


_KILLED_AT_SECOND_RENAME = textwrap.dedent(
    """
    import os, signal, sys
    real_replace, calls = os.replace, []
    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        real_replace(src, dst)
    os.replace = replace
    from nbguard.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="no SIGKILL on this system")
def test_killed_in_a_batch_the_next_run_removes_the_temp_file_and_the_spare(tmp_path):
    dirty = make_nb(code("x = 1", count=1, outputs=[stream("1\n")]))
    for name in ("a", "b", "c"):
        write_nb(tmp_path / f"{name}.ipynb", dirty)
    before = (tmp_path / "b.ipynb").read_bytes()
    proc = subprocess.run(
        [sys.executable, "-c", _KILLED_AT_SECOND_RENAME, "strip", "--isolated", "-j", "1", "."],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL
    assert (tmp_path / "b.ipynb").read_bytes() == before  # the original is intact
    leftovers = [name for name in _listing(tmp_path) if name.endswith(".nbguard")]
    assert leftovers, "the kill came after the temporary file was written"
    assert all(write.TEMP_NAME.fullmatch(name) for name in leftovers)

    assert cli.main(["strip", "--isolated", str(tmp_path / "c.ipynb")]) == 0
    assert _listing(tmp_path) == ["a.ipynb", "b.ipynb", "c.ipynb"]
    assert cli.main(["strip", "--check", "--isolated", str(tmp_path)]) == 1  # b is still dirty


@pytest.mark.skipif(not LINUX, reason="recycling needs Linux leases")
def test_the_spare_of_a_bare_relative_name_stays_in_its_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _files(tmp_path, 2)
    with AtomicWriter() as writer:
        writer.write("nb0.ipynb", b"new 0\n")
        # Between writes the replaced file waits, hidden, beside the notebooks.
        assert _listing(tmp_path) == [f".nb0.ipynb.{os.getpid()}.spare.nbguard", "nb0.ipynb", "nb1.ipynb"]
        writer.write("nb1.ipynb", b"new 1\n")
    assert _listing(tmp_path) == ["nb0.ipynb", "nb1.ipynb"]
