"""``nbguard check-install``: fail when notebooks are declared to go through nbguard's git
filter (``filter=nbguard`` in ``.gitattributes`` or ``.git/info/attributes``) but this clone
has no such filter configured, or one whose interpreter is gone.

Without the filter git refuses (``required``) or, worse, commits notebooks unstripped; a
collaborator who cloned the repository and never ran ``nbguard install`` learns it here.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil

from nbguard.commands.install import DRIVER, _in_repository, configured, notebook_attributes

FIX = "run 'nbguard install'"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="ignored (pre-commit may pass files)")


def problem() -> str | None:
    """What is wrong with this clone's filter set-up, or None."""
    if not _in_repository() or notebook_attributes().get("filter") != DRIVER:
        return None  # no notebook is declared to go through the filter
    present = configured(None)
    entry = present.get(f"filter.{DRIVER}.process") or present.get(f"filter.{DRIVER}.clean")
    if entry is None:
        return f"notebooks are declared filter={DRIVER} but git config has no filter.{DRIVER}"
    try:
        interpreter = shlex.split(entry[0])[0]
    except (ValueError, IndexError):
        return f"filter.{DRIVER} in git config cannot be read ({entry[1]})"
    if shutil.which(interpreter) is None and not os.access(interpreter, os.X_OK):
        return f"filter.{DRIVER} in git config runs a missing interpreter ({entry[1]})"
    return None


def run(_args: argparse.Namespace) -> int:
    found = problem()
    if found is None:
        return 0
    print(f"nbguard: {found}: {FIX}")
    return 1
