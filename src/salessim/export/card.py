"""The dataset card (README.md) of an export: what it holds, the configs it came from, the versions,
the schema and the metric definitions. Front matter in the Hugging Face Hub's format, so an export
directory can be uploaded as it is."""

from __future__ import annotations

import json

from salessim.export.schema import (
    EPISODE_COLUMNS,
    METRIC_PREFIX,
    SCHEMA_VERSION,
    TURN_COLUMNS,
    Column,
)

__all__ = ["dataset_card"]


def _front_matter(info: dict) -> str:
    fmt = info["data_format"]
    lines = ["---", f"pretty_name: \"SalesSim export: {info.get('sweep') or 'run'}\"",
             "tags:", "  - salessim", "  - user-simulation", "  - conversational", "  - retail"]
    if fmt in ("parquet", "jsonl"):
        ext = "parquet" if fmt == "parquet" else "jsonl"
        lines += ["configs:",
                  "  - config_name: episodes", f"    data_files: episodes.{ext}", "    default: true",
                  "  - config_name: turns", f"    data_files: turns.{ext}"]
    lines.append("---")
    return "\n".join(lines)


def _columns_table(columns: list[Column]) -> list[str]:
    out = ["| column | type | null | meaning |", "|---|---|---|---|"]
    for c in columns:
        out.append(f"| `{c.name}` | {c.type} | {'yes' if c.nullable else ''} | {c.description} |")
    return out


def _how_to_load(fmt: str) -> list[str]:
    if fmt == "hf":
        return ["```python", "import datasets", "ds = datasets.load_from_disk(\"PATH\")   # a DatasetDict",
                "episodes, turns = ds[\"episodes\"], ds[\"turns\"]", "```"]
    if fmt == "parquet":
        return ["```python", "import pyarrow.parquet as pq", "episodes = pq.read_table(\"PATH/episodes.parquet\")",
                "turns = pq.read_table(\"PATH/turns.parquet\")",
                "# or: datasets.load_dataset(\"parquet\", data_files={\"episodes\": \"PATH/episodes.parquet\"})", "```"]
    return ["```python", "import json",
            "episodes = [json.loads(line) for line in open(\"PATH/episodes.jsonl\")]", "```"]


def dataset_card(info: dict, metrics: list[str]) -> str:
    """The README.md of an export described by ``info`` (the content of export.json)."""
    counts = info["counts"]
    lines = [_front_matter(info), "", f"# SalesSim export{': ' + info['sweep'] if info.get('sweep') else ''}", "",
             "Conversations between simulated shoppers and sales agents from SalesSim, "
             "a testbed for LLM shopper simulators in online retail, with every metric SalesSim scored them with.",
             "",
             f"- {counts['episodes']} episodes from {counts['runs']} run(s); {counts['turns']} messages",
             f"- export schema {SCHEMA_VERSION}, format `{info['data_format']}`, written {info['created_at']}",
             "- versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()),
             "", "## Loading", "", *_how_to_load(info["data_format"]), "",
             "Two tables: `episodes` (one row per episode) and `turns` (one row per message; join on "
             "`run_id` + `episode_id`).", ""]
    if info.get("notes"):
        lines += ["Left out: " + "; ".join(info["notes"]), ""]
    lines += ["## Runs", "", "| run | cell | shopper | agent | split | seed | trials | catalog | personas |",
              "|---|---|---|---|---|---:|---:|---|---|"]
    for r in info["runs"]:
        cfg = r["config"] or {}
        shopper, agent = cfg.get("shopper") or {}, cfg.get("agent") or {}
        s_model = (shopper.get("model") or {}).get("model") if isinstance(shopper.get("model"), dict) else None
        a_model = (agent.get("model") or {}).get("model") if isinstance(agent.get("model"), dict) else None
        flaws = {k: v for k, v in (shopper.get("flaws") or {}).items() if v}
        s_text = shopper.get("kind", "?") + (f":{s_model}" if s_model else "") + (f" {json.dumps(flaws)}" if flaws else "")
        a_text = agent.get("kind", "?") + (f":{a_model}" if a_model else "")
        data = r.get("data") or {}
        lines.append(f"| {r['run_id']} | {r.get('cell') or ''} | {s_text} | {a_text} | {cfg.get('split', '')} | "
                     f"{cfg.get('seed', '')} | {cfg.get('episodes_per_persona', '')} | {data.get('catalog_hash', '')} | "
                     f"{data.get('personas_hash', '')} |")
    lines += ["", "The full configs (endpoint URLs left out; keys are never stored) are in `export.json`"
              + (", with the sweep config" if info.get("sweep_config") else "") + ".", ""]
    if info.get("sweep_config"):
        lines += ["## Sweep config", "", "```json", json.dumps(info["sweep_config"], indent=2), "```", ""]
    lines += ["## Metrics", "", f"Each has a column `{METRIC_PREFIX}<name>` in `episodes` (null when the metric "
              "did not apply to the episode). Definitions: SalesSim's docs/metrics.md.", "",
              "| metric | versions | definition |", "|---|---|---|"]
    for m in info["metrics"]:
        lines.append(f"| `{m['name']}` | {', '.join(m['versions'])} | {m['description']} |")
    lines += ["", "## Schema", "", f"Version {SCHEMA_VERSION} (every row's `schema_version`). "
              "A minor version adds columns; a major one renames, removes or changes a column.", "",
              "### episodes", "", *_columns_table(EPISODE_COLUMNS),
              f"| `{METRIC_PREFIX}<name>` | float64 | yes | value of metric <name> ({len(metrics)} metrics, above) |",
              "", "### turns", "", *_columns_table(TURN_COLUMNS), ""]
    return "\n".join(lines)
