"""The checks nbguard runs, in the order ``nbguard check`` runs them.

Adding a check: a module here that declares ``CHECK = registry.Check(...)``,
its name in :data:`NAMES`, and its tests. The command line, configuration,
``nbguard config``, SARIF rules and README tables follow from the declaration.
"""

from __future__ import annotations

import importlib

from nbguard.registry import Check, Code

# Order is judged on the notebook as found; the others on what would be committed,
# which the fixer (strip) makes; it runs last in the report but first in the work.
NAMES = ("order", "secrets", "privacy", "images", "errors", "strip")

# Not a check's: a file that cannot be used as a notebook.
IO_CODE = Code(
    "NBG001",
    "The file could not be read as a notebook",
    "Fix or restore the file; the message says what is wrong",
    description="Invalid JSON, text that is not UTF-8, JSON that is not a notebook, a cell of the "
    "wrong shape, an unsupported nbformat, a file that is not a regular file or is over the size "
    "limit, or a link that leaves the repository. The file is left untouched and the other files "
    "are still processed.",
)


def get(name: str) -> Check:
    """The declaration of one check (imports only that check's module)."""
    if name not in NAMES:
        raise KeyError(name)
    check: Check = importlib.import_module(f"nbguard.checks.{name}").CHECK
    return check


def all_checks() -> tuple[Check, ...]:
    return tuple(get(name) for name in NAMES)


def all_codes() -> tuple[tuple[str, Code], ...]:
    """(check name, code) for every code nbguard reports, NBG001 first, then by code."""
    found = [("", IO_CODE)] + [(check.name, code) for check in all_checks() for code in check.codes]
    return tuple(sorted(found, key=lambda item: item[1].code))
