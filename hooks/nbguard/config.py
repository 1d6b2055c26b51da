"""Configuration: ``[tool.nbguard]`` in pyproject.toml, or a ``.nbguard.toml``.

The file nearest to each notebook wins, searched from the notebook's folder
upward to the repository root. Keys are the command-line flags' names; the
command line overrides the file; ``[[tool.nbguard.overrides]]`` tables change
keys for the paths their globs match (relative to the file's folder).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

Settings = dict[str, Any]

CONFIG_NAMES = (".nbguard.toml", "pyproject.toml")


class ConfigError(Exception):
    """A configuration mistake: a usage error (exit 2) naming the key and the file."""


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _choice(*allowed: str) -> Callable[[Any], bool]:
    return lambda v: v in allowed


def _non_negative_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _optional_int(value: Any) -> bool:
    return value is False or _non_negative_int(value)


def _bool(value: Any) -> bool:
    return isinstance(value, bool)


def _size(value: Any) -> bool:
    return _non_negative_int(value) or (
        isinstance(value, str) and re.fullmatch(r"\d+[kKmMgG]?", value.strip()) is not None
    )


@dataclass(frozen=True)
class Key:
    default: Any
    valid: Callable[[Any], bool]
    expected: str
    per_path: bool = True


# Every key, its default and its type. The command-line flags have the same names.
KEYS: dict[str, Key] = {
    # which checks run (nbguard check)
    "strip": Key(True, _bool, "true or false"),
    "order": Key(True, _bool, "true or false"),
    "secrets": Key(True, _bool, "true or false"),
    "images": Key(True, _bool, "true or false"),
    # strip
    "keep-output": Key(None, _bool, "true or false"),
    "keep-count": Key(False, _bool, "true or false"),
    "extra-keys": Key([], _str_list, "a list of strings"),
    "keep-metadata-keys": Key([], _str_list, "a list of strings"),
    "drop-empty-cells": Key(False, _bool, "true or false"),
    "drop-tagged-cells": Key([], _str_list, "a list of strings"),
    "strip-init-cells": Key(False, _bool, "true or false"),
    "max-size": Key(0, _size, "a size such as 500, '10k' or '2M'"),
    "keep-output-type": Key([], _str_list, "a list of strings"),
    "drop-output-type": Key([], _str_list, "a list of strings"),
    "id-action": Key("keep", _choice("keep", "sequential", "drop"), "'keep', 'sequential' or 'drop'"),
    # order
    "policy": Key("strict", _choice("strict", "increasing"), "'strict' or 'increasing'"),
    "allow-unexecuted": Key(False, _bool, "true or false"),
    "hidden-state": Key(None, _bool, "true or false"),
    # images
    "max-kb": Key(256, _non_negative_int, "a whole number of KiB"),
    "max-total-kb": Key(None, _optional_int, "a whole number of KiB, or false"),
    "max-pixels": Key(None, _optional_int, "a whole number of pixels, or false"),
    # secrets
    "allow-fingerprints": Key([], _str_list, "a list of fingerprints"),
    # reporting: for the whole run, not per path
    "baseline": Key(None, lambda v: isinstance(v, str), "a file name", per_path=False),
    "format": Key(
        "text",
        _choice("text", "json", "github", "sarif"),
        "'text', 'json', 'github' or 'sarif'",
        per_path=False,
    ),
    "exit-zero": Key(False, _bool, "true or false", per_path=False),
}


def defaults() -> Settings:
    return {name: (list(k.default) if isinstance(k.default, list) else k.default) for name, k in KEYS.items()}


T = TypeVar("T")


@dataclass(frozen=True)
class Override:
    patterns: tuple[re.Pattern[str], ...]
    settings: Settings


@dataclass(frozen=True)
class ConfigFile:
    """One configuration file: its folder, its own keys and its per-path overrides."""

    path: str
    settings: Settings = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()

    @property
    def folder(self) -> str:
        return os.path.dirname(self.path)


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """A path glob: ``**`` spans folders, ``*`` and ``?`` stay inside one."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + "(?:/.*)?")


def _load_toml(path: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def check_settings(raw: Mapping[str, Any], where: str, *, per_path_only: bool = False) -> Settings:
    """Validate keys and types; raise ConfigError naming the key and the file."""
    settings: Settings = {}
    for name, value in raw.items():
        key = KEYS.get(name)
        if key is None:
            raise ConfigError(f"{where}: unknown key {name!r}")
        if per_path_only and not key.per_path:
            raise ConfigError(f"{where}: {name!r} cannot be set per path")
        if not key.valid(value):
            raise ConfigError(f"{where}: {name!r} must be {key.expected}, not {value!r}")
        if value is False and key.valid is _optional_int:
            value = None  # "max-pixels = false" switches a limit off
        settings[name] = value
    return settings


def parse_config(path: str, table: Mapping[str, Any]) -> ConfigFile:
    table = dict(table)
    raw_overrides = table.pop("overrides", [])
    if not isinstance(raw_overrides, list) or not all(isinstance(o, dict) for o in raw_overrides):
        raise ConfigError(f"{path}: 'overrides' must be a list of tables ([[...overrides]])")
    overrides = []
    for number, raw in enumerate(raw_overrides, start=1):
        raw = dict(raw)
        patterns = raw.pop("paths", None)
        where = f"{path}: overrides #{number}"
        if not _str_list(patterns) or not patterns:
            raise ConfigError(f"{where}: 'paths' must be a non-empty list of globs")
        settings = check_settings(raw, where, per_path_only=True)
        overrides.append(Override(tuple(glob_to_regex(p) for p in patterns), settings))
    return ConfigFile(path, check_settings(table, path), tuple(overrides))


def read_config(path: str) -> ConfigFile | None:
    """The nbguard configuration in ``path``, or None when it holds none."""
    data = _load_toml(path)
    if os.path.basename(path) == "pyproject.toml":
        tool = data.get("tool", {})
        if not isinstance(tool, dict) or "nbguard" not in tool:
            return None
        table = tool["nbguard"]
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.nbguard] must be a table")
        return parse_config(path, table)
    return parse_config(path, data)


def cli_settings(args: Any) -> Settings:
    """The options given on the command line (their argparse default is SUPPRESS)."""
    given = {dest.replace("_", "-"): value for dest, value in vars(args).items()}
    return {name: value for name, value in given.items() if name in KEYS}


class Resolver:
    """Finds and caches configuration files for one run; no state outlives it."""

    def __init__(self, cli: Mapping[str, Any] | None = None, *, isolated: bool = False) -> None:
        self.cli = dict(cli or {})
        self.isolated = isolated
        self._found: dict[str, ConfigFile | None] = {}
        self._by_folder: dict[str, ConfigFile | None] = {}
        self._derived: dict[tuple[Any, ...], Any] = {}

    def find(self, folder: str) -> ConfigFile | None:
        """The configuration nearest to ``folder``, looking upward to the repository root."""
        folder = os.path.abspath(folder)
        if folder in self._found:
            return self._found[folder]
        found = None
        for name in CONFIG_NAMES:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                found = read_config(candidate)
                if found is not None:
                    break
        if found is None:
            parent = os.path.dirname(folder)
            if parent != folder and not os.path.exists(os.path.join(folder, ".git")):
                found = self.find(parent)
        self._found[folder] = found
        return found

    def config_for(self, path: str) -> ConfigFile | None:
        if self.isolated or path == "-":
            return None
        # Keyed by the folder as named: one abspath per folder, not one per notebook.
        folder = os.path.dirname(path)
        if folder not in self._by_folder:
            self._by_folder[folder] = self.find(os.path.abspath(folder))
        return self._by_folder[folder]

    def settings_for(self, path: str) -> Settings:
        """Effective settings for a notebook: defaults, its config file, then the command line."""
        config = self.config_for(path)
        return self._settings(config, self._overrides_for(config, path))

    def derived(self, path: str, make: Callable[[Settings], T]) -> T:
        """``make(self.settings_for(path))``, made once for all the notebooks that share a
        configuration file and the overrides that apply to them (usually all of a run's)."""
        config = self.config_for(path)
        overrides = self._overrides_for(config, path)
        key = (make, config.path if config is not None else None, overrides)
        if key not in self._derived:
            self._derived[key] = make(self._settings(config, overrides))
        return cast(T, self._derived[key])

    @staticmethod
    def _overrides_for(config: ConfigFile | None, path: str) -> tuple[int, ...]:
        """The indices of the overrides in ``config`` whose patterns match ``path``."""
        if config is None or not config.overrides:
            return ()
        rel = os.path.relpath(os.path.abspath(path), config.folder).replace(os.sep, "/")
        return tuple(
            index
            for index, override in enumerate(config.overrides)
            if any(p.fullmatch(rel) for p in override.patterns)
        )

    def _settings(self, config: ConfigFile | None, overrides: tuple[int, ...]) -> Settings:
        settings = defaults()
        if config is not None:
            settings.update(config.settings)
            for index in overrides:
                settings.update(config.overrides[index].settings)
        settings.update(self.cli)
        return settings

    def run_settings(self) -> Settings:
        """Settings for the run as a whole (format, baseline...): the config nearest the cwd."""
        return self.settings_for(os.path.join(os.getcwd(), "_"))
