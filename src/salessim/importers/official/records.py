"""Reading rollout files of the paper's public code: the records, and the fields inside them.

The public code (``salessim/simulation_utils.py`` of SalesforceAIResearch/SalesSim) saves a JSON
list of records with ``json.dump``; its example file (``usersimeval/example-dialogues.json``) went
through pandas, which wrote ``conversation``, ``shopper_persona``, ``shopper_preferences`` and
``costs`` as **Python-literal strings** (single quotes, ``True``/``None``). Every field is therefore
decoded on its own: a JSON value is taken as it is, a string that holds a JSON or Python literal
(list or dict) is parsed with :func:`json.loads` or :func:`ast.literal_eval` (never ``eval``).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

from salessim.errors import DataError, SalesSimError

LIST_KEYS = ("simulations", "results", "conversations", "rollouts", "dialogues", "data")
TURN_KEYS = ("conversation", "messages", "dialogue", "turns", "transcript")
SHOPPER_SPEAKERS = {"shopper", "customer", "user", "buyer", "human"}
AGENT_SPEAKERS = {"salesperson", "agent", "assistant", "seller", "sales", "salesbot", "bot"}

# markers the public simulator's shopper writes into its text: [ACCEPT] buys, [DONE] ends the
# conversation; models also write [Accept], [REJECT], [LEAVE]...
MARKER_RE = re.compile(r"\[\s*(accept|accepted|buy|purchase|done|reject|rejected|leave|end|exit)\s*\]", re.I)
BUY_MARKERS = {"accept", "accepted", "buy", "purchase"}


class RecordError(SalesSimError):
    """A record whose turns cannot be read (it would become an empty episode)."""


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """The rollout records of ``path``: a JSON array, a JSON object holding the array under one of
    :data:`LIST_KEYS`, or JSONL (one record per line)."""
    path = Path(path)
    if not path.is_file():
        raise SalesSimError("rollout file not found", where=str(path),
                            hint="Pass the results.json (or example-dialogues.json, or JSONL) of the paper's code.")
    text = path.read_text(encoding="utf-8")
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError:
        data = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                data.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise DataError(f"line {n}: neither a JSON document nor JSONL ({exc.msg})", where=str(path)) from None
    if isinstance(data, dict):
        for key in LIST_KEYS:
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            data = [data] if any(k in data for k in TURN_KEYS) else None
    if not isinstance(data, list):
        raise DataError(f"expected a list of rollouts (or an object with one of {', '.join(LIST_KEYS)})",
                        where=str(path))
    records = [r for r in data if isinstance(r, dict)]
    if not records:
        raise DataError("no rollout records found", where=str(path),
                        hint="The file must hold objects with a 'conversation' list.")
    return records


def decode(value: Any) -> Any:
    """A field's value with JSON or Python-literal strings of lists/dicts parsed; other values as
    they are. A string that looks like a literal but does not parse stays a string."""
    if not isinstance(value, str):
        return value
    s = value.strip()
    if not s or s[0] not in "[{(":
        return value
    try:
        return json.loads(s)
    except (json.JSONDecodeError, ValueError):
        pass
    try:
        return ast.literal_eval(s)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return value


def record_label(record: dict[str, Any], index: int) -> str:
    """How errors and notes name a record: its index in the file (0-based) and id when it has one."""
    rid = record.get("conversation_id", record.get("id"))
    return f"record {index}" + (f" (conversation {rid})" if rid not in (None, "") else "")


def read_turns(record: dict[str, Any], index: int, source: str) -> tuple[str, list[dict[str, Any]]]:
    """``(field name, turns)`` of a record. Each turn is a dict with at least a speaker and a text.
    Raises :class:`RecordError` naming the record and field when no turn can be read."""
    label = record_label(record, index)
    present = [k for k in TURN_KEYS if k in record]
    if not present:
        raise RecordError(f"{label}: no conversation field (expected one of {', '.join(TURN_KEYS)})", where=source,
                          hint="Pass rollouts written by the paper's code, or --skip-bad to import the others.")
    key = present[0]
    raw = decode(record[key])
    if isinstance(raw, str):
        raise RecordError(f"{label}: field '{key}' is text that is neither a JSON nor a Python list of turns",
                          where=source, hint="Check the file, or pass --skip-bad to import the other records.")
    if not isinstance(raw, list):
        raise RecordError(f"{label}: field '{key}' is a {type(raw).__name__}, not a list of turns", where=source,
                          hint="Pass --skip-bad to import the other records.")
    turns = [t for t in raw if isinstance(t, dict) and speaker_role(t) is not None]
    if not turns:
        raise RecordError(f"{label}: field '{key}' holds no turn with a known speaker and a text", where=source,
                          hint="Turns need 'speaker' (Shopper/Salesperson) and 'text'; --skip-bad imports the others.")
    return key, turns


def speaker_role(turn: dict[str, Any]) -> str | None:
    """``shopper``, ``agent`` or None for a turn's speaker (``speaker`` or ``role``)."""
    speaker = str(turn.get("speaker", turn.get("role", ""))).strip().lower()
    if speaker in SHOPPER_SPEAKERS:
        return "shopper"
    if speaker in AGENT_SPEAKERS:
        return "agent"
    return None


def turn_text(turn: dict[str, Any]) -> str:
    """The visible text of a turn (``text`` or ``content``; a list of content parts is joined)."""
    text = turn.get("text", turn.get("content", ""))
    if isinstance(text, list):
        return "\n".join(str(b.get("text", "")) for b in text if isinstance(b, dict) and b.get("type") == "text")
    return "" if text is None else str(text)


def markers(text: str) -> list[str]:
    """The action markers in a shopper text, in order: ``buy`` or ``leave``."""
    return ["buy" if m.group(1).lower() in BUY_MARKERS else "leave" for m in MARKER_RE.finditer(text)]


def strip_markers(text: str) -> str:
    """``text`` without its action markers (whitespace tidied)."""
    cleaned = MARKER_RE.sub(" ", text)
    cleaned = re.sub(r"[ \t]{2,}", " ", cleaned)
    cleaned = re.sub(r" +([.,!?])", r"\1", cleaned)
    return cleaned.strip()


def parse_logged_preferences(value: Any) -> list[tuple[str, str]]:
    """The ``preferences_used`` of a shopper turn as ``(question, answer)`` pairs, in order and
    without repeats. The public code writes them as ``question: answer`` lines."""
    value = decode(value)
    if isinstance(value, dict):
        pairs = [(str(k), str(v)) for k, v in value.items()]
    elif isinstance(value, list):
        pairs = []
        for line in value:
            pairs.extend(parse_logged_preferences(line))
    elif isinstance(value, str):
        pairs = []
        for line in value.splitlines():
            line = line.strip()
            if not line:
                continue
            cut = line.find("?:")
            if cut >= 0:
                pairs.append((line[:cut + 1].strip(), line[cut + 2:].strip()))
            elif ":" in line:
                q, a = line.split(":", 1)
                pairs.append((q.strip(), a.strip()))
    else:
        pairs = []
    seen: set[tuple[str, str]] = set()
    out = []
    for pair in pairs:
        if pair not in seen:
            seen.add(pair)
            out.append(pair)
    return out


def load_run_config(path: Path) -> dict[str, Any]:
    """The public code's ``config.json`` saved next to a results file (model names and sampling
    settings of both roles), or {} when there is none. Keys and credentials are never kept."""
    cfg_path = path.parent / "config.json"
    if path.name == "config.json" or not cfg_path.is_file():
        return {}
    try:
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, OSError, UnicodeDecodeError):
        return {}
    out: dict[str, Any] = {}
    for role, key in (("shopper", "ai_customer_model"), ("agent", "sales_agent_model")):
        section = cfg.get(key) if isinstance(cfg, dict) else None
        if isinstance(section, dict):
            kept = {k: section[k] for k in ("model_name", "temperature", "max_tokens") if k in section}
            if kept:
                out[role] = kept
    if isinstance(cfg, dict) and isinstance(cfg.get("max_turns"), int):
        out["max_turns"] = cfg["max_turns"]
    return out
