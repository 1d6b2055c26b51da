"""``nbguard baseline``: record today's findings so that only new problems block.

Entries name what a finding is about, never its line or its value (see
:mod:`nbguard.report.baseline`).
"""

from __future__ import annotations

import argparse
import os

from nbguard import checks
from nbguard.config import ConfigError
from nbguard.notebook import NotebookError
from nbguard.report import baseline as bl
from nbguard.run import Reporter, add_check_arguments, baseline_entries, usage_error


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_check_arguments(parser, checks.NAMES, reports=False)  # it writes a file, it reports nothing
    parser.add_argument(
        "-o",
        "--output",
        default=bl.DEFAULT_NAME,
        metavar="FILE",
        help=f"where to write the baseline (default: {bl.DEFAULT_NAME})",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


def run(args: argparse.Namespace) -> int:
    from nbguard.notebook.write import write_file

    output = args.output
    try:
        entries, unreadable = baseline_entries(args, output)
    except ConfigError as exc:
        return usage_error(exc)
    reporter = Reporter("text", quiet=args.quiet)
    reporter.add(unreadable)
    data = bl.dumps(entries).encode("utf-8")
    try:
        if os.path.exists(output):
            write_file(output, data, root=None)
        else:
            with open(output, "wb") as f:
                f.write(data)
    except (OSError, NotebookError) as exc:
        return usage_error(f"cannot write {output}: {exc}")
    files = len({e.path for e in entries})
    reporter.note(f"wrote {output}: {len(set(entries))} findings in {files} notebooks")
    reporter.finish()
    return 1 if unreadable else 0
