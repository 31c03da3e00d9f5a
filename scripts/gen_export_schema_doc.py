"""Write docs/export-schema.md from salessim.export.schema (the columns live in the code).

    python scripts/gen_export_schema_doc.py
"""

from pathlib import Path

from salessim.export.schema import (
    EPISODE_COLUMNS,
    METRIC_PREFIX,
    SCHEMA_VERSION,
    TURN_COLUMNS,
)

HEADER = f"""# Export schema (version {SCHEMA_VERSION})

Generated from `salessim.export.schema` by `python scripts/gen_export_schema_doc.py`.

`salessim export RUN_OR_SWEEP --format parquet|jsonl|hf --out PATH` writes two tables:

- **episodes**: one row per episode: ids, the persona's fields, the shopper and the agent, the
  dialogue, the decision, the termination, costs and timings, and every metric value;
- **turns**: one row per message of the full transcript (tool calls and results included), joined to
  the episodes on `run_id` + `episode_id`. Together they hold everything `episodes.jsonl` holds.

| format | what PATH holds | read it with |
|---|---|---|
| `parquet` | `episodes.parquet`, `turns.parquet` | `pyarrow.parquet.read_table`, pandas, polars, DuckDB, `datasets.load_dataset("parquet", ...)` |
| `jsonl` | `episodes.jsonl`, `turns.jsonl` (one JSON object per row, same columns) | anything; needs no extra |
| `hf` | a `datasets.DatasetDict` with splits `episodes` and `turns`, saved with `save_to_disk` | `datasets.load_from_disk(PATH)` |

Every format adds `export.json` (what was exported: the sources with their configs, counts, versions,
metric definitions; format `salessim-export`) and `README.md`, a dataset card with Hugging Face Hub
front matter (for `parquet` and `jsonl` it maps the two tables to configs, so the directory can be
pushed to the Hub as it is). Parquet and `hf` need the export extra: `pip install 'salessim[export]'`.

A sweep is exported with its complete cells (one run each; the others are listed in `export.json`'s
`notes`); `sweep` and `cell` say where each row comes from. Endpoint URLs are left out (they may name
private hosts); keys are never in a run directory, so never in an export. The directory is written
under a temporary name and renamed when complete; an existing path is only replaced when it holds an
earlier SalesSim export and `--overwrite` is given.

## Versioning

The version is `MAJOR.MINOR`; every row carries it in `schema_version`, the Parquet files in their
schema metadata (`salessim.export.schema_version`), the card and `export.json` too. A minor version
adds columns; a major version renames or removes a column or changes its type or meaning.

Types: `string`, `int64`, `float64`, `bool`, `list<string>`; `list<message>` is a list of
`{{role, text, action, product_id}}`; `list<criterion>` a list of `{{attribute, op, value, kind, weight}}`
with `value` as JSON text (a number, a string, a boolean or a list). "null" marks the columns that may
be null. JSON-valued columns are compact JSON with sorted keys.
"""


def table(columns) -> str:
    lines = ["| column | type | null | meaning |", "|---|---|---|---|"]
    for c in columns:
        lines.append(f"| `{c.name}` | {c.type} | {'null' if c.nullable else ''} | {c.description} |")
    return "\n".join(lines)


def main() -> None:
    parts = [HEADER, "## episodes\n", table(EPISODE_COLUMNS),
             f"| `{METRIC_PREFIX}<name>` | float64 | null | the value of metric `<name>` for the episode, one column "
             "per metric the exported runs were scored with, sorted by name (definitions: [metrics.md](metrics.md); "
             "versions: `export.json`) |\n",
             "## turns\n", table(TURN_COLUMNS) + "\n"]
    out = Path(__file__).resolve().parents[1] / "docs" / "export-schema.md"
    out.write_text("\n".join(parts))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
