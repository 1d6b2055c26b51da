"""The ``nbguard`` command: one subcommand per hook, one output and exit-code contract.

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

from nbguard import __version__

# name -> (module, one-line help). Only the chosen module is imported, which
# keeps start-up fast: nothing heavy loads unless its subcommand runs.
COMMANDS: dict[str, tuple[str, str]] = {
    "check": (
        "nbguard.commands.check",
        "run every check in one pass; with --fix, strip the notebooks that pass",
    ),
    "strip": ("nbguard.checks.strip", "strip outputs, execution counts and noisy metadata (a fixer)"),
    "baseline": ("nbguard.commands.baseline", "record today's findings so that only new ones block"),
    "config": ("nbguard.commands.config", "print the configuration in effect for a notebook"),
    "secrets": ("nbguard.checks.secrets", "find credentials in sources, outputs, metadata and widgets"),
    "images": ("nbguard.checks.images", "block embedded images over a size or pixel limit"),
    "order": ("nbguard.checks.order", "reject notebooks not run top to bottom in one fresh kernel"),
    "install": ("nbguard.commands.install", "install nbguard as git's filter and diff driver for notebooks"),
    "uninstall": ("nbguard.commands.install", "remove what 'nbguard install' wrote"),
    "filter": ("nbguard.commands.filter", "git clean filter: --process (long-running) or --clean PATH"),
}


def build_parser(wanted: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nbguard",
        description="Pre-commit checks and fixes for Jupyter notebooks.",
    )
    parser.add_argument("--version", action="version", version=f"nbguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, summary) in COMMANDS.items():
        command = sub.add_parser(name, help=summary, description=summary)
        if name == wanted:
            module = importlib.import_module(module_name)
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


def _terminated(signum: int, frame: object) -> NoReturn:
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
