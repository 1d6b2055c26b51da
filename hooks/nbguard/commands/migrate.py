"""``nbguard migrate``: translate an nbstripout, nb-clean, nbwipers or nbstripout-fast set-up
(and detect-secrets' notebook part) into ``[tool.nbguard]`` and the nbguard hook.

It reads git's ``filter.nbstripout.*`` / ``filter.nbwipers.*`` config and the attributes
files, the hooks and ``args`` in ``.pre-commit-config.yaml``, ``[tool.nbwipers]`` and
``[tool.nb-clean]`` in pyproject.toml (or ``.nbwipers.toml``), ``.secrets.baseline`` and
``# pragma: allowlist secret`` lines. It prints the settings and every change; it writes
only with ``--write``, through the same safe writer as notebooks, and never changes git's
config (it prints the commands for that).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nbguard import __version__

NBGUARD_REPO = "https://github.com/nbguard/nbguard"
PRE_COMMIT = ".pre-commit-config.yaml"
# The peers' hook ids as their repositories declare them.
PEER_HOOKS = {
    "nbstripout": "nbstripout",
    "nb-clean": "nb-clean",
    "nbwipers-check-wd": "nbwipers",
    "nbwipers-check-install": "nbwipers",
    "nbwipers": "nbwipers",
    "nbstripout-fast": "nbstripout-fast",
}
# nbstripout-fast strips this key besides nbstripout's list.
NBSTRIPOUT_FAST_KEYS = ("metadata.vscode",)
KERNEL_INFO_KEYS = ("metadata.kernelspec", "metadata.language_info.version")
PRAGMA = re.compile(r"pragma: allowlist (nextline )?secret")


@dataclass
class Migration:
    """What the set-up found translates to, and what it does not."""

    settings: dict[str, Any] = field(default_factory=dict)
    read: list[str] = field(default_factory=list)  # what was found, one line each
    unmapped: list[str] = field(default_factory=list)  # no equivalent, or a difference to know
    by_hand: list[str] = field(default_factory=list)  # what the user should do
    replaced_hooks: list[str] = field(default_factory=list)
    secrets: bool = False  # a detect-secrets set-up was found

    def set(self, key: str, value: Any, source: str) -> None:
        """A setting; lists add up, a second different scalar value is reported, not taken."""
        if isinstance(value, list):
            old = self.settings.get(key, [])
            self.settings[key] = [*old, *(v for v in value if v not in old)]
        elif key not in self.settings:
            self.settings[key] = value
        elif self.settings[key] != value:
            self.unmapped.append(
                f"{source}: {key} = {_toml(value)} conflicts with {key} = {_toml(self.settings[key])} "
                "found first; kept the first"
            )


# --- the peers' options ------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        raise ValueError(message)


def _parser(*specs: tuple[Sequence[str], dict[str, Any]]) -> _Parser:
    parser = _Parser(add_help=False, allow_abbrev=False)
    for flags, kwargs in specs:
        parser.add_argument(*flags, **kwargs)
    return parser


_TRUE = {"action": "store_true"}
_TEXT = {"default": None}
_MANY = {"nargs": "+", "action": "extend", "default": []}


def _parse(parser: _Parser, args: Sequence[str], tool: str, m: Migration) -> argparse.Namespace | None:
    try:
        ns, rest = parser.parse_known_args(list(args))
    except ValueError as exc:
        m.unmapped.append(f"{tool} {shlex.join(args)}: cannot read its arguments ({exc})")
        return None
    unknown = [a for a in rest if a.startswith("-") and a != "--"]
    if unknown:
        m.unmapped.append(f"{tool} {' '.join(unknown)}: no nbguard equivalent")
    return ns


def from_nbstripout(args: Sequence[str], m: Migration, source: str) -> None:
    """nbstripout 0.9.1's options; without --keep-id it renumbers cell ids."""
    parser = _parser(
        (["--keep-output"], _TRUE),
        (["--keep-count"], _TRUE),
        (["--keep-id"], _TRUE),
        (["--extra-keys"], _TEXT),
        (["--keep-metadata-keys"], _TEXT),
        (["--drop-empty-cells"], _TRUE),
        (["--drop-tagged-cells"], _TEXT),
        (["--strip-init-cells"], _TRUE),
        (["--max-size"], _TEXT),
        (["--keep-output-type"], _MANY),
        (["--drop-output-type"], _MANY),
        (["--unix-newlines"], _TRUE),
        (["--mode", "-m"], _TEXT),
        (["--force", "-f"], _TRUE),
        (["--textconv", "-t", "--dry-run", "--verify"], _TRUE),
        (["--global", "--system", "--install", "--uninstall"], _TRUE),
        (["--python", "--attributes"], _TEXT),
    )
    ns = _parse(parser, args, "nbstripout", m)
    if ns is not None:
        _nbstripout_settings(ns, m, source)


def _nbstripout_settings(ns: argparse.Namespace, m: Migration, source: str) -> None:
    flags = {
        "keep_output": "keep-output",
        "keep_count": "keep-count",
        "drop_empty_cells": "drop-empty-cells",
        "strip_init_cells": "strip-init-cells",
        "unix_newlines": "unix-newlines",
    }
    for dest, key in flags.items():
        if getattr(ns, dest):
            m.set(key, value=True, source=source)
    for dest, key in (
        ("extra_keys", "extra-keys"),
        ("keep_metadata_keys", "keep-metadata-keys"),
        ("drop_tagged_cells", "drop-tagged-cells"),
    ):
        if getattr(ns, dest):
            m.set(key, getattr(ns, dest).split(), source)
    if ns.max_size:
        m.set("max-size", ns.max_size, source)
    for dest, key in (("keep_output_type", "keep-output-type"), ("drop_output_type", "drop-output-type")):
        if getattr(ns, dest):
            m.set(key, getattr(ns, dest), source)
    m.set("id-action", "keep" if ns.keep_id else "sequential", source)
    # --mode zeppelin needs no setting: nbguard's mode auto reads .zpln files as Zeppelin notes.
    if ns.force:
        m.unmapped.append(f"{source}: --force: nbguard reads what it is given, whatever its name")


def from_nbstripout_fast(args: Sequence[str], m: Migration, source: str) -> None:
    parser = _parser(
        (["--keep-output"], _TRUE),
        (["--keep-count"], _TRUE),
        (["--drop-empty-cells"], _TRUE),
        (["-e", "--extra-keys"], _TEXT),
        (["-k", "--keep-keys"], _TEXT),
        (["--strip-regex"], _TEXT),
        (["-t", "--textconv", "-i", "--ignore-git-nb-config"], _TRUE),
    )
    ns = _parse(parser, args, "nbstripout-fast", m)
    if ns is None:
        return
    for dest, key in (("keep_output", "keep-output"), ("keep_count", "keep-count")):
        if getattr(ns, dest):
            m.set(key, value=True, source=source)
    if ns.drop_empty_cells:
        m.set("drop-empty-cells", value=True, source=source)
    m.set("extra-keys", [*NBSTRIPOUT_FAST_KEYS, *(ns.extra_keys or "").split()], source)
    if ns.keep_keys:
        m.set("keep-metadata-keys", ns.keep_keys.split(), source)
    if ns.strip_regex:
        m.set("strip-regex", ns.strip_regex, source)
        m.unmapped.append(
            f"{source}: --strip-regex is Python's regex syntax in nbguard: check that {ns.strip_regex!r} "
            "means the same (Rust's $ is Python's \\Z)"
        )


def from_nb_clean(args: Sequence[str], m: Migration, source: str) -> None:
    """nb-clean 5 (and 4's ``--preserve-cell-metadata F... --``): it removes all cell
    metadata and ``language_info.version`` by default, and ignores ``keep_output`` tags."""
    parser = _parser(
        (["-e", "--remove-empty-cells"], _TRUE),
        (["-M", "--remove-all-notebook-metadata"], _TRUE),
        (["-m", "--preserve-cell-metadata"], {"nargs": "*", "default": None}),
        (["--preserve-cell-metadata-field"], {"action": "append", "default": []}),
        (["-o", "--preserve-cell-outputs"], _TRUE),
        (["-c", "--preserve-execution-counts"], _TRUE),
        (["-n", "--preserve-notebook-metadata"], _TRUE),
    )
    ns = _parse(parser, [a for a in args if a not in ("clean", "check")], "nb-clean", m)
    if ns is None:
        return
    fields = [*(ns.preserve_cell_metadata or []), *ns.preserve_cell_metadata_field]
    if fields:
        m.set("preserve-cell-metadata", fields, source)
    elif ns.preserve_cell_metadata is None:
        m.set("remove-cell-metadata", value=True, source=source)
    else:  # -m alone keeps every field, nbstripout's noisy ones too
        from nbguard.checks.strip import DEFAULT_EXTRA_KEYS

        kept = [k for k in DEFAULT_EXTRA_KEYS if k.startswith("cell.metadata.")]
        m.set("keep-metadata-keys", kept, source)
    if ns.remove_all_notebook_metadata:
        m.set("remove-all-notebook-metadata", value=True, source=source)
    elif not ns.preserve_notebook_metadata:
        m.set("extra-keys", ["metadata.language_info.version"], source)
    if ns.preserve_cell_outputs:
        m.set("keep-output", value=True, source=source)
    if ns.preserve_execution_counts:
        m.set("keep-count", value=True, source=source)
    if ns.remove_empty_cells:
        m.set("drop-empty-cells", value=True, source=source)
        m.unmapped.append(
            f"{source}: --remove-empty-cells keeps whitespace-only cells; nbguard's drop-empty-cells "
            "drops them too (nbstripout's rule)"
        )
    m.unmapped.append(f"{source}: nb-clean strips cells tagged keep_output; nbguard keeps their outputs")


_NBWIPERS_FLAGS = {
    "keep-output": ("keep-output", True),
    "drop-output": ("keep-output", False),
    "keep-count": ("keep-count", True),
    "drop-count": ("keep-count", False),
    "drop-empty-cells": ("drop-empty-cells", True),
    "strip-init-cell": ("strip-init-cells", True),
    "drop-id": ("id-action", "drop"),
    "sequential-id": ("id-action", "sequential"),
    "keep-id": ("id-action", "keep"),
}


def from_nbwipers(table: dict[str, Any], m: Migration, source: str) -> None:
    """nbwipers' settings, as ``[tool.nbwipers]`` keys or its long options."""
    for key, value in table.items():
        if key in ("drop-output", "drop-count") and isinstance(value, bool):  # its configuration's keys
            m.set(f"keep-{key[5:]}", not value, source)
        elif key in _NBWIPERS_FLAGS and value is True:
            m.set(*_NBWIPERS_FLAGS[key], source=source)
        elif key in ("keep-output", "keep-count", "drop-empty-cells") and value is False:
            continue
        elif key == "id-action" and value in ("keep", "sequential", "drop"):
            m.set("id-action", value, source)
        elif key == "strip-kernel-info":
            if value:
                m.set("extra-keys", list(KERNEL_INFO_KEYS), source)
        elif key in ("extra-keys", "drop-tagged-cells", "exclude", "extend-exclude", "keep-keys"):
            values = value if isinstance(value, list) else str(value).split(",")
            target = {"keep-keys": "keep-metadata-keys"}.get(key, key)
            m.set(target, [str(v).strip() for v in values if str(v).strip()], source)
        else:
            m.unmapped.append(f"{source}: {key} = {_toml(value)}: no nbguard equivalent")


def _nbwipers_args(args: Sequence[str]) -> dict[str, Any]:
    table: dict[str, Any] = {}
    items = [a for a in args if a not in ("clean-all", "check", "clean", "-y", "--yes")]
    index = 0
    while index < len(items):
        name, eq, value = items[index].removeprefix("--").partition("=")
        if not eq and name in _NBWIPERS_FLAGS:
            table[name] = True
        elif eq:
            table[name] = value
        elif index + 1 < len(items):
            index += 1
            table[name] = items[index]
        index += 1
    return table


# --- reading the set-up -------------------------------------------------------------------


def _git(*args: str) -> str:
    try:
        proc = subprocess.run(["git", *args], capture_output=True, text=True, errors="replace", check=False)
    except OSError:
        return ""
    return proc.stdout if proc.returncode == 0 else ""


def read_git_config(m: Migration) -> None:
    out = _git("config", "--get-regexp", r"^(filter\.(nbstripout|nbwipers)|diff\.ipynb)\.")
    values = dict(line.partition(" ")[::2] for line in out.splitlines())
    for key, value in sorted(values.items()):
        m.read.append(f"git config {key} = {value}")
    clean = values.get("filter.nbstripout.clean", "")
    if clean:
        words = shlex.split(clean)
        at = next((i for i, w in enumerate(words) if os.path.basename(w) == "nbstripout"), None)
        if at is not None:
            from_nbstripout(words[at + 1 :], m, "git config filter.nbstripout.clean")
    for name, key in (("extrakeys", "extra-keys"), ("keepmetadatakeys", "keep-metadata-keys")):
        if values.get(f"filter.nbstripout.{name}"):
            m.set(key, values[f"filter.nbstripout.{name}"].split(), f"git config filter.nbstripout.{name}")
    for tool in ("nbstripout", "nbwipers"):
        if any(k.startswith(f"filter.{tool}.") for k in values):
            m.by_hand.append(
                f"git's {tool} filter: run `nbguard install` (add --python PATH for a shared clone), "
                f"then `{'nbstripout --uninstall' if tool == 'nbstripout' else 'nbwipers uninstall'}`"
            )


_FILTER = re.compile(r"\b(filter|diff)=(nbstripout|nbwipers|ipynb)\b")


def attributes_files() -> list[str]:
    files = [".gitattributes"]
    git_dir = _git("rev-parse", "--git-dir").strip()
    if git_dir:
        files.append(os.path.join(git_dir, "info", "attributes"))
    return files


def migrated_attributes(text: str) -> str:
    """``text`` with the peers' filter and diff attributes naming nbguard's driver."""
    return _FILTER.sub(lambda match: f"{match.group(1)}=nbguard", text)


def read_pre_commit(m: Migration, path: str) -> dict[str, Any] | None:
    """The parsed ``.pre-commit-config.yaml`` (None when absent or unreadable)."""
    if not os.path.exists(path):
        return None
    try:
        yaml = _yaml_module()
    except ImportError:
        m.unmapped.append(f"{path}: not read: install PyYAML (pip install 'nbguard[migrate]')")
        return None
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        m.unmapped.append(f"{path}: not read: {type(exc).__name__}")
        return None
    if not isinstance(data, dict) or not isinstance(data.get("repos"), list):
        return None
    translate: dict[str, Callable[[Sequence[str], Migration, str], None]] = {
        "nbstripout": from_nbstripout,
        "nbstripout-fast": from_nbstripout_fast,
        "nb-clean": from_nb_clean,
        "nbwipers": lambda args, m, source: from_nbwipers(_nbwipers_args(args), m, source),
    }
    for repo in data["repos"]:
        for hook in repo.get("hooks", []) if isinstance(repo, dict) else []:
            hook_id = hook.get("id") if isinstance(hook, dict) else None
            args = [str(a) for a in hook.get("args", [])] if isinstance(hook, dict) else []
            if hook_id in PEER_HOOKS:
                source = f"{path}: hook {hook_id}"
                m.read.append(f"{source} {shlex.join(args)}".rstrip())
                translate[PEER_HOOKS[hook_id]](args, m, source)
                m.replaced_hooks.append(str(hook_id))
            elif hook_id == "detect-secrets":
                m.secrets = True
                m.read.append(f"{path}: hook detect-secrets {shlex.join(args)}".rstrip())
    return data


def read_pyproject(m: Migration) -> None:
    from nbguard.config import ConfigError, _load_toml

    for path, table_of in (
        ("pyproject.toml", lambda data: data.get("tool", {})),
        (".nbwipers.toml", lambda data: {"nbwipers": data}),
        ("nbwipers.toml", lambda data: {"nbwipers": data}),
    ):
        if not os.path.isfile(path):
            continue
        try:
            tool = table_of(_load_toml(path))
        except ConfigError as exc:
            m.unmapped.append(str(exc))
            continue
        if isinstance(tool.get("nbwipers"), dict):
            m.read.append(f"{path}: [tool.nbwipers]" if path == "pyproject.toml" else path)
            from_nbwipers(tool["nbwipers"], m, f"{path} nbwipers")
        if isinstance(tool.get("nb-clean"), dict):
            m.read.append(f"{path}: [tool.nb-clean]")
            args = []
            for key, value in tool["nb-clean"].items():
                if value is True:
                    args.append(f"--{key}")
                elif isinstance(value, list):
                    args += [f"--{key}", *map(str, value)]
            from_nb_clean(args, m, f"{path} [tool.nb-clean]")


# .git-nbconfig.yaml's keys (nbstripout-fast 1.1's NBConfig), as its command line spells them.
_NBCONFIG_FLAGS = {
    "keep_output": "--keep-output",
    "keep_count": "--keep-count",
    "drop_empty_cells": "--drop-empty-cells",
}
_NBCONFIG_LISTS = {"extra_keys": "--extra-keys", "keep_keys": "--keep-keys"}


def read_nbstripout_fast_config(m: Migration) -> None:
    """nbstripout-fast's ``.git-nbconfig.yaml`` (its ``nbstripout_fast:`` table), translated as
    the same options on its command line would be: nbstripout-fast reads it for its hook and
    its git filter alike, as nbguard reads [tool.nbguard]."""
    path = ".git-nbconfig.yaml"
    if not os.path.isfile(path):
        return
    m.read.append(f"{path}: nbstripout-fast's settings")
    try:
        with open(path, encoding="utf-8") as f:
            data = _yaml_module().safe_load(f)
    except (OSError, ValueError, _yaml_module().YAMLError) as exc:
        m.unmapped.append(f"{path}: not read ({type(exc).__name__})")
        return
    table = data.get("nbstripout_fast") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        m.unmapped.append(f"{path}: no nbstripout_fast table: nothing to translate")
        return
    args: list[str] = []
    for key, value in table.items():
        if key in _NBCONFIG_FLAGS and isinstance(value, bool):
            args += [_NBCONFIG_FLAGS[key]] if value else []
        elif key in _NBCONFIG_LISTS and isinstance(value, list):
            args += [_NBCONFIG_LISTS[key], " ".join(map(str, value))] if value else []
        elif key == "strip_regex" and isinstance(value, str):
            args += ["--strip-regex", value]
        else:
            m.unmapped.append(f"{path}: nbstripout_fast.{key} = {value!r}: not an nbstripout-fast setting")
    from_nbstripout_fast(args, m, path)


def read_secrets(m: Migration) -> None:
    """detect-secrets' baseline: its entries hold a SHA-1 of each value, nbguard's fingerprints
    a SHA-256 prefix, so no entry converts; they are counted, and what to do is said."""
    path = ".secrets.baseline"
    if os.path.isfile(path):
        m.secrets = True
        try:
            with open(path, encoding="utf-8") as f:
                results = json.load(f).get("results", {})
        except (OSError, ValueError, AttributeError) as exc:
            m.unmapped.append(f"{path}: not read ({type(exc).__name__})")
            results = {}
        in_notebooks = sum(len(v) for k, v in results.items() if k.endswith(".ipynb") and isinstance(v, list))
        others = sum(len(v) for k, v in results.items() if not k.endswith(".ipynb") and isinstance(v, list))
        m.read.append(f"{path}: {_entries(in_notebooks)} in notebooks, {_entries(others)} in other files")
        if in_notebooks:
            m.unmapped.append(
                f"{path}: {_entries(in_notebooks)} in notebooks: detect-secrets keeps a SHA-1 of each "
                "secret, which cannot become nbguard's fingerprint (a SHA-256); record them with "
                "`nbguard baseline`"
            )
    if m.secrets:
        m.by_hand.append(
            "detect-secrets: keep it for files other than notebooks (nbguard secrets scans notebooks "
            "with detect-secrets' own plugins and honours `# pragma: allowlist secret`)"
        )
    pragmas = _pragma_lines()
    if pragmas:
        m.read.append(f"notebooks: {pragmas} lines with `# pragma: allowlist secret`, honoured as they are")


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


def _pragma_lines() -> int:
    from nbguard.notebook import paths

    count = 0
    for path in paths.expand(["."]):
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        count += len(PRAGMA.findall(text))
    return count


# --- writing -------------------------------------------------------------------------------


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(str(v)) for v in value) + "]"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value))


def toml_table(settings: dict[str, Any]) -> str:
    lines = ["[tool.nbguard]"] + [f"{key} = {_toml(value)}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def hook_entry() -> dict[str, Any]:
    return {"repo": NBGUARD_REPO, "rev": f"v{__version__}", "hooks": [{"id": "nbguard"}]}


def migrated_pre_commit(data: dict[str, Any]) -> dict[str, Any]:
    """The pre-commit configuration without the peers' hooks, with nbguard's."""
    repos = []
    for repo in data["repos"]:
        if not isinstance(repo, dict):
            repos.append(repo)
            continue
        hooks = [h for h in repo.get("hooks", []) if not (isinstance(h, dict) and h.get("id") in PEER_HOOKS)]
        if hooks or not repo.get("hooks"):
            repos.append({**repo, "hooks": hooks} if "hooks" in repo else repo)
    if not any(isinstance(r, dict) and r.get("repo") == NBGUARD_REPO for r in repos):
        repos.append(hook_entry())
    return {**data, "repos": repos}


def _write(path: str, text: str) -> None:
    from nbguard.notebook import NotebookError
    from nbguard.notebook.write import write_file

    data = text.encode("utf-8")
    if os.path.exists(path):
        write_file(path, data, root=None)
        return
    try:
        with open(path, "xb") as f:
            f.write(data)
    except OSError as exc:
        raise NotebookError(f"cannot write: {exc.strerror or exc}") from None


def _has_comments(text: str) -> bool:
    return any(line.lstrip().startswith("#") or " #" in line for line in text.splitlines())


def apply(m: Migration, pre_commit: dict[str, Any] | None, write: bool) -> list[str]:
    """The changes, made with ``write``; each as one line."""
    from nbguard.notebook import NotebookError

    changes: list[str] = []

    def change(path: str, text: str, what: str) -> None:
        if not write:
            changes.append(f"would write {path}: {what}")
            return
        try:
            _write(path, text)
        except NotebookError as exc:
            changes.append(f"not written {path}: {exc}")
            return
        changes.append(f"wrote {path}: {what}")

    if m.settings:
        _change_pyproject(m, change, changes)
    if pre_commit is not None and (m.replaced_hooks or m.settings):
        with open(PRE_COMMIT, encoding="utf-8") as f:
            text = f.read()
        replaced = ", ".join(m.replaced_hooks)
        what = f"the nbguard hook in place of {replaced}" if replaced else "the nbguard hook added"
        if _has_comments(text):
            changes.append(
                f"not written {PRE_COMMIT}: it has comments, which rewriting would lose; "
                f"replace {replaced or 'nothing'} by hand with:\n{_yaml([hook_entry()])}"
            )
        else:
            change(PRE_COMMIT, _yaml(migrated_pre_commit(pre_commit)), what)
    for path in attributes_files():
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
            text = f.read()
        new = migrated_attributes(text)
        if new != text:
            change(path, new, "filter= and diff= name nbguard (run `nbguard install`)")
    return changes


def _change_pyproject(m: Migration, change: Callable[[str, str, str], None], changes: list[str]) -> None:
    from nbguard.config import ConfigError, _load_toml, check_settings

    table = toml_table(m.settings)
    path = "pyproject.toml"
    old = ""
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            old = f.read()
    try:
        check_settings(m.settings, "[tool.nbguard]")
        tool = _load_toml(path).get("tool", {}) if old else {}
    except ConfigError as exc:
        changes.append(f"not written {path}: {exc}")
        return
    if "nbguard" in tool:
        changes.append(f"not written {path}: it has [tool.nbguard] already; merge by hand:\n{table}")
        return
    separator = "" if not old else "\n" if old.endswith("\n") else "\n\n"
    new = old + separator + table
    change(path, new, f"[tool.nbguard] with {len(m.settings)} keys")


def _yaml_module() -> Any:
    """PyYAML, untyped (no stubs are installed for it)."""
    import importlib

    return importlib.import_module("yaml")


def _yaml(data: Any) -> str:
    yaml = _yaml_module()
    text: str = yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
    return text


# --- the command ---------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--write", action="store_true", help="make the changes (default: a dry run that prints them)"
    )


def migrate(write: bool) -> tuple[Migration, list[str]]:
    m = Migration()
    read_git_config(m)
    pre_commit = read_pre_commit(m, PRE_COMMIT)
    read_pyproject(m)
    read_nbstripout_fast_config(m)
    read_secrets(m)
    return m, apply(m, pre_commit, write)


def run(args: argparse.Namespace) -> int:
    m, changes = migrate(args.write)
    out = sys.stdout
    if not args.write:
        out.write("nbguard migrate: a dry run; --write makes these changes\n")
    if not m.read:
        out.write(
            "nothing to migrate: no nbstripout, nb-clean, nbwipers, nbstripout-fast or detect-secrets\n"
        )
        return 0
    out.write("".join(f"read: {line}\n" for line in m.read))
    if m.settings:
        out.write("settings:\n" + "".join(f"  {line}\n" for line in toml_table(m.settings).splitlines()))
    out.write("".join(f"{line}\n" for line in changes))
    out.write("".join(f"no equivalent: {line}\n" for line in m.unmapped))
    out.write("".join(f"to do: {line}\n" for line in m.by_hand))
    return 1 if any(line.startswith("not written") for line in changes) else 0
