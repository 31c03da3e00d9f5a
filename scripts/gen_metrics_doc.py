"""Write docs/metrics.md from the metric modules' docstrings (the definitions live in the code).

    python scripts/gen_metrics_doc.py
"""

import importlib
from pathlib import Path

MODULES = ["decision", "dealbreaker_disclosure", "overdisclosure", "diversity", "persuasion", "drift",
           "sim_errors", "ideal_match", "sell", "judges", "reference", "logged", "lexical", "stats"]

HEADER = """# Metrics

Generated from the metric modules' docstrings by `python scripts/gen_metrics_doc.py`; the
definitions live in the code next to their implementation. Every metric is a pure function
`compute(episode, persona, store) -> MetricResult(value, details, explanation, version, cost)`;
scores are stored in `scores.jsonl`, apart from episodes, so `salessim eval RUN_DIR` re-scores a run
without re-simulating. Aggregates are means with percentile-bootstrap 95% intervals
(`salessim.metrics.stats`).

Which metric separates which simulators is checked by calibration tests on the scripted shopper's
flaw knobs (`tests/test_calibration_scripted.py`, `tests/test_metrics_calibration.py`): each metric
moves the right way when its flaw is switched on and stays put for unrelated flaws.
"""


TAIL_FILE = Path(__file__).resolve().parents[1] / "docs" / "metrics_real_rollouts.md"


def main() -> None:
    parts = [HEADER]
    for name in MODULES:
        mod = importlib.import_module(f"salessim.metrics.{name}")
        doc = (mod.__doc__ or "").strip()
        title, _, body = doc.partition("\n")
        parts.append(f"## `{name}` — {title.strip()}\n\n{body.strip()}\n")
    parts.append(TAIL_FILE.read_text(encoding="utf-8").strip() + "\n")  # measured figures, kept by hand
    out = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"
    out.write_text("\n".join(parts))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
