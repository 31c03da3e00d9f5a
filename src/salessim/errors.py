"""User-facing errors.

Every error a user can cause (a bad file, an unknown name, a missing run directory) is raised as a
:class:`SalesSimError` whose message says where the problem is and how to fix it. The CLI turns it
into one line on stderr and exit code 2, without a traceback.
"""

from __future__ import annotations


class SalesSimError(Exception):
    """An error caused by user input; its message is shown as-is, on one line."""

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        self.where = where
        self.hint = hint
        first = f"{where}: {message}" if where else message
        if hint and first and first[-1] not in ".!?:":
            first += "."
        parts = [first]
        if hint:
            parts.append(hint)
        super().__init__(" ".join(parts).replace("\n", " "))


class DataError(SalesSimError):
    """A data file (catalog, persona file, guide, config) is malformed."""


def pydantic_error_lines(exc, prefix: str) -> list[str]:
    """Render a pydantic ``ValidationError`` as ``prefix: field.path: message`` lines."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        lines.append(f"{prefix}: {loc or '<root>'}: {err.get('msg', 'invalid')}")
    return lines
