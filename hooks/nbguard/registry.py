"""The check registry's vocabulary: what a check declares, once.

Each check module declares one :class:`Check`: its name (which is the
subcommand, the configuration switch, the hook id ``nbguard-NAME`` and the
``check`` field of its findings), a one-line help, its codes and its options.
The command line, configuration validation, ``nbguard config``, the SARIF
rules and the README's tables are all made from these declarations
(:mod:`nbguard.checks` lists them); nothing else spells an option or a code.

This module imports nothing of nbguard, so declaring a check costs nothing.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from nbguard.report.finding import Finding

Settings = Mapping[str, Any]
# A check as the run loop calls it: a notebook dict in, findings out; picklable
# (a module-level function, a partial of one, or a frozen dataclass instance).
CheckFn = Callable[[dict[str, Any]], list[Finding]]


class Code(NamedTuple):
    """One finding code: what the README's codes table and the SARIF rule say about it."""

    code: str
    title: str  # one line: what was found
    fix: str  # one line: what to do about it
    description: str = ""  # why it matters; empty: the title says it all
    level: str = "error"  # SARIF level: error, warning or note
    security_severity: float | None = None  # GitHub code scanning's 0.0-10.0, for credentials


# --- option kinds ------------------------------------------------------------
#
# A kind says how a value is spelt in TOML, how on the command line, and how it
# is checked. Every option of every check is one of these.


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _is_size(value: Any) -> bool:
    return _is_count(value) or (
        isinstance(value, str) and re.fullmatch(r"\d+[kKmMgG]?", value.strip()) is not None
    )


def parse_size(text: str) -> int:
    """nbstripout's sizes: a count of characters with an optional k/M/G (powers of 10)."""
    text = text.strip().upper()
    scale = {"K": 10**3, "M": 10**6, "G": 10**9}.get(text[-1:], 1)
    digits = text[:-1] if scale != 1 else text
    if not digits.isdigit():
        raise argparse.ArgumentTypeError(f"invalid size {text!r}: use e.g. 500, 10k, 2M")
    return int(digits) * scale


def whole_number(text: str) -> int:
    """A whole number given on the command line; argparse's type error otherwise."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def parse_count(text: str) -> int:
    value = whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def parse_limit(text: str) -> int | None:
    """A limit on the command line: a whole number, or ``false`` for no limit (None)."""
    if text.strip().lower() == "false":
        return None
    return parse_count(text)


class Kind(NamedTuple):
    name: str
    valid: Callable[[Any], bool]
    expected: str  # for error messages: "'key' must be EXPECTED"
    cli: Callable[[Option], dict[str, Any]]  # argparse keyword arguments


def _flag(_option: Option) -> dict[str, Any]:
    return {"action": "store_true"}


def _switch(_option: Option) -> dict[str, Any]:
    return {"action": argparse.BooleanOptionalAction}


def _choice(option: Option) -> dict[str, Any]:
    return {"choices": option.choices}


def _list(option: Option) -> dict[str, Any]:
    return {"action": "append", "metavar": option.metavar or "VALUES"}


def _size(option: Option) -> dict[str, Any]:
    return {"type": parse_size, "metavar": option.metavar or "SIZE"}


def _count(option: Option) -> dict[str, Any]:
    return {"type": parse_count, "metavar": option.metavar or "N"}


def _limit(option: Option) -> dict[str, Any]:
    return {"type": parse_limit, "metavar": option.metavar or "N"}


def _text(option: Option) -> dict[str, Any]:
    return {"metavar": option.metavar or "VALUE"}


FLAG = Kind("flag", _is_bool, "true or false", _flag)  # --name turns it on
SWITCH = Kind("switch", _is_bool, "true or false", _switch)  # --name / --no-name
CHOICE = Kind("choice", lambda v: isinstance(v, str), "one of the choices", _choice)
LIST = Kind("list", _is_str_list, "a list of strings", _list)
SIZE = Kind("size", _is_size, "a size such as 500, '10k' or '2M'", _size)
COUNT = Kind("count", _is_count, "a whole number", _count)
# A whole number, or false to switch the limit off (stored as None).
LIMIT = Kind("limit", lambda v: v is False or _is_count(v), "a whole number, or false", _limit)
TEXT = Kind("text", lambda v: isinstance(v, str), "a string", _text)


class Option(NamedTuple):
    """One setting: a configuration key and the ``--KEY`` flag of the same name."""

    key: str
    kind: Kind
    default: Any
    help: str  # ends without a full stop; the default is appended where it says something
    choices: tuple[str, ...] = ()
    metavar: str | None = None
    per_path: bool = True  # False: for the run as a whole (format, baseline...)
    cli: bool = True  # False: configuration only
    aliases: tuple[tuple[str, Any], ...] = ()  # extra flags that set a fixed value: ("--keep-id", "keep")
    flags: tuple[str, ...] = ()  # extra spellings of the flag itself: ("-f",)
    expected_text: str = ""  # what a valid value is, where the kind's words are too vague
    adds: bool = False  # a list the command line adds to (union) rather than replaces

    @property
    def dest(self) -> str:
        return self.key.replace("-", "_")

    def expected(self) -> str:
        if self.expected_text:
            return self.expected_text
        if self.kind is CHOICE:
            *first, last = (repr(c) for c in self.choices)
            return f"{', '.join(first)} or {last}" if first else last
        return self.kind.expected

    def valid(self, value: Any) -> bool:
        return self.kind.valid(value) and (self.kind is not CHOICE or value in self.choices)

    def stored(self, value: Any) -> Any:
        """The value as settings hold it: ``false`` for a limit means no limit."""
        return None if self.kind is LIMIT and value is False else value

    def default_text(self) -> str:
        """The default as the README shows it; empty where there is none (not set, no list)."""
        if self.default is None or self.default == []:
            return ""
        if isinstance(self.default, bool):
            return "true" if self.default else "false"
        if isinstance(self.default, list):
            return ", ".join(str(v) for v in self.default)
        return str(self.default)

    def add_to(self, parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
        """Add ``--KEY`` (and aliases); the default is SUPPRESS, so that only what the
        command line gives overrides the configuration file."""
        default = self.default_text()
        text = self.help + (f" (default: {default})" if default and self.kind is not FLAG else "")
        parser.add_argument(
            f"--{self.key}",
            *self.flags,
            dest=self.dest,
            help=text,
            default=argparse.SUPPRESS,
            **self.kind.cli(self),
        )
        for flag, value in self.aliases:
            parser.add_argument(
                flag,
                dest=self.dest,
                action="store_const",
                const=value,
                default=argparse.SUPPRESS,
                help=f"the same as --{self.key}={value}",
            )


class Check(NamedTuple):
    """A check, declared once (see the module docstring)."""

    name: str
    help: str  # one line, for the subcommand and the hook
    codes: tuple[Code, ...]
    options: tuple[Option, ...]
    # Makes the check for a notebook from its effective settings; raises
    # ConfigError (from nbguard.config) for a value the kinds cannot judge.
    build: Callable[[Settings], Any]
    # What the check looks at: the notebook as found ("found"), or as it would be
    # committed, after stripping ("committed"); the fixer makes the committed one.
    judges: str = "committed"
    fixer: bool = False
    # A safe rewrite that --fix applies to the notebook as found, before the checks: made from
    # a notebook's settings (None: nothing to do there), it maps a notebook to the rewritten
    # one and a note (the same notebook and "" where nothing changed). privacy: ~ for homes.
    build_fix: Callable[[Settings], Any] | None = None
    group: str = ""  # the title of its options' group in --help
    uses: tuple[str, ...] = ()  # other checks whose options it reads too (errors reads strip's)

    @property
    def hook_id(self) -> str:
        return f"nbguard-{self.name}"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        group = parser.add_argument_group(self.group or self.name)
        for option in self.options:
            if option.cli:
                option.add_to(group)


def split_list(values: Sequence[str] | None) -> tuple[str, ...]:
    """Values of a list option: repeated, comma- or whitespace-separated; duplicates dropped."""
    out: list[str] = []
    for value in values or ():
        out.extend(v for v in re.split(r"[,\s]+", value) if v)
    return tuple(dict.fromkeys(out))
