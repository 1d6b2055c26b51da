"""``nbguard check``: every check in one pass over each notebook.

Order is judged on the notebook as found; credentials and images on what
would be committed (after stripping, when stripping is on). With ``--fix`` a
notebook that passes every check is stripped; one that fails keeps its outputs,
so the evidence is still there when the user looks. The checks' safe rewrites
(privacy: a user's home directory in outputs becomes ``~``) are applied to both;
they change no text another finding points at.
"""

from __future__ import annotations

import argparse

from nbguard import checks
from nbguard.config import run_option
from nbguard.run import Run, add_check_arguments, add_reporting_arguments, run_checks


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_check_arguments(parser, checks.NAMES)
    parser.add_argument(
        "--fix",
        action="store_true",
        help="strip the notebooks that pass every check (a failing one keeps its outputs), and write "
        "home directories in outputs as ~ (the safe rewrites) in every notebook",
    )
    run_option("baseline").add_to(parser)
    parser.add_argument(
        "--show-stale", action="store_true", help="also report baseline entries whose finding is gone"
    )
    add_reporting_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return run_checks(
        args,
        Run(
            checks.NAMES,
            fix=args.fix,
            default_paths=(".",),
            summary=True,
            spare_filtered=True,
        ),
    )
