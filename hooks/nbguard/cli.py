"""The ``nbguard`` command: one subcommand per check and per command, one output
and exit-code contract.

Exit codes: 0 clean (also after ``strip`` rewrote files); 1 findings, a file
that would change under ``--check``, or a file that could not be read;
2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

from nbguard import __version__, checks

# The commands that are not checks: name -> (module, one-line help). Each check is a
# subcommand too, with the help its declaration gives (nbguard.checks).
COMMANDS: dict[str, tuple[str, str]] = {
    "check": (
        "nbguard.commands.check",
        "run every check in one pass; with --fix, strip the notebooks that pass",
    ),
    "baseline": ("nbguard.commands.baseline", "record today's findings so that only new ones block"),
    "config": ("nbguard.commands.config", "print the configuration in effect for a notebook"),
    "install": ("nbguard.commands.install", "install nbguard as git's filter and diff driver for notebooks"),
    "uninstall": ("nbguard.commands.install", "remove what 'nbguard install' wrote"),
    "filter": ("nbguard.commands.filter", "git clean filter: --process (long-running) or --clean PATH"),
    "history": (
        "nbguard.commands.history",
        "check every notebook ever committed; with --rewrite, clean history (git-filter-repo)",
    ),
    "migrate": (
        "nbguard.commands.migrate",
        "translate an nbstripout, nb-clean, nbwipers or nbstripout-fast set-up into nbguard's (dry run)",
    ),
    "check-install": (
        "nbguard.commands.check_install",
        "fail when notebooks are declared filter=nbguard but this clone has no such filter",
    ),
}


def subcommands() -> list[str]:
    """Every subcommand, in the order ``--help`` lists them."""
    return ["check", *checks.NAMES, *(name for name in COMMANDS if name != "check")]


class Parser(argparse.ArgumentParser):
    """argparse's parser, whose errors for a mistyped subcommand or option add a
    "did you mean" (argparse's own format, exit 2)."""

    def error(self, message: str) -> NoReturn:
        super().error(message + _did_you_mean(self, message))

    def option_strings(self) -> list[str]:
        """Every option string of this parser and of its subcommands' parsers."""
        found = list(self._option_string_actions)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001 - no public way
                for sub in action.choices.values():
                    found.extend(sub._option_string_actions)  # noqa: SLF001 - no public way
        return found


def _did_you_mean(parser: Parser, message: str) -> str:
    import difflib
    import re

    choice = re.search(r"invalid choice: '([^']*)'", message)
    if choice and message.startswith("argument COMMAND"):
        candidates, typed = subcommands(), [choice.group(1)]
    elif message.startswith("unrecognized arguments: "):
        candidates = parser.option_strings()
        typed = [a.split("=", 1)[0] for a in message.split(": ", 1)[1].split() if a.startswith("-")]
    else:
        return ""
    for word in typed:
        close = difflib.get_close_matches(word, candidates, n=1)
        if close:
            return f" (did you mean {close[0]!r}?)"
    return ""


def build_parser(wanted: str | None) -> argparse.ArgumentParser:
    parser = Parser(prog="nbguard", description="Pre-commit checks and fixes for Jupyter notebooks.")
    parser.add_argument("--version", action="version", version=f"nbguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in subcommands():
        summary = checks.get(name).help if name in checks.NAMES else COMMANDS[name][1]
        command = sub.add_parser(name, help=summary, description=summary)
        if name != wanted:
            continue
        if name in checks.NAMES:
            from nbguard import run

            run.add_subcommand_arguments(command, name)
            command.set_defaults(run=lambda args, name=name: run.run_subcommand(args, name), parser=command)
        else:
            module = importlib.import_module(COMMANDS[name][0])
            module.add_arguments(command)
            command.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    wanted = next((a for a in args_list if not a.startswith("-")), None)
    parser = build_parser(wanted)
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if getattr(sys.stdout, "errors", None) == "strict" and hasattr(sys.stdout, "reconfigure"):
        # A path or message the terminal's encoding cannot show (a file name in another
        # script, bytes that are not UTF-8) is escaped rather than stopping the run.
        sys.stdout.reconfigure(errors="backslashreplace")
    # SIGTERM unwinds like Ctrl-C, so that a write in progress removes its temporary file.
    try:
        previous = signal.signal(signal.SIGTERM, _terminated)
    except ValueError:  # not the main thread: signals cannot be handled here
        previous = None
    try:
        result: int = args.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return result


def _terminated(signum: int, _frame: object) -> NoReturn:
    raise SystemExit(128 + signum)


def console() -> NoReturn:
    """The ``nbguard`` command: :func:`main`, then exit without tearing the interpreter down.

    Freeing every module and object at exit takes 10-20 ms, a sixth of a small run;
    by the time main returns nbguard has closed every file it opened and joined its
    worker processes, so only the standard streams are left to flush.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (nbguard ... | head)
            code = code or 1
    os._exit(code)


if __name__ == "__main__":
    console()
