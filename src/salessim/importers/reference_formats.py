"""Reading the corpora of ``salessim import-reference`` (formats described in
:mod:`salessim.importers.reference`): each reader gives the dialogues of its file as
:class:`RawDialogue`, before categories are mapped and turns merged."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from pydantic import ValidationError

from salessim.api.rundir import EPISODES, RunDir
from salessim.errors import DataError, SalesSimError
from salessim.metrics.episode_view import is_infrastructure_failure
from salessim.metrics.reference import AGENT_ALIASES, SHOPPER_ALIASES, load_reference
from salessim.schema import Episode

__all__ = ["COLUMN_CANDIDATES", "FORMATS", "RawDialogue", "parse_columns", "parse_speaker_map", "read_dialogues"]

FORMATS = ("salessim", "episodes", "mgshopdial", "csv", "jsonl")
ROLES = ("shopper", "agent", "skip")
#: Column names found without ``--columns`` (first match wins, case-insensitive).
COLUMN_CANDIDATES = {
    "dialogue": ("dialogue_id", "dialogue", "conversation_id", "conversation", "conv_id", "session_id", "thread_id",
                 "chat_id"),
    "speaker": ("speaker", "role", "participant", "sender", "author", "from"),
    "text": ("text", "utterance", "message", "content", "body"),
    "category": ("category", "domain", "product_category"),
    "order": ("order", "turn", "turn_id", "utterance_id", "index", "position", "timestamp"),
    "decision": ("decision", "outcome"),
}
_DIALOGUE_LISTS = ("turns", "messages", "utterances")
_DECISIONS = {"buy": "buy", "bought": "buy", "purchase": "buy", "purchased": "buy", "accept": "buy",
              "accepted": "buy", "leave": "leave", "left": "leave", "reject": "leave", "rejected": "leave",
              "none": "none", "no_decision": "none", "undecided": "none"}


@dataclass
class RawDialogue:
    """One dialogue as read from a source file, before categories are mapped and turns merged:
    ``messages`` are (role, text) pairs with role ``shopper`` or ``agent``."""

    id: str
    source_category: str | None
    messages: list[tuple[str, str]]
    decision: str | None = None
    criteria: list[dict] | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def parse_speaker_map(text: str | None) -> dict[str, str]:
    """``"Client=shopper,Wizard=agent,System=skip"`` -> {"client": "shopper", ...} (keys lowercased)."""
    out: dict[str, str] = {}
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, role = part.rpartition("=")
        role = role.strip().lower()
        if not sep or not name.strip():
            raise SalesSimError(f"{part!r} is not SPEAKER=ROLE", where="--speaker-map",
                                hint="Write e.g. --speaker-map 'Client=shopper,Wizard=agent,System=skip'.")
        if role not in ROLES:
            raise SalesSimError(f"unknown role {role!r} for speaker {name.strip()!r}", where="--speaker-map",
                                hint="A speaker maps to shopper, agent or skip.")
        out[name.strip().lower()] = role
    return out


def parse_columns(text: str | None) -> dict[str, str]:
    """``"dialogue=conv_id,speaker=role,text=message"`` -> {"dialogue": "conv_id", ...}."""
    out: dict[str, str] = {}
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        key, sep, name = part.partition("=")
        key = key.strip().lower()
        if not sep or key not in COLUMN_CANDIDATES or not name.strip():
            raise SalesSimError(f"{part!r} is not KEY=COLUMN with KEY one of {', '.join(COLUMN_CANDIDATES)}",
                                where="--columns", hint="e.g. --columns dialogue=conv_id,speaker=role,text=message")
        out[key] = name.strip()
    return out


# ------------------------------------------------------------------------------ readers


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataError("not UTF-8 text", where=str(path)) from None
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON ({exc.msg} at line {exc.lineno})", where=str(path)) from None


def _jsonl_lines(path: Path) -> Iterator[tuple[int, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DataError("not UTF-8 text", where=str(path)) from None
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            yield n, json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"line {n}: not valid JSON ({exc.msg})", where=str(path)) from None


def _read_salessim(path: Path, **_: Any) -> list[RawDialogue]:
    out = []
    for d in load_reference(path):
        out.append(RawDialogue(id=d.id, source_category=d.category, messages=[(t.speaker, t.text) for t in d.turns],
                               decision=d.decision,
                               criteria=[c.model_dump(mode="json", exclude_defaults=True) for c in d.criteria]
                               if d.criteria else None))
    return out


def _read_episodes(path: Path, *, any_shopper: bool = False, **_: Any) -> list[RawDialogue]:
    if path.is_dir():
        rd = RunDir(path)
        if not rd.episodes_path.is_file():
            raise DataError(f"no {EPISODES} in this directory", where=str(path),
                            hint="Pass a run directory written by `salessim play`, or its episodes.jsonl.")
        episodes = rd.read_episodes()
        where = str(rd.episodes_path)
    else:
        episodes, where = [], str(path)
        for n, obj in _jsonl_lines(path):
            try:
                episodes.append(Episode.model_validate(obj))
            except ValidationError as exc:
                err = exc.errors()[0]
                loc = ".".join(str(p) for p in err.get("loc", ()))
                raise DataError(f"line {n}: not a SalesSim episode ({loc or '<root>'}: {err.get('msg')})",
                                where=where, hint="--format episodes reads the episodes.jsonl of a run directory.") from None
    kinds = Counter(ep.shopper.kind for ep in episodes)
    out = []
    for ep in episodes:
        if not any_shopper and ep.shopper.kind != "human":
            continue
        if is_infrastructure_failure(ep):
            continue
        msgs = [(m.role, m.text) for m in ep.messages if m.role in ("shopper", "agent") and m.text.strip()]
        out.append(RawDialogue(id=ep.id if not ep.run_id else f"{ep.run_id}/{ep.id}", source_category=ep.category,
                               messages=msgs, decision=ep.decision.type,
                               meta={"persona_id": ep.persona_id, "shopper": ep.shopper.kind, "agent": ep.agent.kind}))
    if episodes and not out and not any_shopper:
        seen = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        raise DataError(f"no episode with a human shopper (shopper kinds: {seen})", where=where,
                        hint="Pass the run directory of `salessim play --role shopper`, or add --any-shopper.")
    return out


def _read_mgshopdial(path: Path, **_: Any) -> list[RawDialogue]:
    data = _load_json(path)
    hint = "--format mgshopdial reads MGShopDial/MGShopDial.json of the MG-ShopDial repository as it is."
    if not isinstance(data, list):
        raise DataError(f"expected a JSON list of conversations, got {type(data).__name__}", where=str(path), hint=hint)
    speakers = {"client": "shopper", "wizard": "agent"}
    out = []
    for i, conv in enumerate(data):
        where = f"{path}: conversation {i}"
        if not isinstance(conv, dict):
            raise DataError(f"not an object ({type(conv).__name__})", where=where, hint=hint)
        utterances = conv.get("utterances")
        if not isinstance(utterances, list):
            raise DataError("field 'utterances' is missing or not a list", where=where, hint=hint)
        cid = str(conv.get("id") or f"mgshopdial-{i}")
        msgs = []
        for j, u in enumerate(utterances):
            if not isinstance(u, dict) or not isinstance(u.get("participant"), str) or not isinstance(u.get("utterance"), str):
                raise DataError(f"utterance {j}: needs string fields 'participant' and 'utterance'", where=where, hint=hint)
            role = speakers.get(u["participant"].strip().lower())
            if role is None:
                raise DataError(f"utterance {j}: unknown participant {u['participant']!r} (MG-ShopDial has Client and "
                                "Wizard)", where=where, hint=hint)
            msgs.append((role, u["utterance"]))
        if all(isinstance(u.get("utterance_id"), (int, float)) for u in utterances):
            order = sorted(range(len(msgs)), key=lambda k: (utterances[k]["utterance_id"], k))
            msgs = [msgs[k] for k in order]
        meta = conv.get("metadata") if isinstance(conv.get("metadata"), dict) else {}
        checklist = meta.get("client_checklist")
        decision = None
        if isinstance(checklist, list) and checklist:
            decision = "buy" if "decision" in checklist else "none"
        out.append(RawDialogue(id=cid, source_category=cid.split(":", 1)[0] if ":" in cid else None, messages=msgs,
                               decision=decision,
                               meta={k: meta[k] for k in ("type", "constraint") if isinstance(meta.get(k), str)}))
    return out


def _pick_columns(header: list[str], given: dict[str, str], where: str) -> dict[str, str | None]:
    lower = {h.lower(): h for h in header}
    cols: dict[str, str | None] = {}
    for key, candidates in COLUMN_CANDIDATES.items():
        if key in given:
            name = given[key]
            if name.lower() not in lower:
                raise DataError(f"no column {name!r} (columns: {', '.join(header)})", where=where,
                                hint="Fix --columns, e.g. --columns dialogue=conv_id,speaker=role,text=message.")
            cols[key] = lower[name.lower()]
        else:
            cols[key] = next((lower[c] for c in candidates if c in lower), None)
    missing = [k for k in ("dialogue", "speaker", "text") if cols[k] is None]
    if missing:
        raise DataError(f"cannot tell which column holds the {', '.join(missing)} (columns: {', '.join(header)})",
                        where=where, hint="Name them with --columns, e.g. --columns dialogue=conv_id,speaker=role,text=message.")
    return cols


def _speaker_role(name: Any, speaker_map: dict[str, str]) -> str | None:
    key = str(name).strip().lower()
    if key in speaker_map:
        return speaker_map[key]
    if key in SHOPPER_ALIASES:
        return "shopper"
    if key in AGENT_ALIASES:
        return "agent"
    return None


def _decision(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _DECISIONS.get(str(value).strip().lower())


def _rows_to_dialogues(rows: list[tuple[int, dict]], cols: dict[str, str | None], speaker_map: dict[str, str],
                       where: str) -> list[RawDialogue]:
    unknown: Counter = Counter()
    grouped: dict[str, list[tuple[Any, int, str | None, str]]] = {}
    categories: dict[str, str] = {}
    decisions: dict[str, str] = {}
    for n, row in rows:
        did = row.get(cols["dialogue"])
        if did is None or not str(did).strip():
            raise DataError(f"row {n}: empty dialogue id (column {cols['dialogue']!r})", where=where)
        did = str(did).strip()
        speaker = row.get(cols["speaker"])
        role = _speaker_role(speaker, speaker_map)
        if role is None:
            unknown[str(speaker)] += 1
            continue
        text = row.get(cols["text"])
        order = row.get(cols["order"]) if cols["order"] else None
        try:
            order = float(order) if order is not None and str(order).strip() else None
        except ValueError:
            order = str(order)
        grouped.setdefault(did, []).append((order, n, role, "" if text is None else str(text)))
        if cols["category"] and row.get(cols["category"]) and did not in categories:
            categories[did] = str(row[cols["category"]]).strip()
        if cols["decision"] and did not in decisions and _decision(row.get(cols["decision"])):
            decisions[did] = _decision(row.get(cols["decision"]))
    if unknown:
        listed = ", ".join(f"{k!r} ({v})" for k, v in unknown.most_common(8))
        raise SalesSimError(f"speakers without a role: {listed}", where=where,
                            hint="Map each with --speaker-map, e.g. --speaker-map 'Client=shopper,Wizard=agent,"
                                 "System=skip'.")
    out = []
    for did, items in grouped.items():
        if cols["order"] and all(isinstance(x[0], float) for x in items):
            items = sorted(items, key=lambda x: (x[0], x[1]))
        msgs = [(role, text) for _, _, role, text in items if role != "skip"]
        out.append(RawDialogue(id=did, source_category=categories.get(did), messages=msgs, decision=decisions.get(did)))
    return out


def _read_csv(path: Path, *, speaker_map: dict[str, str], columns: dict[str, str], **_: Any) -> list[RawDialogue]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError("not UTF-8 text", where=str(path)) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if not reader.fieldnames:
        raise DataError("no header row", where=str(path), hint="The first row must name the columns.")
    cols = _pick_columns(list(reader.fieldnames), columns, str(path))
    rows = [(n, row) for n, row in enumerate(reader, start=2)]
    return _rows_to_dialogues(rows, cols, speaker_map, str(path))


def _read_jsonl(path: Path, *, speaker_map: dict[str, str], columns: dict[str, str], **_: Any) -> list[RawDialogue]:
    rows: list[tuple[int, dict]] = []
    whole: list[RawDialogue] = []
    for n, obj in _jsonl_lines(path):
        if not isinstance(obj, dict):
            raise DataError(f"line {n}: expected a JSON object", where=str(path))
        lst = next((obj[k] for k in _DIALOGUE_LISTS if isinstance(obj.get(k), list)), None)
        if lst is None:
            rows.append((n, obj))
            continue
        sub_rows = []
        for j, t in enumerate(lst):
            if not isinstance(t, dict):
                raise DataError(f"line {n}: turn {j} is not an object", where=str(path))
            sub_rows.append((n, {**t, "__dialogue": "_"}))
        header = sorted({k for _, t in sub_rows for k in t})
        cols = _pick_columns(header, {**{k: v for k, v in columns.items() if k in ("speaker", "text", "order")},
                                      "dialogue": "__dialogue"}, f"{path}: line {n}")
        cols["category"] = cols["decision"] = None
        d = _rows_to_dialogues(sub_rows, cols, speaker_map, f"{path}: line {n}")
        did = str(obj.get("id") or obj.get("dialogue_id") or f"line-{n}")
        dialogue = d[0] if d else RawDialogue(id=did, source_category=None, messages=[])
        dialogue.id = did
        dialogue.source_category = obj.get("category") if isinstance(obj.get("category"), str) else None
        dialogue.decision = _decision(obj.get("decision") or obj.get("outcome"))
        whole.append(dialogue)
    if rows:
        header = sorted({k for _, r in rows for k in r})
        whole += _rows_to_dialogues(rows, _pick_columns(header, columns, str(path)), speaker_map, str(path))
    return whole


_READERS = {"salessim": _read_salessim, "episodes": _read_episodes, "mgshopdial": _read_mgshopdial,
            "csv": _read_csv, "jsonl": _read_jsonl}


def read_dialogues(path: str | Path, fmt: str, *, speaker_map: dict[str, str] | None = None,
                   columns: dict[str, str] | None = None, any_shopper: bool = False) -> list[RawDialogue]:
    """The dialogues of ``path`` in format ``fmt`` (see the module docstring), as read."""
    path = Path(path)
    if fmt not in _READERS:
        raise SalesSimError(f"unknown format {fmt!r}", where="--format", hint=f"Use one of: {', '.join(FORMATS)}.")
    if not path.exists():
        raise DataError("file not found", where=str(path), hint="Check the path of the corpus to convert.")
    if path.is_dir() and fmt != "episodes":
        raise DataError("is a directory", where=str(path), hint="Pass the corpus file.")
    return _READERS[fmt](path, speaker_map=speaker_map or {}, columns=columns or {}, any_shopper=any_shopper)
