"""Replace files atomically, and clean up after a run that was killed mid-write.

:func:`write_file` guarantees, for the file it replaces:

- a reader sees the old bytes or the new ones, never a mix: the new bytes go,
  whole, to a temporary file in the target's own folder, which then replaces the
  target with ``os.replace``. The file is not fsynced, as nbstripout, black and
  ruff do not: an fsync per notebook doubled the time to strip a whole
  repository (bench/bench_strip.py), and ext4 (``auto_da_alloc``) and btrfs
  write a file's data before a rename that replaces another file commits, so a
  power cut leaves the old notebook or the new one there too;
- on failure (disk full, permission denied, Ctrl-C, SIGTERM) the file is
  unchanged and nothing is left behind;
- killed outright (SIGKILL, a power cut), nothing is left behind either where
  Linux offers ``O_TMPFILE``: the temporary file has no name until it is linked
  just before the rename, so only a kill between those two system calls leaves
  one. Elsewhere the temporary file is named from the start. Such a leftover,
  ``.NAME.PID.RANDOM.nbguard``, is removed by the next writing run
  (:func:`remove_stale_temp_files`);
- the new file keeps the old one's mode, owner and group (where the process may
  set them: as root, or a group the user is in) and its extended attributes
  (POSIX ACLs included, where the filesystem and the process allow);
- a symlink stays a symlink and its target is replaced, unless the target lies
  outside ``root`` (the repository): then nothing is written.

Other processes that have the old file open keep reading its old bytes, and a
hard link to it keeps them too: a new inode is made for every write.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import stat
import time
from collections.abc import Iterable, Iterator

from nbguard.notebook.document import NotebookError

# ``.NAME.PID.RANDOM.nbguard``: a temporary file an nbguard process PID made beside NAME.
TEMP_NAME = re.compile(r"\..+\.([0-9]+)\.[a-z0-9_]+\.nbguard")
STALE_AFTER_SECONDS = 3600  # where a process cannot be probed (Windows)

_O_TMPFILE = getattr(os, "O_TMPFILE", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# Errors that say a filesystem (or kernel) has no O_TMPFILE: a named file is used instead.
_NO_TMPFILE = frozenset({errno.EOPNOTSUPP, errno.ENOTSUP, errno.EISDIR, errno.EINVAL})
# Extended attributes a filesystem or the process's privileges do not allow are skipped.
_XATTR_SKIPPED = frozenset({errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM, errno.EACCES, errno.ENODATA})
# Held (not lost) while a temporary name exists, so Ctrl-C or SIGTERM cannot strand it.
_HELD_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


def write_file(path: str, data: bytes, *, root: str | None) -> None:
    """Replace the file at ``path`` (or a symlink's target) with ``data``; see the module docstring.

    ``root`` is the folder the real target must lie in (the repository); None
    allows any target. Raises NotebookError with a one-line reason; the file is
    then unchanged and no temporary file is left.
    """
    target = os.path.realpath(path)
    if root is not None and not _inside(target, os.path.realpath(root)):
        raise NotebookError(f"is a link to {target}, outside the repository; not written")
    try:
        st = os.stat(target)
    except OSError as exc:
        raise NotebookError(f"cannot write: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise NotebookError("not a regular file; not written")
    if not st.st_mode & stat.S_IWUSR:
        raise NotebookError("file is read-only; left unchanged")
    folder, name = os.path.split(target)
    prefix = f".{name}.{os.getpid()}."
    try:
        if not (_O_TMPFILE and _write_anonymous(folder, prefix, name, data, target, st)):
            _write_named(folder, prefix, data, target, st)
    except OSError as exc:
        raise NotebookError(f"cannot write: {exc.strerror or exc}") from None


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def _write_anonymous(  # noqa: PLR0913, PLR0917 - the writer's state, passed flat
    folder: str, prefix: str, name: str, data: bytes, target: str, st: os.stat_result
) -> bool:
    """Write through an O_TMPFILE file; False where the filesystem cannot make one."""
    dir_fd = os.open(folder, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
    try:
        fd = _anonymous_file(dir_fd)
        if fd is None:
            return False
        temp = None
        try:
            _fill(fd, data, target, st)
            with _signals_held():  # the name lives for two system calls, which a signal must not split
                temp = _link(fd, prefix, dir_fd)
                if temp is None:
                    return False
                os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
                temp = None
        finally:
            os.close(fd)
            if temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp, dir_fd=dir_fd)
        return True
    finally:
        os.close(dir_fd)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Delay SIGINT and SIGTERM (their handlers run on leaving) where the system can."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _anonymous_file(dir_fd: int) -> int | None:
    """A new file without a name in the folder ``dir_fd``; None where O_TMPFILE is not offered."""
    try:
        return os.open(".", _O_TMPFILE | os.O_WRONLY | _O_CLOEXEC, 0o600, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in _NO_TMPFILE:
            return None
        raise


def _link(fd: int, prefix: str, dir_fd: int) -> str | None:
    """Give the anonymous file ``fd`` a temporary name in ``dir_fd``; None without /proc."""
    for _ in range(100):
        temp = f"{prefix}{os.urandom(4).hex()}.nbguard"
        try:
            # linkat with AT_SYMLINK_FOLLOW (what a dst_dir_fd gets from os.link) on the
            # /proc entry is how an O_TMPFILE file is linked without privileges.
            os.link(f"/proc/self/fd/{fd}", temp, dst_dir_fd=dir_fd)
        except FileExistsError:
            continue
        except FileNotFoundError:
            if os.path.isdir("/proc/self/fd"):
                raise
            return None
        return temp
    raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST))


def _write_named(folder: str, prefix: str, data: bytes, target: str, st: os.stat_result) -> None:
    import tempfile  # only where O_TMPFILE is missing

    fd, temp = tempfile.mkstemp(prefix=prefix, suffix=".nbguard", dir=folder)
    done = False
    try:
        try:
            _fill(fd, data, target, st)
        finally:
            os.close(fd)  # before the rename, which Windows refuses on an open file
        if not hasattr(os, "fchmod"):
            os.chmod(temp, stat.S_IMODE(st.st_mode))
        os.replace(temp, target)
        done = True
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def _fill(fd: int, data: bytes, target: str, st: os.stat_result) -> None:
    """Write ``data`` to ``fd`` whole, with the old file's owner, mode and xattrs."""
    with os.fdopen(fd, "wb", closefd=False) as f:
        f.write(data)
    if hasattr(os, "fchown") and (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
        # As root both are kept; a user may still give the file a group they are in.
        for uid in (st.st_uid, -1):
            with contextlib.suppress(PermissionError):
                os.fchown(fd, uid, st.st_gid)
                break
    if hasattr(os, "fchmod"):  # after chown, which clears the set-user-ID and set-group-ID bits
        os.fchmod(fd, stat.S_IMODE(st.st_mode))
    _copy_xattrs(target, fd)


def _copy_xattrs(source: str, fd: int) -> None:
    """Extended attributes (POSIX ACLs are ``system.posix_acl_*`` ones) from ``source`` to ``fd``."""
    if not hasattr(os, "listxattr"):
        return
    try:
        names = os.listxattr(source)
    except OSError as exc:
        if exc.errno in _XATTR_SKIPPED:
            return
        raise
    for attr in names:
        try:
            os.setxattr(fd, attr, os.getxattr(source, attr))
        except OSError as exc:
            # e.g. security.selinux without privilege, or trusted.* as a user
            if exc.errno not in _XATTR_SKIPPED:
                raise


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
    before their rename.

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
