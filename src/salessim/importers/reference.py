"""Human reference corpora in one command: ``salessim import-reference FILE --format F --out REF.jsonl``.

Converts a corpus of shopping dialogues into the reference format that ``salessim eval RUN
--reference REF.jsonl`` reads (:mod:`salessim.metrics.reference`). Formats:

``salessim``
    SalesSim's own reference JSONL (validated and rewritten; categories can be remapped).
``episodes``
    An ``episodes.jsonl`` (or the run directory holding it) of ``salessim play`` runs: the
    episodes whose shopper is a person (``shopper.kind == "human"``; ``--any-shopper`` takes
    simulated shoppers too). Shopper and agent texts become turns; tool calls and product views
    are left out; the decision is the episode's. Episodes ended by an infrastructure fault are
    skipped.
``mgshopdial``
    The JSON file of MG-ShopDial (Bernard & Balog, SIGIR 2023; users bring the file): a list of
    conversations ``{"id": "<Category>:...", "metadata": {...}, "utterances": [{"participant":
    "Client" | "Wizard", "utterance": ..., "utterance_id": n, ...}]}``. Client = shopper, Wizard
    = agent. The source category is the part of ``id`` before the first ``:``; none is a SalesSim
    category, so ``--category`` is required. The decision comes from the client's checklist: the
    item ``decision`` ("make a final decision on which items to buy") ticked reads as ``buy``, a
    checklist without it as ``none``, an empty checklist (not filled in) as unknown.
``csv`` / ``jsonl``
    Generic message rows (one message per row/line) with a dialogue id, a speaker and a text
    column (``--columns`` names them; common names are found without it), optionally a category,
    an order and a decision column. A JSONL line may also hold a whole dialogue (a list under
    ``turns``, ``messages`` or ``utterances``). ``--speaker-map A=shopper,B=agent,C=skip`` says
    who is who; SalesSim's speaker aliases (customer, user, salesperson, assistant, ...) need none.

Turn rule: a **turn** is what the figures count per (words per turn, criteria per turn, ...).
By default consecutive messages of one speaker are **merged** into one turn (joined by a newline,
so sentence breaks stay), because chat users split one contribution over several messages, and
SalesSim's own shopper speaks once per turn; ``--no-merge`` keeps every message as a turn.
Messages with no text are dropped first, and speakers mapped to ``skip`` are removed before
merging.

Category mapping (``--category``, repeatable): ``SRC=NAME`` reads dialogues of source category
``SRC`` as the SalesSim category ``NAME``; a bare ``NAME`` applies to every dialogue no rule
matches. A dialogue whose category is already a SalesSim category keeps it when no rule matches;
the others are skipped and counted. The category decides which text understanding (lexicon) reads
the dialogue's criteria.

The output starts with ``#`` comment lines (ignored by the reader) naming the source, format and
turn rule; ``--out`` never overwrites a file that does not start with them.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

from salessim.errors import DataError, SalesSimError
from salessim.importers.reference_formats import (
    FORMATS,
    RawDialogue,
    parse_columns,
    parse_speaker_map,
    read_dialogues,
)
from salessim.metrics.reference import load_reference
from salessim.nlu.lexicon import canonical_category, category_schema
from salessim.store import default_store

__all__ = ["FORMATS", "HEADER", "RawDialogue", "import_reference", "merge_turns", "parse_category_rules",
           "parse_columns", "parse_speaker_map", "read_dialogues"]

#: The first characters of every file this module writes (``--out`` refuses any other file).
HEADER = "# salessim import-reference"


# ------------------------------------------------------------------------------ options


def _category_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", name.lower())


def parse_category_rules(specs: list[str] | None) -> tuple[dict[str, str], str | None]:
    """``--category`` values -> ({source key: SalesSim category}, default category or None).
    Every target must be a SalesSim category."""

    def target(name: str) -> str:
        cat = canonical_category(name)
        try:
            category_schema(cat)
        except SalesSimError:
            known = ", ".join(default_store().categories)
            raise SalesSimError(f"{name!r} is not a SalesSim category", where="--category",
                                hint=f"Use one of: {known} (e.g. --category 'Cellphones&Accessories=smartphones').") from None
        return cat

    rules: dict[str, str] = {}
    default: str | None = None
    for spec in specs or []:
        spec = spec.strip()
        if not spec:
            continue
        if "=" in spec:
            src, _, dst = spec.rpartition("=")
            if not src.strip():
                raise SalesSimError(f"{spec!r} has no source category before '='", where="--category")
            rules[_category_key(src)] = target(dst.strip())
        else:
            if default is not None:
                raise SalesSimError(f"two default categories ({default!r} and {spec!r})", where="--category",
                                    hint="Give one bare NAME; map source categories with SRC=NAME.")
            default = target(spec)
    return rules, default


def merge_turns(messages: list[tuple[str, str]], merge: bool = True) -> list[tuple[str, str]]:
    """Drop empty messages; with ``merge``, join consecutive messages of one role into one turn
    (newline-joined, so each message's sentence break stays)."""
    out: list[tuple[str, str]] = []
    for role, text in messages:
        text = (text or "").strip()
        if not text:
            continue
        if merge and out and out[-1][0] == role:
            out[-1] = (role, out[-1][1] + "\n" + text)
        else:
            out.append((role, text))
    return out


# ------------------------------------------------------------------------------ the command


def _check_out(out: Path) -> None:
    if out.is_dir():
        raise SalesSimError(f"{out} is a directory", where="--out", hint="Give a file name, e.g. reference.jsonl.")
    if out.exists():
        with open(out, "rb") as fh:
            head = fh.read(len(HEADER)).decode("utf-8", errors="replace")
        if head != HEADER:
            raise SalesSimError(f"{out} exists and was not written by `salessim import-reference`: it would be "
                                "overwritten", where="--out", hint="Pass another --out, or remove the file first.")


def import_reference(path: str | Path, fmt: str, out: str | Path, *, categories: list[str] | None = None,
                     merge: bool = True, speaker_map: str | dict[str, str] | None = None,
                     columns: str | dict[str, str] | None = None, any_shopper: bool = False) -> dict[str, Any]:
    """Convert ``path`` (format ``fmt``) into the reference JSONL ``out``; returns what was done
    (dialogues written and skipped, turns, messages merged, categories, decisions). Nothing is
    written when the input cannot be read."""

    path, out = Path(path), Path(out)
    _check_out(out)
    smap = parse_speaker_map(speaker_map) if isinstance(speaker_map, str) or speaker_map is None else \
        {k.lower(): v for k, v in speaker_map.items()}
    cols = parse_columns(columns) if isinstance(columns, str) or columns is None else dict(columns)
    rules, default = parse_category_rules(categories)
    raw = read_dialogues(path, fmt, speaker_map=smap, columns=cols, any_shopper=any_shopper)
    if not raw:
        raise DataError("no dialogue found", where=str(path), hint=f"Is this a {fmt} file? See `salessim import-reference --help`.")

    def own_category(name: str | None) -> str | None:
        if not name:
            return None
        cat = canonical_category(name)
        try:
            category_schema(cat)
            return cat
        except SalesSimError:
            return None

    report: dict[str, Any] = {"source": str(path), "format": fmt, "out": str(out), "turns": "merged" if merge else "messages",
                              "read": len(raw), "written": 0, "skipped": Counter(), "unmapped_categories": Counter(),
                              "messages": 0, "shopper_turns": 0, "agent_turns": 0, "categories": Counter(),
                              "decisions": Counter()}
    lines: list[str] = []
    seen_ids: Counter = Counter()
    for d in raw:
        src = d.source_category
        category = rules.get(_category_key(src)) if src else None
        if category is None:
            category = default or own_category(src)
        if category is None:
            report["skipped"]["category not mapped"] += 1
            report["unmapped_categories"][src or "(none)"] += 1
            continue
        kept = [(r, t) for r, t in d.messages if r in ("shopper", "agent")]
        report["messages"] += sum(1 for _, t in kept if t and t.strip())
        turns = merge_turns(kept, merge)
        if not any(r == "shopper" for r, _ in turns):
            report["skipped"]["no shopper text"] += 1
            continue
        seen_ids[d.id] += 1
        did = d.id if seen_ids[d.id] == 1 else f"{d.id}~{seen_ids[d.id]}"
        record: dict[str, Any] = {"id": did, "category": category,
                                  "turns": [{"speaker": r, "text": t} for r, t in turns]}
        if d.decision in ("buy", "leave", "none"):
            record["decision"] = d.decision
        if d.criteria:
            record["criteria"] = d.criteria
        if src and src != category:
            record["source_category"] = src
        if d.meta:
            record["source"] = d.meta
        lines.append(json.dumps(record, ensure_ascii=False))
        report["written"] += 1
        report["shopper_turns"] += sum(1 for r, _ in turns if r == "shopper")
        report["agent_turns"] += sum(1 for r, _ in turns if r == "agent")
        report["categories"][category] += 1
        report["decisions"][d.decision or "unknown"] += 1
    if not lines:
        seen = ", ".join(f"{k} ({v})" for k, v in report["unmapped_categories"].most_common(8))
        if report["unmapped_categories"]:
            raise SalesSimError(f"no dialogue has a SalesSim category: the source categories are {seen}",
                                where="--category", hint="Map them, e.g. --category smartphones (every dialogue) or "
                                "--category 'Cellphones&Accessories=smartphones' (only those).")
        raise DataError("no dialogue with a shopper turn", where=str(path))
    stamp = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    header = [f"{HEADER} {stamp}: format={fmt}, source={path.name}, turns="
              f"{'consecutive messages of one speaker merged' if merge else 'one message = one turn'}",
              f"# {report['written']} dialogue(s), {report['shopper_turns']} shopper turn(s), "
              f"{report['agent_turns']} agent turn(s) from {report['messages']} message(s)"]
    tmp = out.with_name(out.name + ".tmp")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_text("\n".join(header + lines) + "\n", encoding="utf-8")
    try:
        load_reference(tmp)  # what we write must read back
    except SalesSimError:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, out)
    report["merged_away"] = report["messages"] - report["shopper_turns"] - report["agent_turns"]
    for key in ("skipped", "unmapped_categories", "categories", "decisions"):
        report[key] = dict(report[key])
    return report
