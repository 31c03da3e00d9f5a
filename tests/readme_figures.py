"""The measured figures the README claims, read from its tables, so that tests hold the code to
the published numbers without copying them (a figure lives in one place: the README).

``readme_figure("held-out set", column=2)`` is the number at the start of the third cell of the
README table row whose first cell starts with ``held-out set``. A test then checks its measurement
is within :data:`POINTS` of it: a regression, or a README left behind by an improvement, fails.
"""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
POINTS = 0.03  # "within a few points" of the published figure
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def readme_figure(row_start: str, column: int = 1) -> float:
    """The number leading cell ``column`` (0 = the label) of the README row starting ``row_start``."""
    rows = [line for line in README.read_text(encoding="utf-8").splitlines()
            if line.startswith("|") and line.strip("| ").startswith(row_start)]
    assert len(rows) == 1, f"README.md: expected one table row starting {row_start!r}, found {len(rows)}"
    cells = [c.strip() for c in rows[0].strip().strip("|").split("|")]
    match = _NUMBER.match(cells[column].strip("*` "))
    assert match, f"README.md: row {row_start!r} column {column} holds no number: {cells[column]!r}"
    return float(match.group(0))


def assert_near_readme(measured: float, row_start: str, column: int = 1, what: str = "") -> None:
    """``measured`` is within :data:`POINTS` of the README's figure, else a message saying which."""
    claimed = readme_figure(row_start, column)
    assert abs(measured - claimed) <= POINTS + 1e-9, (
        f"{what or row_start}: measured {measured:.3f}, README.md says {claimed:.3f} (tolerance {POINTS}). "
        "Fix the regression, or re-measure with the command the README names and update its figure.")
