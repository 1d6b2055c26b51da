"""``nbguard order``: reject notebooks that were not run top to bottom in one fresh kernel.

The core, :func:`check`, judges a notebook dict and returns findings without
any I/O. Only non-blank code cells are judged: Jupyter and nbclient leave
blank cells unnumbered in a real top-to-bottom run. A count of 0 (Databricks)
means "not run", like null, and a notebook without any count passes: there is
no run to judge. See ``hidden_state`` for the second rule.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nbguard.notebook import Notebook, cell_source, iter_cells
from nbguard.registry import CHOICE, FLAG, SWITCH, Check, Code, Option
from nbguard.report.finding import NOTE_CODE, Finding

NAME = "order"
CODE_DECREASE = "NBG101"  # a count not above the one before it (out of order, or run twice)
CODE_GAP = "NBG102"  # a count more than one above the one before it
CODE_LATE_START = "NBG103"  # the first count is not 1
CODE_UNEXECUTED = "NBG104"  # a non-blank code cell without a count
CODE_HIDDEN_STATE = "NBG105"  # a name used before the cell that defines it
POLICIES = ("strict", "increasing")
RERUN = "restart the kernel and run all cells"


@dataclass(frozen=True)
class OrderOptions:
    """How strictly to judge; the same keys serve the command line and configuration."""

    policy: str = "strict"
    allow_unexecuted: bool = False
    hidden_state: bool | None = None  # None: on under strict, off under increasing

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise ValueError(f"unknown policy {self.policy!r}: use {' or '.join(POLICIES)}")

    @property
    def hidden_state_on(self) -> bool:
        return self.policy == "strict" if self.hidden_state is None else self.hidden_state


def execution_count(cell: dict[str, Any]) -> int | None:
    """The cell's count (nbformat 3: ``prompt_number``), or None when it was not run."""
    value = cell["execution_count"] if "execution_count" in cell else cell.get("prompt_number")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None  # null, 0 (Databricks: not run), or not a count at all


def judged_cells(nb: Notebook) -> list[tuple[int, int | None]]:
    """(cell number over all cells, count) for every non-blank code cell."""
    return [
        (number, execution_count(cell))
        for number, cell in enumerate(iter_cells(nb), start=1)
        if cell.get("cell_type") == "code" and cell_source(cell).strip()
    ]


def _span(first: int, last: int) -> str:
    return f"[{first}]" if first == last else f"[{first}] to [{last}]"


def order_findings(
    cells: Sequence[tuple[int, int | None]], policy: str, allow_unexecuted: bool
) -> list[Finding]:
    """The count rule over (cell number, count) pairs, one finding per offending cell."""
    strict = policy == "strict"
    found = []
    previous: int | None = None
    for number, count in cells:
        if count is None:
            if strict and not allow_unexecuted:
                found.append(
                    Finding(
                        CODE_UNEXECUTED,
                        f"has no execution count but other cells do; {RERUN}",
                        cell=number,
                    )
                )
            continue
        if previous is not None and count <= previous:
            message = f"ran as [{count}] after [{previous}]; {RERUN}"
            found.append(Finding(CODE_DECREASE, message, cell=number))
        elif strict and previous is None and count != 1:
            message = f"is the first cell run but ran as [{count}], not [1]; {RERUN}"
            found.append(Finding(CODE_LATE_START, message, cell=number))
        elif strict and previous is not None and count > previous + 1:
            skipped = _span(previous + 1, count - 1)
            message = f"ran as [{count}] after [{previous}], skipping {skipped}; {RERUN}"
            found.append(Finding(CODE_GAP, message, cell=number))
        previous = count
    return found


def hidden_state_findings(nb: Notebook) -> tuple[list[Finding], list[Finding]]:
    """Findings for hidden state, and notes for the cells the analysis had to skip."""
    from nbguard.checks import hidden_state  # its parser tables load only where a notebook has counts

    analysis = hidden_state.analyze(nb)
    found = [
        Finding(
            CODE_HIDDEN_STATE,
            f"uses `{use.name}`, which only cell {use.defined_in} further down defines; "
            "Restart & Run All would fail here",
            cell=use.cell,
            line=use.line,
            part="source",
        )
        for use in analysis.uses
    ]
    notes = [
        Finding(
            NOTE_CODE,
            f"could not be parsed as Python ({skip.reason}); skipped by the hidden-state analysis",
            cell=skip.cell,
            line=skip.line,
        )
        for skip in analysis.skipped
    ]
    return found, notes


def evaluate(nb: Notebook, options: OrderOptions) -> tuple[list[Finding], list[Finding]]:
    """(findings, notes) for one notebook, each sorted by cell and line."""
    run = any(execution_count(c) for c in iter_cells(nb) if c.get("cell_type") == "code")
    cells = judged_cells(nb) if run else []  # the common case is settled without joining any source
    run = run and not all(count is None for _, count in cells)
    if not run and options.hidden_state is not True:
        return [], []  # never run (or cleared): nothing to judge, unless --hidden-state asks
    # An explicit --hidden-state judges the cells as written even without counts: would
    # Restart & Run All fail?
    found = order_findings(cells, options.policy, options.allow_unexecuted) if run else []
    notes: list[Finding] = []
    if options.hidden_state_on:
        hidden, notes = hidden_state_findings(nb)
        found.extend(hidden)
        found.sort(key=lambda f: (f.cell or 0, f.line or 0))
    return found, notes


def check(
    nb: Notebook,
    *,
    policy: str = "strict",
    allow_unexecuted: bool = False,
    hidden_state: bool | None = None,
) -> list[Finding]:
    """Findings for one notebook dict; ``hidden_state=None`` means on under strict only."""
    options = OrderOptions(policy, allow_unexecuted, hidden_state)
    return evaluate(nb, options)[0]


def _check_with_notes(nb: Notebook, options: OrderOptions) -> list[Finding]:
    found, notes = evaluate(nb, options)
    return found + notes


# --- declaration -------------------------------------------------------------


def build(settings: Mapping[str, Any]) -> Callable[[Notebook], list[Finding]]:
    """The check for effective settings: findings, then notes (code ``note``) for skipped cells."""
    options = OrderOptions(settings["policy"], settings["allow-unexecuted"], settings["hidden-state"])
    return functools.partial(_check_with_notes, options=options)


CHECK = Check(
    name=NAME,
    help="reject notebooks not run top to bottom in one fresh kernel",
    codes=(
        Code(
            CODE_DECREASE,
            "A cell ran out of order (count not above the previous one)",
            RERUN.capitalize(),
            description="A cell ran as a count not above the one before it: run out of order, or run twice.",
        ),
        Code(
            CODE_GAP,
            "A gap in the execution counts",
            RERUN.capitalize(),
            description="`strict`: a cell ran, or was deleted, in between.",
            level="warning",
        ),
        Code(
            CODE_LATE_START,
            "The execution counts do not start at 1",
            RERUN.capitalize(),
            description="`strict`: the kernel was not fresh when the first cell ran.",
            level="warning",
        ),
        Code(
            CODE_UNEXECUTED,
            "A non-blank code cell was not executed",
            "Run all cells, or pass `--allow-unexecuted`",
            description="`strict`: a non-blank code cell has no count while others do.",
            level="warning",
        ),
        Code(
            CODE_HIDDEN_STATE,
            "Hidden state: a name is used before the cell that defines it",
            "Move the defining cell up (or the using cell down), then restart and run all",
            description="A cell uses a name that only a later cell defines: "
            "Restart & Run All would fail there.",
        ),
    ),
    options=(
        Option(
            "policy",
            CHOICE,
            "strict",
            "strict: the counts read 1, 2, 3... over the non-blank code cells; "
            "increasing: the counts that are present only go up",
            choices=POLICIES,
        ),
        Option(
            "allow-unexecuted", FLAG, False, "strict, but non-blank code cells without a count are allowed"
        ),
        Option(
            "hidden-state",
            SWITCH,
            None,
            "report names used before the cell that defines them "
            "(default: on under strict, off under increasing)",
        ),
    ),
    build=build,
    judges="found",
    group="execution order",
)
