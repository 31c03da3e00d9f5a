"""Import rollouts of the paper's public code (SalesforceAIResearch/SalesSim) into a SalesSim run
directory, so that ``salessim eval RUN_DIR`` scores them with SalesSim's own metrics.

``salessim import-official FILE [--catalog PRODUCTS.json] --out RUN_DIR`` writes ``run.json``,
``episodes.jsonl``, ``personas.jsonl``, ``import_notes.json`` and, with ``--catalog``,
``catalog.yaml`` (the imported products, which ``eval`` scores against). The format, the mapping
of the persona questions, the product resolution and the decision rule are documented in
docs/importing.md and in the modules of this package:

- :mod:`.records`: reading the file and its fields (JSON values or Python-literal strings);
- :mod:`.catalog`: the products file -> typed products, with a coverage report;
- :mod:`.questions`: the persona's question -> answer dict -> criteria (a table in data);
- :mod:`.freetext`: free-text preferences -> criteria (older rollouts);
- :mod:`.products`: products named in the salesperson's text;
- :mod:`.convert`: one record -> persona + episode.

A record whose turns cannot be read is an error naming the record and field, and nothing is
written, unless ``skip_bad`` is set: then it is left out and listed in ``import_notes.json``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

from salessim import __version__
from salessim.api.rundir import RunDir
from salessim.constraints import ideal_for_persona, valid_products
from salessim.errors import DataError, SalesSimError
from salessim.importers.official.catalog import ImportedCatalog, load_official_catalog
from salessim.importers.official.convert import FORMAT, Converted, convert_record
from salessim.importers.official.freetext import parse_preferences, split_preferences
from salessim.importers.official.products import ProductResolver
from salessim.importers.official.records import (
    RecordError,
    load_run_config,
    read_records,
    record_label,
)
from salessim.nlu.lexicon import category_schema
from salessim.personas import read_imported_personas
from salessim.schema.run import AgentConfig, RunConfig, ShopperConfig

CATALOG_FILE = "catalog.yaml"
PERSONAS_FILE = "personas.jsonl"
NOTES_FILE = "import_notes.json"

__all__ = ["CATALOG_FILE", "FORMAT", "import_official", "load_official_catalog", "parse_preferences",
           "read_personas", "read_records", "split_preferences"]

read_personas = read_imported_personas  # the personas.jsonl an import writes


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _unmapped_summary(notes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Unmapped questions over all records: question -> count and the reasons given."""
    out: dict[str, dict[str, Any]] = {}
    for note in notes:
        for u in note.get("unmapped", []):
            key = u.get("question") or u.get("answer") or "?"
            entry = out.setdefault(key, {"count": 0, "why": []})
            entry["count"] += 1
            if u.get("why") not in entry["why"]:
                entry["why"].append(u.get("why"))
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["count"]))


def import_official(path: str | Path, out_dir: str | Path, *, category: str = "laptops",
                    catalog: str | Path | None = None, skip_bad: bool = False) -> dict[str, Any]:
    """Convert the rollouts of ``path`` into the run directory ``out_dir`` (see the module
    docstring). ``catalog``: the public code's products file. Returns a short report."""

    path = Path(path)
    rd = RunDir(out_dir)
    rd.check_new()  # a file, a directory of someone else's files, or a run with episodes: refused
    records = read_records(path)
    imported: ImportedCatalog | None = load_official_catalog(catalog) if catalog else None
    try:
        category = imported.category if imported else category_schema(category).name
    except SalesSimError as exc:
        raise SalesSimError(str(exc), where="--category") from None
    models = load_run_config(path)
    products = imported.products if imported else []
    converted: list[Converted] = []
    skipped: list[dict[str, Any]] = []
    for i, record in enumerate(records):
        rec_category = category
        named = record.get("product_category") or record.get("category")
        if named:
            try:
                rec_category = category_schema(str(named)).name
            except SalesSimError as exc:
                raise DataError(f"{record_label(record, i)}: category: {exc}", where=path.name) from None
            if imported and rec_category != imported.category:
                raise DataError(f"{record_label(record, i)}: category {rec_category}, but the --catalog holds "
                                f"{imported.category}", where=path.name, hint="Pass the products file of that category.")
        resolver = ProductResolver(products, rec_category)
        try:
            converted.append(convert_record(record, i, rec_category, path.name, resolver, models=models,
                                            has_catalog=imported is not None))
        except RecordError as exc:
            if not skip_bad:
                raise
            skipped.append({"record": i, "error": str(exc)})
    if not converted:
        raise DataError(f"none of the {len(records)} record(s) could be imported", where=str(path),
                        hint="See the errors listed with --skip-bad; the turns need 'speaker' and 'text'.")
    if imported is not None:  # label the personas against the imported catalog, as the benchmark's are

        for c in converted:
            same = [p for p in imported.products if p.category == c.persona.category]
            c.persona.feasible = bool(valid_products(same, c.persona.criteria))
            c.persona.ideal_product_ids = [p.id for p in ideal_for_persona(same, c.persona)]
    seen: dict[str, int] = {}
    for c in converted:  # repeated conversation ids: keep them apart
        if c.persona.id in seen:
            seen[c.persona.id] += 1
            new_id = f"{c.persona.id}-{seen[c.persona.id]}"
            c.persona = c.persona.model_copy(update={"id": new_id})
            c.episode = c.episode.model_copy(update={"id": f"{new_id}#0", "persona_id": new_id})
            c.note["persona_id"], c.note["episode_id"] = new_id, f"{new_id}#0"
        else:
            seen[c.persona.id] = 0

    run_id = f"import-{path.stem}-{_dt.datetime.now(_dt.timezone.utc).strftime('%Y%m%d-%H%M%S')}"
    for c in converted:
        c.episode.run_id = run_id
    cfg = RunConfig(personas=PERSONAS_FILE, split="all", shopper=ShopperConfig(kind="imported"),
                    agent=AgentConfig(kind="imported"))
    with rd.lock("import", create=True):
        _write(rd, path, catalog, imported, converted, records, skipped, cfg, __version__)
    episodes = [c.episode for c in converted]
    return {
        "run_dir": str(rd.path),
        "episodes": len(episodes),
        "messages": sum(len(e.messages) for e in episodes),
        "personas": len(converted),
        "criteria": sum(len(c.persona.criteria) for c in converted),
        "unparsed": sum(len(c.note.get("unmapped", [])) for c in converted),
        "unmapped_questions": len(_unmapped_summary([c.note for c in converted])),
        "personas_without_criteria": sum(1 for c in converted if not c.persona.criteria),
        "skipped": skipped,
        "catalog_products": len(imported.products) if imported else 0,
        "presented": sum(len(e.presented_product_ids) for e in episodes),
        "decisions": {t: sum(1 for e in episodes if e.decision.type == t) for t in ("buy", "leave", "none")},
    }


def _write(rd, path: Path, catalog, imported: ImportedCatalog | None, converted: list[Converted],
           records: list, skipped: list, cfg, version: str) -> None:
    """Write the run directory of an import (personas, episodes, notes, catalog, run.json)."""
    stamp = _dt.datetime.now(_dt.timezone.utc)
    with open(rd.path / PERSONAS_FILE, "w", encoding="utf-8") as fh:
        for c in converted:
            fh.write(c.persona.model_dump_json() + "\n")
    rd.rewrite_episodes([c.episode for c in converted])
    notes: dict[str, Any] = {
        "file": str(path), "records": len(records), "imported": len(converted), "skipped": skipped,
        "unmapped_questions": _unmapped_summary([c.note for c in converted]),
        "records_notes": [c.note for c in converted],
    }
    imported_from: dict[str, Any] = {"format": FORMAT, "file": str(path), "sha256": _sha(path), "records": len(records),
                                     "imported": len(converted), "skipped": len(skipped)}
    data: dict[str, Any] = {}
    if imported is not None:
        rows = [p.model_dump(mode="json") for p in imported.products]
        (rd.path / CATALOG_FILE).write_text(
            "# Products imported by `salessim import-official --catalog` (see import_notes.json for the\n"
            "# source of every value). `salessim eval` scores this run against them.\n"
            + yaml.safe_dump(rows, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8")
        notes["catalog"] = {"file": str(catalog), "category": imported.category, "products": len(imported.products),
                            "skipped_categories": imported.skipped_categories, "coverage": imported.coverage(),
                            "sources": imported.sources}
        imported_from["catalog"] = {"file": str(catalog), "sha256": _sha(Path(catalog))}
        data = {"catalog_file": CATALOG_FILE, "category": imported.category}
    (rd.path / NOTES_FILE).write_text(json.dumps(notes, indent=2, ensure_ascii=False, default=str) + "\n",
                                      encoding="utf-8")
    meta = {
        "run_id": converted[0].episode.run_id,
        "salessim_version": version,
        "config": cfg.model_dump(mode="json"),
        "imported_from": imported_from,
        "data": data,
        "episodes_planned": len(converted),
        "episodes_done": len(converted),
        "status": "complete",
        "created_at": stamp.isoformat(timespec="seconds"),
        "updated_at": stamp.isoformat(timespec="seconds"),
    }
    rd.write_meta(meta)
