"""``nbguard baseline``: record today's findings so that only new problems block."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from nbguard.commands import check


def add_arguments(parser: argparse.ArgumentParser) -> None:
    check.add_baseline_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return check.run_baseline(args)


def main(argv: Sequence[str] | None = None) -> int:
    from nbguard.cli import main as cli_main

    return cli_main(["baseline", *(argv if argv is not None else sys.argv[1:])])
