"""Configuration: ``[tool.nbguard]`` in pyproject.toml, or a ``.nbguard.toml``.

The file nearest to each notebook wins, searched from the notebook's folder
upward to the repository root. Keys are the command-line flags' names; the
command line overrides the file; ``[[tool.nbguard.overrides]]`` tables change
keys for the paths their globs match (relative to the file's folder).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar, cast

from nbguard.notebook.document import DEFAULT_MAX_BYTES
from nbguard.registry import CHOICE, COUNT, FLAG, LIST, SWITCH, TEXT, Option

Settings = dict[str, Any]

CONFIG_NAMES = (".nbguard.toml", "pyproject.toml")


class ConfigError(Exception):
    """A configuration mistake: a usage error (exit 2) naming the key and the file."""


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


# Options that belong to no check: how files are read, and the run's report.
RUN_OPTIONS: tuple[Option, ...] = (
    Option(
        "baseline",
        TEXT,
        None,
        "ignore the findings this baseline lists (default: none)",
        metavar="FILE",
        per_path=False,
        expected_text="a file name",
    ),
    Option(
        "format",
        CHOICE,
        "text",
        "report format",
        choices=("text", "json", "github", "sarif", "gitlab"),
        per_path=False,
    ),
    Option(
        "max-notebook-mb",
        COUNT,
        DEFAULT_MAX_BYTES // 2**20,
        "largest notebook file read, in MiB; a larger one is an NBG001 finding, never read",
        expected_text="a whole number of MiB",
    ),
    Option(
        "exclude",
        LIST,
        [],
        "notebooks to leave alone: globs relative to the configuration file's folder (the current "
        "folder on the command line); one without a / matches any file or folder name (nbwipers)",
        metavar="GLOBS",
        per_path=False,
    ),
    Option(
        "extend-exclude",
        LIST,
        [],
        "more globs to leave alone, added to exclude's (nbwipers)",
        metavar="GLOBS",
        per_path=False,
        adds=True,
    ),
    Option(
        "exit-zero",
        FLAG,
        False,
        "exit 0 even when there are findings (usage errors still exit 2)",
        per_path=False,
    ),
)


def run_option(key: str) -> Option:
    """One of :data:`RUN_OPTIONS`, for a command to add as a flag (``option.add_to``)."""
    return next(option for option in RUN_OPTIONS if option.key == key)


def add_isolated_argument(parser: argparse.ArgumentParser) -> None:
    """``--isolated``: the one flag that ignores every configuration file."""
    parser.add_argument(
        "--isolated",
        action="store_true",
        help="ignore configuration files ([tool.nbguard] in pyproject.toml, .nbguard.toml)",
    )


def options() -> dict[str, Option]:
    """Every configuration key, from the check registry: each check's on/off switch
    and options, then the run's options."""
    from nbguard import checks

    found: dict[str, Option] = {}
    for check in checks.all_checks():
        found[check.name] = Option(check.name, SWITCH, True, f"run the {check.name} check", cli=False)
    for check in checks.all_checks():
        for option in check.options:
            found[option.key] = option
    for option in RUN_OPTIONS:
        found[option.key] = option
    return found


def defaults() -> Settings:
    return {
        name: (list(o.default) if isinstance(o.default, list) else o.default) for name, o in options().items()
    }


T = TypeVar("T")


class Override(NamedTuple):
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


def _exclude_pattern(glob: str) -> re.Pattern[str]:
    """A glob with no / inside matches a file or folder name at any depth (as in .gitignore)."""
    glob = glob.strip().rstrip("/")
    return glob_to_regex(glob if "/" in glob else f"**/{glob}")


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
        option = options().get(name)
        if option is None:
            raise ConfigError(f"{where}: unknown key {name!r}")
        if per_path_only and not option.per_path:
            raise ConfigError(f"{where}: {name!r} cannot be set per path")
        if not option.valid(value):
            raise ConfigError(f"{where}: {name!r} must be {option.expected()}, not {value!r}")
        settings[name] = option.stored(value)  # "max-pixels = false" switches a limit off
    return settings


def parse_config(path: str, table: Mapping[str, Any]) -> ConfigFile:
    table = dict(table)
    raw_overrides = table.pop("overrides", [])
    if not isinstance(raw_overrides, list) or not all(isinstance(o, dict) for o in raw_overrides):
        raise ConfigError(f"{path}: 'overrides' must be a list of tables ([[...overrides]])")
    overrides = []
    for number, entry in enumerate(raw_overrides, start=1):
        raw = dict(entry)
        patterns = raw.pop("paths", None)
        where = f"{path}: overrides #{number}"
        if not _str_list(patterns) or not patterns:
            raise ConfigError(f"{where}: 'paths' must be a non-empty list of globs")
        settings = check_settings(raw, where, per_path_only=True)
        overrides.append(Override(tuple(glob_to_regex(p) for p in patterns), settings))
    # Custom secrets rules: a list of tables, which no flag spells; read by the secrets check.
    from nbguard.checks.secrets import custom

    raw_rules = table.pop(custom.KEY, None)
    settings = check_settings(table, path)
    if raw_rules is not None:
        settings[custom.KEY] = custom.parse(raw_rules, path)
    return ConfigFile(path, settings, tuple(overrides))


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
    return {name: value for name, value in given.items() if name in options()}


class Resolver:
    """Finds and caches configuration files for one run; no state outlives it."""

    def __init__(self, cli: Mapping[str, Any] | None = None, *, isolated: bool = False) -> None:
        self.cli = dict(cli or {})
        self.isolated = isolated
        self._found: dict[str, ConfigFile | None] = {}
        self._by_folder: dict[str, ConfigFile | None] = {}
        self._derived: dict[tuple[Any, ...], Any] = {}
        self._excludes: dict[str | None, tuple[str, tuple[re.Pattern[str], ...]]] = {}
        self._git_keys: dict[str, list[str]] | None = None

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
        return cast("T", self._derived[key])

    def excluded(self, path: str) -> bool:
        """Whether ``exclude`` or ``extend-exclude`` (of the configuration nearest to ``path``,
        or the command line) names ``path``."""
        if path == "-":
            return False
        config = self.config_for(path)
        key = config.path if config is not None else None
        if key not in self._excludes:
            settings = self._settings(config, ())
            globs = [*settings["exclude"], *settings["extend-exclude"]]
            folder = config.folder if config is not None and "exclude" not in self.cli else os.getcwd()
            self._excludes[key] = (folder, tuple(_exclude_pattern(g) for g in globs))
        folder, patterns = self._excludes[key]
        if not patterns:
            return False
        rel = os.path.relpath(os.path.abspath(path), folder).replace(os.sep, "/")
        return any(p.fullmatch(rel) for p in patterns)

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
        for key, value in self.cli.items():
            option = options()[key]
            if option.adds and isinstance(settings[key], list):
                value = [*settings[key], *value]  # noqa: PLW2901 - the union, configured first
            settings[key] = value
        for key, keys in self.nbstripout_keys().items():
            settings[key] = [*settings[key], *keys]  # added to the rest, as nbstripout adds them
        return settings

    def nbstripout_keys(self) -> dict[str, list[str]]:
        """The valid keys of git's ``filter.nbstripout.extrakeys`` and ``keepmetadatakeys``
        (not with ``--isolated``); an invalid one is ignored with a warning, as nbstripout does."""
        if self._git_keys is None:
            from nbguard import nbstripout_config
            from nbguard.checks.strip import valid_key

            self._git_keys = {}
            for setting, keys in ({} if self.isolated else nbstripout_config.read(os.getcwd())).items():
                valid = []
                for key in keys:
                    if valid_key(key):
                        valid.append(key)
                    else:
                        name = "extrakeys" if setting == "extra-keys" else "keepmetadatakeys"
                        where = f"git config filter.nbstripout.{name}"
                        print(f"nbguard: warning: ignoring invalid key {key!r} in {where}", file=sys.stderr)
                self._git_keys[setting] = valid
        return self._git_keys

    def run_settings(self) -> Settings:
        """Settings for the run as a whole (format, baseline...): the config nearest the cwd."""
        return self.settings_for(os.path.join(os.getcwd(), "_"))
