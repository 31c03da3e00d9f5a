"""What the HTML report modules share: the template files of ``report/templates/``, HTML escaping,
capping long text, and JSON that is safe inside a ``<script type="application/json">`` block
(see :mod:`salessim.report.html` for the safety rules)."""

from __future__ import annotations

import json
import math
from html import escape
from importlib import resources
from typing import Any

_TEXT_CAP = 1500  # characters of one tool result / reasoning / metric details kept in the drill-down


def template(name: str) -> str:
    return resources.files("salessim.report").joinpath("templates", name).read_text(encoding="utf-8")


def embed_json(data: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``: ``<``, ``>``, ``&`` and the
    JavaScript line separators are written as ``\\u`` escapes, so ``</script>`` or ``<!--`` in any
    string cannot end the block."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def cap_text(text: str, limit: int = _TEXT_CAP) -> str:
    return text if len(text) <= limit else text[:limit] + f"\u2026 [{len(text) - limit} more characters]"


def finite(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def jsonable(value: Any) -> Any:
    """Replace non-finite floats (invalid JSON) by None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value
