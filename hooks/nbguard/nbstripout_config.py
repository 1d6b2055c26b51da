"""The git config keys nbstripout reads, read the same way: ``filter.nbstripout.extrakeys``
and ``filter.nbstripout.keepmetadatakeys`` (space-separated), so that a repository set up
for nbstripout strips the same keys under nbguard.

nbstripout 0.9.1 reads only these two keys; its other options live in the filter's command
line (``filter.nbstripout.clean``), which ``nbguard migrate`` translates.

git is asked only where a git config file mentions nbstripout at all: that test reads a
few small files, where asking git costs a process (2 ms) on every run.
"""

from __future__ import annotations

import os
import subprocess

KEYS = {"extrakeys": "extra-keys", "keepmetadatakeys": "keep-metadata-keys"}


def _repository_config_files(start: str) -> list[str]:
    """The repository's own config file (and its common one for a worktree), found upward."""
    folder = os.path.abspath(start)
    while True:
        dot = os.path.join(folder, ".git")
        if os.path.isdir(dot):
            return [os.path.join(dot, "config")]
        if os.path.isfile(dot):
            try:
                with open(dot, encoding="utf-8") as f:
                    gitdir = f.read().strip().removeprefix("gitdir:").strip()
            except (OSError, UnicodeDecodeError):
                return []
            gitdir = os.path.join(folder, gitdir)
            files = [os.path.join(gitdir, "config")]
            try:
                with open(os.path.join(gitdir, "commondir"), encoding="utf-8") as f:
                    files.append(os.path.join(gitdir, f.read().strip(), "config"))
            except (OSError, UnicodeDecodeError):
                pass
            return files
        parent = os.path.dirname(folder)
        if parent == folder:
            return []
        folder = parent


def _mentioned(start: str) -> bool:
    env = os.environ
    if any(name in env for name in ("GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_CONFIG", "GIT_DIR")):
        return True  # configuration given some other way (git -c, a filter's environment): ask git
    home = os.path.expanduser("~")
    xdg = env.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    files = (
        [env["GIT_CONFIG_GLOBAL"]]
        if "GIT_CONFIG_GLOBAL" in env
        else [os.path.join(home, ".gitconfig"), os.path.join(xdg, "git", "config")]
    )
    if not env.get("GIT_CONFIG_NOSYSTEM"):
        files.append(env.get("GIT_CONFIG_SYSTEM", "/etc/gitconfig"))
    files += _repository_config_files(start)
    for path in files:
        try:
            with open(path, "rb") as f:
                if b"nbstripout" in f.read():
                    return True
        except OSError:
            continue
    return False


def read(start: str) -> dict[str, list[str]]:
    """The nbguard settings the keys give (``extra-keys``, ``keep-metadata-keys``), each a
    list of the keys as given; empty where git has none (or there is no git)."""
    if not _mentioned(start):
        return {}
    try:
        proc = subprocess.run(
            ["git", "config", "--get-regexp", r"^filter\.nbstripout\.(extrakeys|keepmetadatakeys)$"],
            cwd=start,
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
        )
    except OSError:
        return {}
    found: dict[str, list[str]] = {}
    for line in proc.stdout.splitlines():
        name, _, value = line.partition(" ")
        setting = KEYS.get(name.rsplit(".", 1)[-1].lower())
        if setting is not None:
            found.setdefault(setting, []).extend(value.split())
    return found
