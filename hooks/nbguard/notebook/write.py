"""Replace files atomically, and clean up after a run that was killed mid-write.

New bytes go to a temporary file in the file's own folder, which then replaces
the file with ``os.replace``: a reader sees the old bytes or the new ones,
never a mix, and a failure leaves the original untouched.

Creating that temporary file is the slow step on some filesystems (on ext4 it
can cost 0.2-0.8 ms of kernel time per new inode, more than the rest of
stripping a notebook), so an :class:`AtomicWriter` used for many files
recycles: before each replace it keeps the file being replaced under a
temporary name (a hard link) and reuses that inode as the temporary file for
the next notebook in the same folder, once a write lease has shown that no
other process still has it open. Where links or leases are not available it
simply creates a new temporary file each time.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Iterable
from types import TracebackType

from nbguard.notebook.document import NotebookError

# ``.NAME.PID.RANDOM.nbguard``: a temporary file an nbguard process PID made beside NAME.
TEMP_NAME = re.compile(r"\..+\.([0-9]+)\.[a-z0-9_]+\.nbguard")
STALE_AFTER_SECONDS = 3600  # where a process cannot be probed (Windows)
_SPARE = "spare.nbguard"

try:
    import fcntl

    # F_SETLEASE is Linux's (1024); Python names it only from 3.11 on.
    _SETLEASE: int | None = getattr(fcntl, "F_SETLEASE", 1024 if sys.platform.startswith("linux") else None)
except ImportError:  # Windows
    _SETLEASE = None


def _open_elsewhere(fd: int) -> bool | None:
    """Whether another process has the file open; None where leases cannot tell.

    A write lease is granted only on a file nobody else has open (an mmap
    counts), so taking one and giving it back at once is an exact test.
    """
    if _SETLEASE is None:
        return None
    try:
        fcntl.fcntl(fd, _SETLEASE, fcntl.F_WRLCK)
    except OSError as exc:
        return True if exc.errno == errno.EAGAIN else None
    fcntl.fcntl(fd, _SETLEASE, fcntl.F_UNLCK)
    return False


class AtomicWriter:
    """Writes files atomically (see the module docstring); use it as a context manager,
    which removes the spare inode it may hold at the end.

    ``recycle=False`` (for a single file, where there is nothing to reuse it for)
    keeps no spare.
    """

    def __init__(self, *, recycle: bool = True) -> None:
        self._spare: str | None = None  # a temporary name for an inode nobody else links
        self._recycle = recycle and _SETLEASE is not None

    def __enter__(self) -> AtomicWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        spare, self._spare = self._spare, None
        if spare is not None:
            with contextlib.suppress(OSError):
                os.unlink(spare)

    def write(self, path: str, data: bytes) -> None:
        """Replace the file (or a symlink's target) with ``data``; permissions are kept.

        Raises NotebookError with a one-line reason; the file is then unchanged
        and no temporary file is left.
        """
        target = os.path.realpath(path) if os.path.islink(path) else path
        try:
            st = os.stat(target)
        except OSError as exc:
            raise NotebookError(f"cannot write: {exc.strerror or exc}") from None
        if not st.st_mode & stat.S_IWUSR:
            raise NotebookError("file is read-only; left unchanged")
        folder = os.path.dirname(target)
        prefix = f".{os.path.basename(target)}.{os.getpid()}."
        fd, tmp = self._reused_spare(folder, st) or self._new_temp(folder, prefix)
        spare = None
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                # A reused spare still holds its old bytes past the new end; writing over
                # them and cutting the rest frees fewer blocks than emptying it first.
                f.truncate()
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
            spare = self._keep_replaced(target, os.path.join(folder, prefix + _SPARE), st)
            os.replace(tmp, target)
        except BaseException as exc:
            for name in (tmp, spare):
                if name is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(name)
            if isinstance(exc, OSError):
                raise NotebookError(f"cannot write: {exc.strerror or exc}") from None
            raise
        self._spare = spare

    @staticmethod
    def _new_temp(folder: str, prefix: str) -> tuple[int, str]:
        try:
            return tempfile.mkstemp(prefix=prefix, suffix=".nbguard", dir=folder)
        except OSError as exc:
            raise NotebookError(f"cannot write: {exc.strerror or exc}") from None

    def _reused_spare(self, folder: str, st: os.stat_result) -> tuple[int, str] | None:
        """The spare inode, opened for this write to go over its old bytes, as the temporary
        file; None if it cannot serve (it is then removed)."""
        spare, self._spare = self._spare, None
        if spare is None:
            return None
        fd = None
        try:
            if os.path.dirname(spare) == folder:
                fd = os.open(spare, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
                own = os.fstat(fd)
                # Only our name links it, and it has the owner the file already has.
                if own.st_nlink == 1 and (own.st_uid, own.st_gid) == (st.st_uid, st.st_gid):
                    busy = _open_elsewhere(fd)
                    if busy is None:
                        self._recycle = False
                    elif not busy:
                        return fd, spare
        except OSError:
            pass
        if fd is not None:
            os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(spare)
        return None

    def _keep_replaced(self, target: str, name: str, st: os.stat_result) -> str | None:
        """A second name for the inode about to be replaced, for reuse; None if not kept.

        A file with other hard links is not kept: its inode stays in use under them.
        """
        if not self._recycle or st.st_nlink != 1:
            return None
        try:
            os.link(target, name, follow_symlinks=False)
        except OSError:
            return None
        return name


def writer_for(count: int) -> AtomicWriter:
    """The writer for a run of ``count`` files, written one after the other: a spare is
    worth keeping only when another file follows (a single write keeps none)."""
    return AtomicWriter(recycle=count > 1)


def write_atomic(path: str, data: bytes) -> None:
    """Replace one file atomically (see :class:`AtomicWriter`)."""
    with writer_for(1) as writer:
        writer.write(path, data)


def _temp_owner_gone(pid: int, path: str) -> bool:
    if pid == os.getpid():
        return False
    if os.name != "posix":  # os.kill(pid, 0) would terminate it on Windows
        return time.time() - os.lstat(path).st_mtime > STALE_AFTER_SECONDS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, and someone else's
        return False
    return False


def remove_stale_temp_files(paths: Iterable[str]) -> None:
    """Remove, beside each of ``paths``, the temporary files of nbguard processes that died
    before their rename (the new bytes, or a spare holding a replaced file's old bytes).

    Nothing can clean up inside a process killed by SIGKILL (or a power cut), so
    the next run that writes into the same folder does it: once per folder, since
    listing a large folder for every file written would cost more than the writing.
    Best effort: a failure here never stops a run.
    """
    # One abspath per folder as named, not per file (a large tree names thousands).
    named = {os.path.dirname(path) for path in paths}
    for folder in {os.path.abspath(name) for name in named}:
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            for entry in entries:
                match = TEMP_NAME.fullmatch(entry.name) if entry.name.endswith(".nbguard") else None
                if match and _temp_owner_gone(int(match.group(1)), entry.path):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
