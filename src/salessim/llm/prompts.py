"""Prompt templates and prompt data of the LLM participants, read from ``salessim/data/prompts/``.

Templates are Markdown/text files with ``{{ slot }}`` placeholders; :func:`render` fills them and
refuses to leave a slot empty or to ignore an unknown one, so a template and its code cannot drift
apart silently. Data files (``*.yaml``) hold the short texts, cue lists and tool schemas.

Every prompt is original text written for SalesSim. ``$SALESSIM_PROMPTS_DIR`` points at a
directory that overrides single files (same names), for prompt experiments without editing the
package.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from salessim.errors import DataError

PROMPTS_ENV = "SALESSIM_PROMPTS_DIR"
_SLOT = re.compile(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}")


def _prompt_path(name: str) -> Path | Any:
    """The override file of ``name`` when ``$SALESSIM_PROMPTS_DIR`` holds one, else the built-in."""
    override = os.environ.get(PROMPTS_ENV, "").strip()
    if override:
        candidate = Path(override).expanduser() / name
        if candidate.is_file():
            return candidate
    return resources.files("salessim") / "data" / "prompts" / name


@lru_cache(maxsize=64)
def _read(name: str, override: str) -> str:
    path = _prompt_path(name)
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        raise DataError(f"prompt file {name!r} not found", where=str(path),
                        hint="Reinstall salessim, or fix $SALESSIM_PROMPTS_DIR.") from None


def load_prompt(name: str) -> str:
    """The text of prompt file ``name`` (e.g. ``"shopper_system.md"``)."""
    return _read(name, os.environ.get(PROMPTS_ENV, ""))


@lru_cache(maxsize=32)
def _read_data(name: str, override: str) -> dict[str, Any]:
    text = _read(name, override)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DataError(f"not valid YAML: {exc}".replace("\n", " "), where=name) from None
    if not isinstance(data, dict):
        raise DataError("a prompt data file must hold a mapping", where=name)
    return data


def load_prompt_data(name: str) -> dict[str, Any]:
    """The parsed YAML mapping of prompt data file ``name`` (e.g. ``"shopper.yaml"``)."""
    return _read_data(name, os.environ.get(PROMPTS_ENV, ""))


def render(template: str, values: dict[str, Any], *, name: str = "template") -> str:
    """``template`` with every ``{{ slot }}`` replaced by ``str(values[slot])``.

    A slot without a value, or a value without a slot, raises :class:`DataError` naming both, so
    a template edit that drops or misspells a slot is caught at once. Values are inserted as they
    are (they may hold braces).
    """
    slots = set(_SLOT.findall(template))
    missing = sorted(slots - set(values))
    unused = sorted(set(values) - slots)
    if missing or unused:
        parts = []
        if missing:
            parts.append(f"no value for {', '.join(missing)}")
        if unused:
            parts.append(f"no slot for {', '.join(unused)}")
        raise DataError(f"template mismatch: {'; '.join(parts)}", where=name)
    return _SLOT.sub(lambda m: str(values[m.group(1)]), template)


def render_prompt(prompt_file: str, /, **values: Any) -> str:
    """Load prompt file ``prompt_file`` and :func:`render` it with ``values``."""
    return render(load_prompt(prompt_file), values, name=prompt_file)


def fill(text: str, **values: Any) -> str:
    """Fill the ``{{ slot }}`` placeholders of a short text, ignoring values it does not use.

    For the one-line texts of the data files, which use only some of the available values.
    A slot without a value raises :class:`DataError`.
    """
    def _sub(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise DataError(f"no value for slot {key!r} in {text[:60]!r}")
        return str(values[key])

    return _SLOT.sub(_sub, text)


def with_article(word: str) -> str:
    """``word`` with its indefinite article: "a laptop", "an earbud", "a pair of headphones"."""
    if word.startswith(("pair ", "set ")):
        return f"a {word}"
    return f"an {word}" if word[:1].lower() in "aeiou" else f"a {word}"
