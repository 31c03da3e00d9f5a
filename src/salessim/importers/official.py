"""Import rollouts in the format of the paper's public code into a SalesSim run directory.

``salessim import-official FILE --out RUN_DIR`` reads a rollout file and writes a run directory
(``run.json``, ``episodes.jsonl``, ``personas.jsonl``, ``import_notes.json``) that
``salessim eval RUN_DIR`` scores like any run.

Accepted input (tolerant): a JSON array of records, a JSON object holding the array under
``simulations``/``results``/``conversations``/``rollouts``, or JSONL (one record per line). A
record has:

- ``conversation`` (or ``messages``/``dialogue``/``turns``): turns ``{"speaker": "Shopper" |
  "Salesperson", "text": str | [{"type": "text", "text": ...}], "turn": n}``; speakers
  customer/user/buyer count as the shopper, agent/assistant/seller as the sales side. Optional per
  turn: ``recommended_items`` (titles, or ``{"metadata": {"title"}, "page_content"}`` objects) and,
  on shopper turns, ``shopper_action`` (a JSON string or object ``{"name": "add_to_cart",
  "arguments": {"product": ...}}``; ``end_conversation``/``leave``/``reject`` mean leaving);
- ``shopper_preferences``: free text (``"preferences: ...\\ndealbreakers: ..."`` or prose);
- ``shopper_persona``: ``{name, age, background, shopper_big5_traits, speaking_style,
  knowledge_level, ...}`` (or free text); ``shopper_emotion`` optional;
- ``outcome``: free text or ``{"decision": ..., "product": ...}`` (purchase / no purchase);
- optional ``conversation_id``/``id``, ``category`` (default: ``--category``, laptops).

Conversion rules:

- Personas: profile and Big-Five levels from ``shopper_persona`` (missing fields get neutral
  defaults: age 35, Medium traits); ``goal`` = the free-text preferences. The preferences are split
  into clauses (by section label, line, sentence, ``;`` and ``, ``); a clause in a
  ``dealbreakers``/``must`` section or worded as a requirement ("must", "need", "has to",
  "dealbreaker", "no more than", "nothing from") or read with a ``must`` strength becomes a
  *dealbreaker*, others *preferences*.
  Each clause is read with :func:`salessim.nlu.extract_criteria`; clauses that yield no criterion
  are listed as **unparsed** in ``import_notes.json`` and in each episode's
  ``shopper.params["unparsed_preferences"]``. The free text itself is kept in
  ``shopper.params["shopper_preferences"]`` (the judge version of decision alignment reads it).
  Imported personas carry no feasibility label and no ideal set.
- Products are not in the SalesSim catalog: each recommended or bought title becomes the id
  ``ext:<slug>`` (titles in ``shopper.params["products"]``). Metrics that need catalog attributes
  (decision alignment, dealbreaker disclosure, persuasion, ideal match) therefore report "not
  scored" on imported runs; disclosure, overdisclosure, drift, lexical diversity, simulator
  errors, sell and the LLM judges work.
- Decision: an ``add_to_cart`` action (last one wins) is a purchase; otherwise the ``outcome``
  text decides (purchase / no purchase); otherwise a shopper ``end_conversation`` is leaving;
  otherwise no decision. Termination: bought | left | max_turns.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from salessim.errors import DataError, SalesSimError
from salessim.schema import (
    BigFive,
    Criterion,
    Decision,
    Episode,
    Message,
    ParticipantInfo,
    Persona,
    Profile,
    ShopperAction,
)

FORMAT = "official"
SHOPPER_SPEAKERS = {"shopper", "customer", "user", "buyer", "human"}
AGENT_SPEAKERS = {"salesperson", "agent", "assistant", "seller", "sales", "salesbot", "bot"}
LIST_KEYS = ("simulations", "results", "conversations", "rollouts", "dialogues", "data")
TURN_KEYS = ("conversation", "messages", "dialogue", "turns", "transcript")

_SECTION_RE = re.compile(
    r"(?im)^\s*(preferences?|nice[- ]to[- ]haves?|wants|dealbreakers?|deal[- ]breakers?|must[- ]haves?|requirements?)\s*:\s*")
_INLINE_SECTION_RE = re.compile(r"(?i)\b(dealbreakers?|deal[- ]breakers?|must[- ]haves?|preferences?|nice[- ]to[- ]haves?)\s*:\s*")
_REQUIREMENT_RE = re.compile(
    r"(?i)\b(must|need|needs|has to|have to|dealbreaker|non-negotiable|no more than|at most|cannot|can't|"
    r"won't|nothing from|never|required|essential)\b")
_SENTENCE_SPLIT_RE = re.compile(r"\n+|(?<=[a-z0-9)])[.!?]+\s+(?=[A-Z])|[.!?]+\s*$")
_CLAUSE_SPLIT_RE = re.compile(r",\s+|;\s*")
_LEVELS = {
    "extreme low": "Extreme Low", "extremely low": "Extreme Low", "very low": "Extreme Low",
    "low": "Low", "medium": "Medium", "moderate": "Medium", "average": "Medium", "neutral": "Medium",
    "high": "High", "very high": "Extreme High", "extremely high": "Extreme High", "extreme high": "Extreme High",
}
_TRAIT_ALIASES = {"openness": "openness", "conscientiousness": "conscientiousness", "extraversion": "extraversion",
                  "extroversion": "extraversion", "agreeableness": "agreeableness", "neuroticism": "neuroticism",
                  "emotional stability": None}


# ------------------------------------------------------------------------------ reading


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """The rollout records of ``path`` (JSON array, JSON object with a list, or JSONL)."""
    path = Path(path)
    if not path.is_file():
        raise SalesSimError("rollout file not found", where=str(path),
                            hint="Pass the results.json (or JSONL) written by the paper's code.")
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
        raise DataError("no rollout records found", where=str(path))
    return records


def _turn_text(turn: dict[str, Any]) -> str:
    text = turn.get("text", turn.get("content", ""))
    if isinstance(text, list):
        return "\n".join(str(b.get("text", "")) for b in text if isinstance(b, dict) and b.get("type") == "text")
    return "" if text is None else str(text)


def _title(item: Any) -> str | None:
    if isinstance(item, str):
        return item.strip() or None
    if isinstance(item, dict):
        meta = item.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("title"), str) and meta["title"].strip():
            return meta["title"].strip()
        for key in ("title", "name", "product"):
            if isinstance(item.get(key), str) and item[key].strip():
                return item[key].strip()
        content = item.get("page_content")
        if isinstance(content, str) and content.strip():
            return content.strip().splitlines()[0].strip() or None
    return None


def product_id(title: str) -> str:
    """The SalesSim id of an external product title: ``ext:<slug>``."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return f"ext:{slug or hashlib.sha256(title.encode()).hexdigest()[:8]}"


def _action(raw: Any) -> tuple[str | None, str | None]:
    """``(kind, product title)`` of a shopper_action: kind buy | leave | None."""
    if raw is None or raw == "":
        return None, None
    obj = raw
    if isinstance(raw, str):
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError:
            obj = {"name": raw}
    if not isinstance(obj, dict):
        return None, None
    name = str(obj.get("name") or obj.get("action") or obj.get("type") or "").lower()
    args = obj.get("arguments", obj.get("args", {}))
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except json.JSONDecodeError:
            m = re.search(r'"product(?:_name)?"\s*:\s*"([^"]+)"', args)
            args = {"product": m.group(1)} if m else {}
    product = None
    if isinstance(args, dict):
        product = args.get("product") or args.get("product_name") or args.get("title")
    if any(k in name for k in ("add_to_cart", "buy", "purchase", "checkout")):
        return "buy", str(product) if product else None
    if any(k in name for k in ("end_conversation", "leave", "exit", "reject", "end")):
        return "leave", None
    return None, None


def _outcome(raw: Any) -> tuple[str | None, str | None]:
    """``(buy | leave | None, product title)`` from an ``outcome`` field."""
    product = None
    if isinstance(raw, dict):
        product = raw.get("product") or raw.get("product_name") or raw.get("item")
        raw = raw.get("decision") or raw.get("outcome") or raw.get("result") or raw.get("type") or ""
    text = str(raw or "").strip().lower()
    if not text:
        return None, product
    if re.search(r"\b(no[ _-]?purchase|not (buy|purchase)|did not|didn't|declin|reject|left|leave|abandon|walk|no[ _-]?sale|end)", text):
        return "leave", None
    if re.search(r"(purchas|bought|\bbuy|add_to_cart|accept|sale|checkout)", text):
        return "buy", product
    return None, product


# ------------------------------------------------------------------------- preferences


def split_preferences(text: str) -> list[tuple[str, str, int]]:
    """Clauses of a free-text preference statement: ``(clause, kind, group)`` with kind
    dealbreaker | preference and ``group`` numbering the sentence (or section line) it came from."""
    if not text or not text.strip():
        return []
    out: list[tuple[str, str, int]] = []
    # A label at the start of a line ("dealbreakers: ...") holds until the next label; a label
    # inside a sentence ("... Dealbreaker: nothing from Apple. Budget ...") only for its sentence.
    parts: list[tuple[str | None, bool, str]] = []
    pos = 0
    current: str | None = None
    line_level = True
    for m in _INLINE_SECTION_RE.finditer(text):
        if m.start() > pos:
            parts.append((current, line_level, text[pos:m.start()]))
        current = m.group(1).lower()
        line_level = m.start() == 0 or text[:m.start()].rstrip(" \t").endswith("\n")
        pos = m.end()
    parts.append((current, line_level, text[pos:]))
    group = 0
    outer: str | None = None
    for section, at_line_start, body in parts:
        if at_line_start:
            outer = section
        sentences = [x for x in _SENTENCE_SPLIT_RE.split(body) if x and x.strip()]
        for k, sentence in enumerate(sentences):
            label = section if (at_line_start or k == 0) else outer
            section_kind = None
            if label is not None:
                section_kind = "dealbreaker" if re.match(r"(deal|must|requirement)", label) else "preference"
            group += 1
            for clause in _CLAUSE_SPLIT_RE.split(sentence):
                clause = (clause or "").strip(" .;,-\t")
                if len(clause) < 3:
                    continue
                kind = section_kind or ("dealbreaker" if _REQUIREMENT_RE.search(clause) else "preference")
                if section_kind == "preference" and re.search(r"(?i)\b(dealbreaker|non-negotiable)\b", clause):
                    kind = "dealbreaker"
                out.append((clause, kind, group))
    return out


def _item_fields(item: Any) -> tuple[Any, Any, Any]:
    get = (lambda k: item.get(k)) if isinstance(item, dict) else (lambda k: getattr(item, k, None))
    return get("attribute"), get("op"), get("value")


def parse_preferences(text: str, category: str) -> tuple[list[Criterion], list[str], list[dict]]:
    """Criteria parsed from free-text preferences: ``(criteria, unparsed clauses, parsed notes)``.
    The first clause that speaks about an attribute wins (dealbreakers before preferences)."""
    from salessim import nlu

    clauses = split_preferences(text)
    criteria: dict[str, Criterion] = {}
    read: list[tuple[str, str, int, list[Criterion]]] = []
    for clause, kind, group in clauses:
        found = []
        for item in nlu.extract_criteria(clause, category):
            attr, op, value = _item_fields(item)
            if isinstance(value, tuple):
                value = list(value)
            item_kind = "dealbreaker" if getattr(item, "strength", None) == "must" else kind
            try:
                found.append(Criterion(attribute=str(attr), op=op, value=value, kind=item_kind, weight=1.0,
                                       phrasings=[clause]))
            except Exception:  # noqa: BLE001 - an item the criterion language cannot hold
                continue
        read.append((clause, kind, group, found))
    # dealbreakers first: the first criterion on an attribute wins
    for _clause, _kind, _group, found in sorted(read, key=lambda r: 0 if r[1] == "dealbreaker" else 1):
        for crit in found:
            criteria.setdefault(crit.attribute, crit)
    notes = [{"clause": c, "kind": k, "criteria": [x.key for x in f]} for c, k, _g, f in read if f]
    unparsed: list[str] = []
    last_group = None
    for clause, _kind, group, found in read:  # neighbouring unread clauses of a sentence stay together
        if found:
            last_group = None
            continue
        if unparsed and last_group == group:
            unparsed[-1] = f"{unparsed[-1]}, {clause}"
        else:
            unparsed.append(clause)
        last_group = group
    return list(criteria.values()), unparsed, notes


def _big_five(raw: Any) -> BigFive:
    levels: dict[str, str] = {}
    if isinstance(raw, dict):
        pairs = list(raw.items())
    elif isinstance(raw, str):
        pairs = re.findall(r"([A-Za-z ]+?)\s*[:=-]\s*([A-Za-z ]+?)(?:[,;\n]|$)", raw)
    else:
        pairs = []
    for trait, level in pairs:
        t = _TRAIT_ALIASES.get(str(trait).strip().lower())
        lv = _LEVELS.get(str(level).strip().lower())
        if t and lv:
            levels[t] = lv
    return BigFive(**levels)


def _persona_fields(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str) and raw.strip():
        return {"background": raw.strip()}
    return {}


# ------------------------------------------------------------------------------ convert


def convert_record(record: dict[str, Any], index: int, category: str, source: str) -> tuple[Persona, Episode, dict]:
    """One rollout record -> (persona, episode, import note)."""
    category = str(record.get("category") or category)
    conv_id = record.get("conversation_id", record.get("id", index + 1))
    from salessim.nlu.lexicon import category_schema

    try:
        category = category_schema(category).name  # also accepts "laptop", "phone", ...
    except SalesSimError as exc:
        raise DataError(f"record {index + 1} (conversation {conv_id}): category: {exc}", where=source) from None
    pid = f"official-{conv_id}"
    pf = _persona_fields(record.get("shopper_persona"))
    prefs_raw = record.get("shopper_preferences") or ""
    prefs = prefs_raw if isinstance(prefs_raw, str) else json.dumps(prefs_raw, ensure_ascii=False)
    criteria, unparsed, parsed = parse_preferences(prefs, category)
    try:
        age = int(pf.get("age", 35))
    except (TypeError, ValueError):
        age = 35
    knowledge = str(pf.get("knowledge_level", "intermediate")).strip().lower()
    if knowledge not in ("novice", "intermediate", "expert"):
        knowledge = {"beginner": "novice", "low": "novice", "high": "expert", "advanced": "expert"}.get(knowledge, "intermediate")
    persona = Persona(
        id=pid, archetype="imported", category=category,
        profile=Profile(name=str(pf.get("name") or f"Shopper {conv_id}"), age=min(110, max(12, age)),
                        background=str(pf.get("background") or pf.get("persona_background") or "(not given)"),
                        knowledge_level=knowledge, speaking_style=str(pf.get("speaking_style") or "plain")),
        big_five=_big_five(pf.get("shopper_big5_traits") or pf.get("big5") or pf.get("big_five")),
        emotion=str(record.get("shopper_emotion") or pf.get("emotion") or "neutral"),
        goal=prefs or "(no preferences given)",
        criteria=criteria,
    )
    turns = next((record[k] for k in TURN_KEYS if isinstance(record.get(k), list)), [])
    messages: list[Message] = []
    titles: dict[str, str] = {}
    presented: list[str] = []
    bought: str | None = None
    left = False
    for turn in turns:
        if not isinstance(turn, dict):
            continue
        speaker = str(turn.get("speaker", turn.get("role", ""))).strip().lower()
        text = _turn_text(turn)
        meta = {"turn": turn.get("turn"), "speaker": turn.get("speaker", turn.get("role"))}
        if speaker in SHOPPER_SPEAKERS:
            kind, title = _action(turn.get("shopper_action"))
            if kind == "buy":
                title = title or (titles[presented[-1]] if presented else "unknown product")
                prod = product_id(title)
                titles.setdefault(prod, title)
                bought, left = prod, False
                action = ShopperAction(type="buy", text=text, product_id=prod)
            elif kind == "leave":
                left = True
                action = ShopperAction(type="leave", text=text, reason="end_conversation")
            else:
                action = ShopperAction(type="say", text=text)
            messages.append(Message(role="shopper", text=text, action=action, meta=meta))
        elif speaker in AGENT_SPEAKERS:
            ids = []
            for item in turn.get("recommended_items") or []:
                title = _title(item)
                if title:
                    prod = product_id(title)
                    titles.setdefault(prod, title)
                    ids.append(prod)
                    if prod not in presented:
                        presented.append(prod)
            messages.append(Message(role="agent", text=text, presented_product_ids=ids, meta=meta))
    outcome_kind, outcome_product = _outcome(record.get("outcome"))
    if bought:
        decision, termination = Decision(type="buy", product_id=bought), "bought"
    elif outcome_kind == "buy":
        title = outcome_product or (titles[presented[-1]] if presented else None)
        prod = product_id(title) if title else None
        if prod:
            titles.setdefault(prod, title)
        decision, termination = Decision(type="buy", product_id=prod), "bought"
    elif outcome_kind == "leave" or left:
        decision, termination = Decision(type="leave", reason="no purchase"), "left"
    else:
        decision, termination = Decision(type="none"), "max_turns"
    if decision.product_id and decision.product_id not in presented:
        presented.append(decision.product_id)
    params = {
        "imported_from": FORMAT,
        "source": source,
        "shopper_preferences": prefs,
        "unparsed_preferences": unparsed,
        "shopper_persona": pf,
        "products": titles,
        "outcome": record.get("outcome"),
    }
    episode = Episode(
        id=f"{pid}#0", run_id="", persona_id=pid, persona_hash=persona.content_hash(), category=category,
        archetype="imported", trial=0, seed=0,
        shopper=ParticipantInfo(kind="imported", model=record.get("shopper_model"), params=params),
        agent=ParticipantInfo(kind="imported", model=record.get("salesperson_model") or record.get("agent_model")),
        messages=messages, presented_product_ids=presented, decision=decision, termination=termination,
        turns=sum(1 for m in messages if m.role == "shopper"),
    )
    note = {"persona_id": pid, "shopper_preferences": prefs, "parsed": parsed, "unparsed": unparsed,
            "criteria": [c.key for c in criteria]}
    return persona, episode, note


def import_official(path: str | Path, out_dir: str | Path, *, category: str = "laptops") -> dict[str, Any]:
    """Convert the rollouts of ``path`` into the run directory ``out_dir`` (see the module
    docstring). Returns a short report: episodes, personas, criteria parsed, clauses unparsed."""
    from salessim import __version__
    from salessim.schema.run import AgentConfig, RunConfig, ShopperConfig
    from salessim.sim.rundir import RunDir

    path = Path(path)
    rd = RunDir(out_dir)
    if rd.run_json.exists():
        raise SalesSimError(f"{rd.path} already holds a run", where="--out", hint="Pass a new --out directory.")
    records = read_records(path)
    personas: list[Persona] = []
    episodes: list[Episode] = []
    notes: list[dict] = []
    seen: dict[str, int] = {}
    for i, record in enumerate(records):
        persona, episode, note = convert_record(record, i, category, path.name)
        if persona.id in seen:  # repeated conversation ids: keep them apart
            seen[persona.id] += 1
            new_id = f"{persona.id}-{seen[persona.id]}"
            persona = persona.model_copy(update={"id": new_id})
            episode = episode.model_copy(update={"id": f"{new_id}#0", "persona_id": new_id})
            note["persona_id"] = new_id
        else:
            seen[persona.id] = 0
        personas.append(persona)
        episodes.append(episode)
        notes.append(note)
    stamp = _dt.datetime.now(_dt.timezone.utc)
    run_id = f"import-{path.stem}-{stamp.strftime('%Y%m%d-%H%M%S')}"
    for ep in episodes:
        ep.run_id = run_id
    cfg = RunConfig(personas="personas.jsonl", split="all", shopper=ShopperConfig(kind="imported"),
                    agent=AgentConfig(kind="imported"))
    rd.path.mkdir(parents=True, exist_ok=True)
    with open(rd.path / "personas.jsonl", "w", encoding="utf-8") as fh:
        for p in personas:
            fh.write(p.model_dump_json() + "\n")
    rd.rewrite_episodes(episodes)
    (rd.path / "import_notes.json").write_text(json.dumps(notes, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    meta = {
        "run_id": run_id,
        "salessim_version": __version__,
        "config": cfg.model_dump(mode="json"),
        "imported_from": {"format": FORMAT, "file": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()[:16],
                          "records": len(records)},
        "episodes_planned": len(episodes),
        "episodes_done": len(episodes),
        "status": "complete",
        "created_at": stamp.isoformat(timespec="seconds"),
        "updated_at": stamp.isoformat(timespec="seconds"),
    }
    rd.write_meta(meta)
    return {
        "run_dir": str(rd.path),
        "episodes": len(episodes),
        "personas": len(personas),
        "criteria": sum(len(p.criteria) for p in personas),
        "unparsed": sum(len(n["unparsed"]) for n in notes),
        "personas_without_criteria": sum(1 for p in personas if not p.criteria),
    }


def read_personas(path: str | Path) -> list[Persona]:
    """Read an imported ``personas.jsonl`` (pydantic validation only: imported personas may have
    no criterion and carry no labels, which the benchmark persona checks would refuse)."""
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                out.append(Persona.model_validate_json(line))
            except Exception as exc:  # noqa: BLE001
                raise DataError(f"line {n}: not a valid persona ({str(exc).splitlines()[0]})", where=str(path)) from None
    return out
