"""Is the reference shopper's disclosure true, or true only because it reads its own words back?

The scripted shopper checks each message with the same text understanding the metrics use and
rewords it until it reads back as planned (its wording check). So its near-perfect disclosure
figures are partly true by construction. This script runs it twice over the same personas: with the
check (``read_back: true``, the default) and without (``read_back: false``: the plan's phrasings
are said as they come), and compares what the metrics read in each message with what the shopper
meant to state (``meta["stated"]``, labels from the persona; :mod:`salessim.metrics.intent`).

    python benchmarks/reference_shopper_check.py [--limit 200] [--split test] [--agent scripted]

Prints, per mode: (message, criterion) precision and recall of the reading against the labels,
the share of criteria whose first-stated turn is read at the right turn, messages read as
contradicting the persona, and the run's disclosure metrics (mean over episodes).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from salessim.api.rundir import RunDir
from salessim.metrics.intent import intent_agreement
from salessim.metrics.run import score_run
from salessim.personas import load_personas
from salessim.schema.run import RunConfig
from salessim.sim.runner import run_benchmark
from salessim.store import default_store

METRICS = ("decision_alignment", "dealbreaker_disclosure", "overdisclosure", "overdisclosure_topic")


def check(limit: int, split: str, agent: str, read_back: bool, seed: int = 0) -> dict:
    """Run the scripted shopper (``read_back`` on or off) and return the intent agreement plus the
    disclosure metrics of the run."""
    store = default_store()
    cfg = RunConfig(limit=limit, split=split, seed=seed)
    cfg.agent.kind = agent
    cfg.shopper.params = {"read_back": read_back}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        outcome = asyncio.run(run_benchmark(cfg, out, store=store))
        summary = score_run(out, store=store)
        meta = RunDir(out).read_meta()
        personas = {p.id: p for p in load_personas(RunConfig.model_validate(meta["config"]).personas)}
        figures = intent_agreement(outcome.episodes, personas, store) or {}
    figures["metrics"] = {m: summary.metrics[m].mean for m in METRICS if m in summary.metrics}
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=200)
    ap.add_argument("--split", default="test")
    ap.add_argument("--agent", default="scripted")
    args = ap.parse_args()
    print(f"scripted shopper vs agent {args.agent}, {args.limit} personas of split {args.split!r}, seed 0")
    for read_back in (True, False):
        f = check(args.limit, args.split, args.agent, read_back)
        pairs = f.get("pairs", {})
        print(f"read_back={str(read_back).lower():5}  messages {f.get('messages')}  "
              f"precision {f.get('precision')}  recall {f.get('recall')}  "
              f"(tp {pairs.get('tp')} fp {pairs.get('fp')} fn {pairs.get('fn')})  "
              f"first-turn agreement {f.get('first_turn_agreement')} (n {f.get('first_turn_n')})  "
              f"contradicted {f.get('contradicted')}")
        print("    metrics: " + "  ".join(f"{k} {v:.3f}" for k, v in f["metrics"].items() if v is not None))


if __name__ == "__main__":
    main()
