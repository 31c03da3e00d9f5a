"""The package's data directory (``salessim/data``), a cached loader for its YAML mappings, and the
reader of users' YAML config files."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from salessim.errors import DataError

DATA_DIR = Path(__file__).resolve().parent / "data"


@lru_cache(maxsize=None)
def load_yaml(relative: str) -> dict[str, Any]:
    """The mapping stored in ``salessim/data/<relative>`` (cached; treat it as read-only)."""
    path = DATA_DIR / relative
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"data file not found: {path}", hint="Reinstall salessim or restore the file.") from None
    except yaml.YAMLError as exc:
        raise DataError(f"{path.name}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise DataError(f"{path.name}: expected a mapping at the top level")
    return data


def yaml_problem(exc: yaml.YAMLError) -> str:
    """Where and what a YAML parse error is, on one line (``line 3: found character...``)."""
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}" if mark is not None else "somewhere"
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{where}: {problem}"


def read_config_yaml(path: str | Path, what: str, hint: str) -> Any:
    """The parsed content of a user's YAML config file; a missing file or bad YAML is one
    :class:`DataError` naming the file (``what``: e.g. "run config", ``hint``: where to look)."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{path}: {what} file not found", hint=hint)
    try:
        return yaml.safe_load(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: not valid YAML ({yaml_problem(exc)})") from None
