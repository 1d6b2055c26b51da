"""Writes that fail: the original notebook is intact and no temporary file is left behind.

A failure nbguard sees (disk full, permission denied) is handled in process: the
temporary file is removed and the file is reported. A process killed between
writing the temporary file and renaming it cannot clean up after itself, so the
next run that writes into the same folder removes what a dead nbguard left
(``.NAME.PID.RANDOM.nbguard`` whose process PID is gone).
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from nbfactory import code, dumps, make_nb, stream, write_nb
from nbguard import cli
from nbguard.notebook import write

if TYPE_CHECKING:
    from typing_extensions import Self

DIRTY_NB = make_nb(code("x = 1", count=1, outputs=[stream("1\n")]))
CLEAN = dumps(make_nb(code("x = 1")))
WRITING_COMMANDS = {"strip": ["strip"], "check-fix": ["check", "--fix"]}


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _fail_with(number: int, where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make one step of the write fail as the operating system would."""

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(number, os.strerror(number))

    if where == "rename":
        monkeypatch.setattr(os, "replace", fail)
    elif where == "create":  # the anonymous (O_TMPFILE) file and the named one alike
        monkeypatch.setattr(write, "_anonymous_file", fail)
        monkeypatch.setattr(tempfile, "mkstemp", fail)
    else:  # the data itself: fdopen gives a file whose write fails
        real_fdopen = os.fdopen

        class FailingFile:
            def __init__(self, fd: int, *args: object, **kwargs: object) -> None:
                self.file = real_fdopen(fd, "wb", closefd=False)

            def __enter__(self) -> Self:
                return self

            def __exit__(self, *exc: object) -> None:
                self.file.close()

            def write(self, data: bytes) -> int:
                self.file.write(data[: len(data) // 2])  # part of it reached the disk
                fail()
                return 0

        monkeypatch.setattr(os, "fdopen", FailingFile)


@pytest.mark.parametrize("command", WRITING_COMMANDS)
@pytest.mark.parametrize(
    ("number", "where"),
    [
        pytest.param(errno.ENOSPC, "write", id="disk-full-while-writing"),
        pytest.param(errno.ENOSPC, "create", id="disk-full-creating-the-temp-file"),
        pytest.param(errno.EACCES, "create", id="permission-denied-creating-the-temp-file"),
        pytest.param(errno.EACCES, "rename", id="permission-denied-renaming"),
        pytest.param(errno.EIO, "rename", id="io-error-renaming"),
    ],
)
def test_a_failing_write_leaves_the_original_and_no_temp_file(
    command, number, where, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    write_nb(tmp_path / "a.ipynb", DIRTY_NB)
    write_nb(tmp_path / "b.ipynb", DIRTY_NB)
    before = (tmp_path / "a.ipynb").read_bytes()
    mtime = (tmp_path / "a.ipynb").stat().st_mtime_ns
    _fail_with(number, where, monkeypatch)

    code_ = cli.main([*WRITING_COMMANDS[command], "--isolated", "a.ipynb", "b.ipynb"])

    out, err = capsys.readouterr()
    assert code_ == 1
    reason = os.strerror(number)
    # Each file is reported on one line, and the run went on to the second one.
    assert out.splitlines()[:2] == [
        f"a.ipynb: NBG001 cannot write: {reason}",
        f"b.ipynb: NBG001 cannot write: {reason}",
    ]
    assert "Traceback" not in out + err
    assert (tmp_path / "a.ipynb").read_bytes() == before
    assert (tmp_path / "a.ipynb").stat().st_mtime_ns == mtime
    assert _listing(tmp_path) == ["a.ipynb", "b.ipynb"]


def test_an_interrupt_during_the_write_leaves_the_original_and_no_temp_file(tmp_path, monkeypatch):
    target = write_nb(tmp_path / "a.ipynb", DIRTY_NB)
    before = target.read_bytes()

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    assert cli.main(["strip", "--isolated", str(target)]) == 130
    assert target.read_bytes() == before
    assert _listing(tmp_path) == ["a.ipynb"]


# A child nbguard that dies by SIGKILL at the worst moment: its temporary file is
# complete, the rename has not happened.
_KILLED_BEFORE_RENAME = textwrap.dedent(
    """
    import os, signal, sys
    os.replace = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
    from nbguard.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def _killed_run(args: list[str], cwd: Path) -> tuple[int, int]:
    """The exit status and process id of a run killed before its rename."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_BEFORE_RENAME, *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc.wait(), proc.pid


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="no SIGKILL on this system")
@pytest.mark.parametrize("command", WRITING_COMMANDS)
def test_killed_between_temp_file_and_rename_the_next_run_removes_the_temp_file(command, tmp_path):
    write_nb(tmp_path / "a.ipynb", DIRTY_NB)
    write_nb(tmp_path / "other.ipynb", DIRTY_NB)
    before = (tmp_path / "a.ipynb").read_bytes()

    status, pid = _killed_run([*WRITING_COMMANDS[command], "--isolated", "a.ipynb"], tmp_path)

    assert status == -signal.SIGKILL
    assert (tmp_path / "a.ipynb").read_bytes() == before  # the original is intact
    leftovers = [name for name in _listing(tmp_path) if name.endswith(".nbguard")]
    assert len(leftovers) == 1
    assert leftovers[0].startswith(f".a.ipynb.{pid}.")
    assert (tmp_path / leftovers[0]).read_text(encoding="utf-8") == CLEAN  # killed just before the rename

    # The next run that writes into that folder, on any notebook there, removes it.
    rerun = subprocess.run(
        [sys.executable, "-m", "nbguard", *WRITING_COMMANDS[command], "--isolated", "other.ipynb"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert _listing(tmp_path) == ["a.ipynb", "other.ipynb"]
    assert (tmp_path / "a.ipynb").read_bytes() == before
    assert (tmp_path / "other.ipynb").read_text(encoding="utf-8") == CLEAN


def test_temp_files_of_live_processes_and_look_alikes_are_kept(tmp_path, monkeypatch):
    """Only a dead nbguard's own files go: never one a running nbguard is writing, never a user's file."""
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
        )
        dead_pid = int(dead.stdout)
        names = {
            f".a.ipynb.{dead_pid}.k2j_x9zq.nbguard": False,  # a dead process's: removed
            f".a.ipynb.{sleeper.pid}.ab12cd34.nbguard": True,  # a live process's: kept
            f".a.ipynb.{os.getpid()}.ab12cd34.nbguard": True,  # this process's own
            "notes.nbguard": True,  # not a name nbguard makes
            f"a.ipynb.{dead_pid}.k2j_x9zq.nbguard": True,  # not hidden: not nbguard's
            f".a.ipynb.{dead_pid}.k2j_x9zq.nbguard.bak": True,
        }
        for name in names:
            (tmp_path / name).write_text("x")
        write_nb(tmp_path / "a.ipynb", DIRTY_NB)
        write.remove_stale_temp_files([str(tmp_path / "a.ipynb")])
        assert _listing(tmp_path) == sorted(["a.ipynb", *(name for name, kept in names.items() if kept)])
    finally:
        sleeper.kill()
        sleeper.wait()


def test_the_temp_file_is_named_for_its_notebook_and_process(tmp_path, monkeypatch):
    target = write_nb(tmp_path / "a.ipynb", DIRTY_NB)
    seen: list[str] = []
    real_replace = os.replace

    def spy(src: str, dst: str, **kwargs: int) -> None:
        seen.append(os.path.basename(src))
        real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", spy)
    write.write_file(str(target), CLEAN.encode(), root=str(tmp_path))
    assert len(seen) == 1
    assert seen[0].startswith(f".a.ipynb.{os.getpid()}.")
    assert seen[0].endswith(".nbguard")
    assert write.TEMP_NAME.fullmatch(seen[0])


def test_read_only_runs_never_remove_anything(tmp_path):
    """strip --check and the checks write nothing, so they delete nothing either."""
    write_nb(tmp_path / "a.ipynb", DIRTY_NB)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    leftover = tmp_path / f".a.ipynb.{int(dead.stdout)}.k2j_x9zq.nbguard"
    leftover.write_text("x")
    for args in (["strip", "--check"], ["order"], ["check"]):
        cli.main([*args, "--isolated", str(tmp_path / "a.ipynb")])
    assert leftover.exists()


# --- killed at random moments in a large batch -----------------------------------------

BATCH = 80
BIG_DIRTY = dumps(
    make_nb(*(code(f"x = {i}", count=i, outputs=[stream("y" * 2000 + "\n")]) for i in range(20)))
)
BIG_CLEAN = dumps(make_nb(*(code(f"x = {i}") for i in range(20))))


def _dirty_batch(folder: Path) -> list[str]:
    names = [f"nb{i:03}.ipynb" for i in range(BATCH)]
    for name in names:
        (folder / name).write_text(BIG_DIRTY, encoding="utf-8")
    return names


def _started(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    # Its own process group, so that a kill reaches the worker processes too (as a power cut would).
    return subprocess.Popen(
        [sys.executable, "-m", "nbguard", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="no SIGKILL on this system")
@pytest.mark.parametrize(("sig", "tries"), [("SIGKILL", 20), ("SIGTERM", 8)])
def test_killed_at_random_moments_every_notebook_is_old_or_new_and_nothing_stays(sig, tries, tmp_path):
    """Killed anywhere in a batch, each notebook holds its old bytes or its new ones. After
    SIGKILL the next writing run removes what is left; after SIGTERM nothing is left at all."""
    import random

    names = _dirty_batch(tmp_path)
    started = time.monotonic()
    assert _started(["strip", "--isolated", "-j", "1", "."], tmp_path).wait() == 0
    duration = time.monotonic() - started
    assert all((tmp_path / name).read_text(encoding="utf-8") == BIG_CLEAN for name in names)
    rng = random.Random(tries)
    mid_batch = 0
    for attempt in range(tries):
        _dirty_batch(tmp_path)
        proc = _started(["strip", "--isolated", "-j", "1", "."], tmp_path)
        if attempt % 2:
            time.sleep(rng.uniform(0.1, 1.0) * duration)  # anywhere, start-up included
        else:
            # Once the first notebook is written, so that kills land inside the batch
            # however long start-up takes on a loaded machine.
            first = tmp_path / names[0]
            while proc.poll() is None and first.read_text(encoding="utf-8") == BIG_DIRTY:
                time.sleep(0.001)
            time.sleep(rng.uniform(0, 0.03))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, getattr(signal, sig))
        proc.wait()
        # One process (-j 1): worker processes, orphaned by the kill, are reaped late here.
        with contextlib.suppress(ProcessLookupError):
            while os.killpg(proc.pid, 0) is None:
                time.sleep(0.01)
        contents = {(tmp_path / name).read_text(encoding="utf-8") for name in names}
        assert contents <= {BIG_DIRTY, BIG_CLEAN}, f"attempt {attempt}"
        mid_batch += len(contents) == 2
        strays = [name for name in _listing(tmp_path) if name not in names]
        assert all(write.TEMP_NAME.fullmatch(name) for name in strays), strays
        if sig == "SIGTERM":
            assert strays == [], f"attempt {attempt}"
        assert cli.main(["strip", "--isolated", "-j", "1", str(tmp_path / names[0])]) == 0
        assert _listing(tmp_path) == names, f"attempt {attempt}"
    assert mid_batch, "no kill landed between the first write and the last"
