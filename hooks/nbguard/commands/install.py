"""``nbguard install`` / ``nbguard uninstall``: nbguard as git's filter and diff driver.

Install writes the ``nbguard`` filter and diff driver to git config (through
``git config``) and ``*.ipynb filter=nbguard diff=nbguard`` to an attributes
file; uninstall removes exactly those keys and that line, nothing else. The
commands run the interpreter nbguard runs under, so a virtualenv or pipx
installation works without nbguard on PATH.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
from typing import NamedTuple

DRIVER = "nbguard"
ATTRIBUTES_LINE = f"*.ipynb filter={DRIVER} diff={DRIVER}"


class InstallError(Exception):
    """git is missing, refused a change, or there is no repository: exit 2."""


def config_values(python: str | None = None) -> dict[str, str]:
    """The git config install writes, for the given interpreter (default: this one)."""
    nbguard = f"{shlex.quote(python or sys.executable)} -m nbguard"
    return {
        f"filter.{DRIVER}.process": f"{nbguard} filter --process",
        f"filter.{DRIVER}.clean": f"{nbguard} filter --clean %f",  # git shell-quotes %f
        f"filter.{DRIVER}.smudge": "cat",
        f"filter.{DRIVER}.required": "true",
        f"diff.{DRIVER}.textconv": f"{nbguard} strip -t",
    }


def git(*args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=False)
    except OSError as exc:
        raise InstallError(f"cannot run git: {exc.strerror or exc}") from None


def git_ok(*args: str) -> str:
    """git's output, or InstallError with git's own message."""
    proc = git(*args)
    if proc.returncode != 0:
        message = proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"]
        raise InstallError(f"git {' '.join(args[:2])}: {message[-1]}")
    return proc.stdout


class Target(NamedTuple):
    """Where one installation lives: a git config scope and an attributes file."""

    scope: str  # "local", "global" or "system"
    attributes: str

    @property
    def flag(self) -> str:
        return f"--{self.scope}"


def _in_repository() -> bool:
    return git("rev-parse", "--git-dir").returncode == 0


def default_attributes(scope: str) -> str:
    """The attributes file git reads for a scope (gitattributes(5), FILES)."""
    if scope == "local":
        return os.path.abspath(git_ok("rev-parse", "--git-path", "info/attributes").strip())
    if scope == "global":
        configured = git("config", "--global", "--path", "--get", "core.attributesFile")
        if configured.returncode == 0 and configured.stdout.strip():
            return os.path.expanduser(configured.stdout.strip())
        xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
        return os.path.join(xdg, "git", "attributes")
    system = git("var", "GIT_ATTR_SYSTEM")  # git >= 2.42
    if system.returncode == 0 and system.stdout.strip():
        return system.stdout.strip()
    return "/etc/gitattributes"  # $(prefix)/etc/gitattributes for a git installed in /usr


def target_for(args: argparse.Namespace) -> Target:
    scope = "global" if args.global_ else "system" if args.system else "local"
    if scope == "local" and not _in_repository():
        raise InstallError("not inside a git repository (use --global or --system)")
    return Target(scope, args.attributes or default_attributes(scope))


# --- attributes file ------------------------------------------------------------


def _read_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
            return f.read().splitlines(keepends=True)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise InstallError(f"cannot read {path}: {exc.strerror or exc}") from None


def _write_lines(path: str, lines: list[str]) -> None:
    try:
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(path, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
            f.write("".join(lines))
    except OSError as exc:
        raise InstallError(f"cannot write {path}: {exc.strerror or exc}") from None


def has_attributes_line(path: str) -> bool:
    return any(line.strip() == ATTRIBUTES_LINE for line in _read_lines(path))


def add_attributes_line(path: str) -> bool:
    """Append the line unless it is there; True if the file changed."""
    lines = _read_lines(path)
    if any(line.strip() == ATTRIBUTES_LINE for line in lines):
        return False
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    _write_lines(path, [*lines, ATTRIBUTES_LINE + "\n"])
    return True


def remove_attributes_line(path: str) -> bool:
    """Remove the line; a file left empty is removed. True if the file changed."""
    lines = _read_lines(path)
    kept = [line for line in lines if line.strip() != ATTRIBUTES_LINE]
    if kept == lines:
        return False
    if kept:
        _write_lines(path, kept)
    else:
        os.remove(path)
    return True


# --- git config ----------------------------------------------------------------


def configured(flag: str | None) -> dict[str, tuple[str, str]]:
    """nbguard's keys set in git config (one scope, or all): key -> (value, origin)."""
    scope = [flag] if flag else []
    proc = git("config", *scope, "--show-origin", "--get-regexp", rf"^(filter|diff)\.{DRIVER}\.")
    found = {}
    for line in proc.stdout.splitlines():
        origin, _, rest = line.partition("\t")
        key, _, value = rest.partition(" ")
        found[key] = (value, origin.removeprefix("file:"))
    return found


def install(target: Target, python: str | None = None) -> list[str]:
    for key, value in config_values(python).items():
        git_ok("config", target.flag, "--replace-all", key, value)
    lines = [
        (
            f"git config {target.flag}: filter.{DRIVER} (process, clean, smudge, required), "
            f"diff.{DRIVER} (textconv)"
        )
    ]
    if add_attributes_line(target.attributes):
        lines.append(f"{target.attributes}: {ATTRIBUTES_LINE}")
    else:
        lines.append(f"{target.attributes}: {ATTRIBUTES_LINE} (already there)")
    return lines


def uninstall(target: Target) -> list[str]:
    removed = []
    present = configured(target.flag)
    for key in config_values():
        if key in present:
            git_ok("config", target.flag, "--unset-all", key)
            removed.append(key)
    # `git config --unset` leaves empty section headers behind; drop them unless
    # someone else keeps keys there.
    left = configured(target.flag)
    for section in (f"filter.{DRIVER}", f"diff.{DRIVER}"):
        if removed and not any(k.startswith(section + ".") for k in left):
            git("config", target.flag, "--remove-section", section)
    lines = [f"git config {target.flag}: removed {', '.join(removed)}"] if removed else []
    if remove_attributes_line(target.attributes):
        lines.append(f"{target.attributes}: removed {ATTRIBUTES_LINE}")
    return lines or ["nothing to remove"]


def attribute_sources() -> list[str]:
    """The attributes files git reads here that give some path ``filter=nbguard``."""
    top = git_ok("rev-parse", "--show-toplevel").strip()
    candidates = [
        os.path.join(top, ".gitattributes"),
        default_attributes("local"),
        default_attributes("global"),
        default_attributes("system"),
    ]
    return [
        path
        for path in dict.fromkeys(candidates)
        if any(f"filter={DRIVER}" in line.split() for line in _read_lines(path))
    ]


def notebook_attributes() -> dict[str, str]:
    """The filter and diff attributes git gives a notebook at the repository's top."""
    top = git_ok("rev-parse", "--show-toplevel").strip()
    out = git_ok("-C", top, "check-attr", "filter", "diff", "--", "nbguard-probe.ipynb")
    found = {}
    for line in out.splitlines():
        _, attribute, value = (part.strip() for part in line.rsplit(":", 2))
        found[attribute] = value
    return found


def status(flag: str | None, attributes: str | None) -> tuple[bool, list[str]]:
    """Whether notebooks go through nbguard's filter, and where that comes from.

    ``flag`` limits git config to one scope (None: every scope, as git reads
    it); ``attributes`` is the file to look in (None: ask git what a notebook
    of this repository gets).
    """
    present = configured(flag)
    lines = [f"{key} = {value}  ({origin})" for key, (value, origin) in sorted(present.items())]
    has_driver = f"filter.{DRIVER}.process" in present or f"filter.{DRIVER}.clean" in present
    if not has_driver:
        lines.append(f"missing: filter.{DRIVER}.process in git config")
    if attributes is None:
        given = notebook_attributes()
        has_attribute = given.get("filter") == DRIVER
        where = ", ".join(attribute_sources()) or "git check-attr"
        lines.append(f"*.ipynb: filter={given.get('filter')} diff={given.get('diff')}  ({where})")
    else:
        has_attribute = has_attributes_line(attributes)
        lines.append(f"{ATTRIBUTES_LINE}  ({attributes}{'' if has_attribute else ': missing'})")
    gone = _missing_interpreter(present) if has_driver and has_attribute else ""
    if gone:
        lines.append(f"broken: {gone} (recorded by 'nbguard install') does not exist; run it again")
    ok = has_driver and has_attribute and not gone
    verdict = "broken" if gone else "installed" if ok else "not installed"
    return ok, [f"nbguard git filter: {verdict}", *lines]


def _missing_interpreter(present: dict[str, tuple[str, str]]) -> str:
    """The interpreter the recorded filter command runs, if it is gone; else empty."""
    value = present.get(f"filter.{DRIVER}.process", present.get(f"filter.{DRIVER}.clean", ("", "")))[0]
    try:
        program = shlex.split(value)[0] if value else ""
    except (ValueError, IndexError):
        return ""
    if not program or os.path.exists(program) or shutil.which(program):
        return ""
    return program


# --- command line -------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument(
        "--global",
        dest="global_",
        action="store_true",
        help="your git config (~/.gitconfig) and global attributes file",
    )
    scope.add_argument(
        "--system",
        action="store_true",
        help="the system git config and $(prefix)/etc/gitattributes",
    )
    parser.add_argument(
        "--attributes",
        metavar="FILE",
        help="attributes file (default: .git/info/attributes, or --global's or --system's)",
    )
    if parser.prog.split()[-1] == "install":  # `uninstall` shares this module
        parser.add_argument(
            "--status",
            action="store_true",
            help="say whether and where nbguard is installed (exit 0 if it is, 1 if not)",
        )
        parser.add_argument(
            "--python",
            metavar="PATH",
            help="the interpreter the filter and diff driver run nbguard with (default: this "
            "one); e.g. a name on PATH such as python3, for a clone shared between systems",
        )


def run(args: argparse.Namespace) -> int:
    try:
        if getattr(args, "status", False):
            flag = "--global" if args.global_ else "--system" if args.system else None
            attributes = args.attributes
            if attributes is None and (flag or not _in_repository()):
                attributes = default_attributes(flag[2:] if flag else "global")
            ok, lines = status(flag, attributes)
            print("\n".join(lines))
            return 0 if ok else 1
        target = target_for(args)
        lines = uninstall(target) if args.command == "uninstall" else install(target, args.python)
    except InstallError as exc:
        print(f"nbguard: error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0
