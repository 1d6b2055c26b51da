"""write_file: every write replaces the file atomically with a new inode that keeps the old
one's mode, owner, group and extended attributes, and never writes through a symlink
that leaves the repository."""

from __future__ import annotations

import errno
import mmap
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nbfactory import code, dumps, make_nb, stream, write_nb
from nbguard import cli
from nbguard.notebook import NotebookError, write

DIRTY_NB = make_nb(code("x = 1", count=1, outputs=[stream("1\n")]))
CLEAN = dumps(make_nb(code("x = 1"))).encode()
# The writing commands, as the hooks and users run them.
WRITING = {"strip": ["strip", "--isolated"], "check-fix": ["check", "--fix", "--isolated"]}
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _files(folder: Path, count: int) -> list[Path]:
    paths = []
    for i in range(count):
        path = folder / f"nb{i}.ipynb"
        path.write_bytes(f"old {i}\n".encode())
        paths.append(path)
    return paths


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _git_init(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(folder)], check=True, capture_output=True)
    return folder


# --- the writer itself --------------------------------------------------------------


def test_every_file_is_written_with_its_mode_and_nothing_is_left_behind(tmp_path):
    paths = _files(tmp_path, 5)
    os.chmod(paths[2], 0o600)
    for i, path in enumerate(paths):
        write.write_file(str(path), f"new {i}\n".encode(), root=str(tmp_path))
    assert [p.read_bytes() for p in paths] == [f"new {i}\n".encode() for i in range(5)]
    assert stat.S_IMODE(paths[2].stat().st_mode) == 0o600
    assert stat.S_IMODE(paths[1].stat().st_mode) == stat.S_IMODE(paths[0].stat().st_mode)
    assert _listing(tmp_path) == [p.name for p in paths]


def test_a_bare_relative_name_is_written_in_its_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _files(tmp_path, 2)
    write.write_file("nb0.ipynb", b"new 0\n", root=".")
    assert (tmp_path / "nb0.ipynb").read_bytes() == b"new 0\n"
    assert _listing(tmp_path) == ["nb0.ipynb", "nb1.ipynb"]


def test_a_reader_holding_the_old_file_keeps_reading_the_old_bytes(tmp_path):
    first, second = _files(tmp_path, 2)
    code_ = "import sys, time; f = open(sys.argv[1], 'rb'); print('open', flush=True); time.sleep(60)"
    reader = subprocess.Popen([sys.executable, "-c", code_, str(first)], stdout=subprocess.PIPE)
    try:
        assert reader.stdout is not None
        assert reader.stdout.readline() == b"open\n"
        held = os.open(first, os.O_RDONLY)  # the same inode, to look at afterwards
        write.write_file(str(first), b"new 0\n", root=str(tmp_path))
        write.write_file(str(second), b"new 1\n", root=str(tmp_path))
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
        write.write_file(str(first), b"new 0\n", root=str(tmp_path))
        write.write_file(str(second), b"new 1\n", root=str(tmp_path))
        assert mapped[:] == b"old 0\n"
    finally:
        mapped.close()


def test_a_hard_linked_file_is_replaced_and_its_other_name_keeps_the_old_bytes(tmp_path):
    first, second = _files(tmp_path, 2)
    other = tmp_path / "other-name"
    os.link(first, other)
    write.write_file(str(first), b"new 0\n", root=str(tmp_path))
    write.write_file(str(second), b"new 1\n", root=str(tmp_path))
    assert other.read_bytes() == b"old 0\n"
    assert (first.read_bytes(), second.read_bytes()) == (b"new 0\n", b"new 1\n")


def test_files_in_several_folders_and_the_same_file_twice(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = _files(tmp_path / "a", 2)
    b = _files(tmp_path / "b", 2)
    for round_ in ("x", "y"):
        for path in (*a, *b, a[0]):
            write.write_file(str(path), f"{round_} {path.name}\n".encode(), root=str(tmp_path))
    for path in (*a, *b):
        assert path.read_bytes() == f"y {path.name}\n".encode()
    assert _listing(tmp_path / "a") == ["nb0.ipynb", "nb1.ipynb"]
    assert _listing(tmp_path / "b") == ["nb0.ipynb", "nb1.ipynb"]


def test_a_failed_rename_leaves_the_original_and_no_temp_file(tmp_path, monkeypatch):
    first, second = _files(tmp_path, 2)
    real_replace = os.replace
    calls = []

    def fail_second(src: str, dst: str, **kwargs: int) -> None:
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", fail_second)
    write.write_file(str(first), b"new 0\n", root=None)
    with pytest.raises(NotebookError, match="^cannot write: No space left on device$"):
        write.write_file(str(second), b"new 1\n", root=None)
    assert (first.read_bytes(), second.read_bytes()) == (b"new 0\n", b"old 1\n")
    assert _listing(tmp_path) == ["nb0.ipynb", "nb1.ipynb"]


@pytest.mark.skipif(not hasattr(os, "O_TMPFILE"), reason="no O_TMPFILE on this system")
def test_the_temp_file_has_no_name_until_just_before_the_rename(tmp_path, monkeypatch):
    """With O_TMPFILE a kill while the bytes, owner, mode or xattrs are written leaves nothing to clean up."""
    (target,) = _files(tmp_path, 1)
    listings: list[list[str]] = []
    real_copy = write._copy_xattrs

    def spy(source: str, fd: int) -> None:  # the last step before the file is linked
        listings.append(_listing(tmp_path))
        real_copy(source, fd)

    monkeypatch.setattr(write, "_copy_xattrs", spy)
    write.write_file(str(target), b"new\n", root=str(tmp_path))
    assert listings == [["nb0.ipynb"]]
    assert target.read_bytes() == b"new\n"


_KILLED_AT_SECOND_RENAME = textwrap.dedent(
    """
    import os, signal, sys
    real_replace, calls = os.replace, []
    def replace(src, dst, **kwargs):
        calls.append(dst)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        real_replace(src, dst, **kwargs)
    os.replace = replace
    from nbguard.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="no SIGKILL on this system")
def test_killed_in_a_batch_the_next_run_removes_the_temp_file(tmp_path):
    for name in ("a", "b", "c"):
        write_nb(tmp_path / f"{name}.ipynb", DIRTY_NB)
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


# --- what the new file keeps, through the commands ------------------------------------


def _user_xattrs_work(folder: Path) -> bool:
    probe = folder / "probe"
    probe.write_bytes(b"")
    try:
        os.setxattr(probe, "user.nbguard-probe", b"1")
    except OSError:
        return False
    finally:
        probe.unlink()
    return True


@pytest.mark.skipif(not hasattr(os, "setxattr"), reason="no extended attributes on this system")
@pytest.mark.parametrize("command", WRITING)
def test_extended_attributes_stay_with_their_own_notebook(command, tmp_path, monkeypatch, capsys):
    """Each notebook of one run keeps its own xattrs: none lost, none moved to another."""
    if not _user_xattrs_work(tmp_path):
        pytest.skip(f"the filesystem of {tmp_path} refuses user xattrs")
    monkeypatch.chdir(tmp_path)
    names = ["a.ipynb", "b.ipynb", "c.ipynb"]
    for name in names:
        write_nb(tmp_path / name, DIRTY_NB)
        os.setxattr(name, "user.origin", name.encode())
    os.setxattr("b.ipynb", "user.only-b", b"yes")

    assert cli.main([*WRITING[command], "-j", "1", *names]) == 0

    for name in names:
        assert (tmp_path / name).read_bytes() == CLEAN
        assert os.getxattr(name, "user.origin") == name.encode()
    assert sorted(os.listxattr("b.ipynb")) == ["user.only-b", "user.origin"]
    assert os.listxattr("a.ipynb") == os.listxattr("c.ipynb") == ["user.origin"]
    assert _listing(tmp_path) == names


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664, 0o755, 0o2775], ids=oct)
@pytest.mark.parametrize("command", WRITING)
def test_the_mode_is_kept(command, mode, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_nb(tmp_path / "a.ipynb", DIRTY_NB)
    os.chmod("a.ipynb", mode)
    assert cli.main([*WRITING[command], "a.ipynb"]) == 0
    assert (tmp_path / "a.ipynb").read_bytes() == CLEAN
    assert stat.S_IMODE(os.stat("a.ipynb").st_mode) == mode


@pytest.mark.skipif(not IS_ROOT, reason="only root can give a file to another user")
@pytest.mark.parametrize(("uid", "gid"), [(1234, 1234), (0, 1234), (1234, 0)])
@pytest.mark.parametrize("command", WRITING)
def test_owner_and_group_are_kept_when_run_as_root(command, uid, gid, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_nb(tmp_path / "a.ipynb", DIRTY_NB)
    os.chmod("a.ipynb", 0o2664)  # chown clears set-group-ID; the writer must set it back
    os.chown("a.ipynb", uid, gid)
    assert cli.main([*WRITING[command], "a.ipynb"]) == 0
    st = os.stat("a.ipynb")
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (uid, gid, 0o2664)
    assert (tmp_path / "a.ipynb").read_bytes() == CLEAN


# --- symlinks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layout", "argv"),
    [
        pytest.param("file-link", ["link.ipynb"], id="a-link-named"),
        pytest.param("file-link", ["."], id="a-link-found-in-the-repository"),
        pytest.param("folder-link", ["linked/x.ipynb"], id="a-file-under-a-linked-folder"),
        pytest.param("file-link-no-repo", ["link.ipynb"], id="a-link-outside-any-repository"),
    ],
)
@pytest.mark.parametrize("command", WRITING)
def test_a_symlink_out_of_the_repository_is_not_written_through(
    command, layout, argv, tmp_path, monkeypatch, capsys
):
    (tmp_path / "elsewhere").mkdir()
    outside = write_nb(tmp_path / "elsewhere" / "x.ipynb", DIRTY_NB)
    before = outside.read_bytes()
    repo = tmp_path / "repo"
    if layout == "file-link-no-repo":
        repo.mkdir()
    else:
        _git_init(repo)
    write_nb(repo / "good.ipynb", DIRTY_NB)
    if layout == "folder-link":
        (repo / "linked").symlink_to(outside.parent)
        name = "linked/x.ipynb"
    else:
        (repo / "link.ipynb").symlink_to(outside)
        name = "link.ipynb"
    if layout != "file-link-no-repo":
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True, capture_output=True)
    monkeypatch.chdir(repo)
    capsys.readouterr()

    code_ = cli.main([*WRITING[command], *argv, "good.ipynb"])

    out = capsys.readouterr().out
    real = os.path.realpath(outside)
    lines = [line for line in out.splitlines() if line.startswith(f"{name}:")]
    assert lines == [f"{name}: NBG001 is a link to {real}, outside the repository; not written"]
    assert code_ == 1
    assert outside.read_bytes() == before
    assert (repo / name).is_symlink() or (repo / "linked").is_symlink()
    assert (repo / "good.ipynb").read_bytes() == CLEAN  # the other file is still processed


@pytest.mark.parametrize("command", WRITING)
def test_a_symlink_inside_the_repository_is_stripped_through(command, tmp_path, monkeypatch, capsys):
    repo = _git_init(tmp_path / "repo")
    (repo / "notebooks").mkdir()
    target = write_nb(repo / "notebooks" / "real.ipynb", DIRTY_NB)
    os.chmod(target, 0o640)
    (repo / "link.ipynb").symlink_to("notebooks/real.ipynb")
    monkeypatch.chdir(repo)
    assert cli.main([*WRITING[command], "link.ipynb"]) == 0
    assert (repo / "link.ipynb").is_symlink()
    assert os.readlink(repo / "link.ipynb") == "notebooks/real.ipynb"
    assert target.read_bytes() == CLEAN
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert _listing(repo / "notebooks") == ["real.ipynb"]


def test_write_file_refuses_a_target_outside_root_and_allows_any_without_one(tmp_path):
    outside = tmp_path / "outside.ipynb"
    outside.write_bytes(b"old")
    (tmp_path / "repo").mkdir()
    link = tmp_path / "repo" / "link.ipynb"
    link.symlink_to(outside)
    with pytest.raises(
        NotebookError, match="^is a link to .*outside.ipynb, outside the repository; not written$"
    ):
        write.write_file(str(link), b"new", root=str(tmp_path / "repo"))
    assert outside.read_bytes() == b"old"
    write.write_file(str(link), b"new", root=None)
    assert outside.read_bytes() == b"new"
    assert link.is_symlink()
