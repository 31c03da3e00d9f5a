"""How far the scripted shopper is from human shoppers, with its default wording and with the
`humanlike` preset: the gaps of `salessim eval --reference` for both, and how much the preset
closes them.

    python benchmarks/scripted_vs_reference.py                       # the hand-written reference below
    python benchmarks/scripted_vs_reference.py --reference mg.jsonl  # e.g. MG-ShopDial, converted with
        # salessim import-reference MGShopDial.json --format mgshopdial --category smartphones --out mg.jsonl

The default reference, benchmarks/reference/handwritten_shoppers.jsonl, is 24 human-STYLE dialogues
written by a SalesSim developer in SalesSim's categories (not collected from people). Both runs are
the test split (200 personas) against the scripted (helpful) agent, seed 0, as `salessim run`
does; decision alignment is printed too (the preset must keep it at 1.000).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from salessim.metrics.reference import load_reference, reference_gaps
from salessim.metrics.run import score_run
from salessim.schema.run import RunConfig, ShopperConfig
from salessim.sim.runner import run_benchmark

HERE = Path(__file__).parent
FIGURES = (("words per shopper turn (per-dialogue)", ("words_per_turn",)),
           ("words per shopper turn (pooled)", ("words_per_turn", "pooled")),
           ("new criteria per turn, value level", ("new_criteria_per_turn", "value")),
           ("new criteria per turn, value level (pooled)", ("new_criteria_per_turn", "value", "pooled")),
           ("new criteria per turn, topic level", ("new_criteria_per_turn", "topic")),
           ("share of turns with >= 2 criteria, value", ("multi_criteria_turn_share", "value")),
           ("share of turns with >= 2 criteria, topic", ("multi_criteria_turn_share", "topic")),
           ("criteria in the first turn, topic level", ("first_turn_criteria", "topic")),
           ("pooled MTLD at an equal budget", ("lexical", "mtld")))


def _get(ref: dict, path: tuple[str, ...]) -> dict:
    for key in path:
        ref = ref.get(key) or {}
    return ref


def simulate(preset: str | None, out: Path, limit: int | None) -> tuple[list, float]:
    cfg = RunConfig(limit=limit, shopper=ShopperConfig(kind="scripted", preset=preset))
    outcome = asyncio.run(run_benchmark(cfg, out))
    summary = score_run(out)
    return outcome.episodes, summary.decision_alignment.overall.mean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", action="append", type=Path,
                        help="reference JSONL (repeatable); default: benchmarks/reference/handwritten_shoppers.jsonl")
    parser.add_argument("--limit", type=int, default=None, help="first N test personas (default: all 200)")
    args = parser.parse_args()
    refs = args.reference or [HERE / "reference" / "handwritten_shoppers.jsonl"]
    with tempfile.TemporaryDirectory() as tmp:
        runs = {name: simulate(preset, Path(tmp) / name, args.limit) for name, preset in
                (("default", None), ("humanlike", "humanlike"))}
    for name, (_, da) in runs.items():
        print(f"scripted shopper, {name} wording: decision alignment {da:.3f}")
    for path in refs:
        reference = load_reference(path)
        gaps = {name: reference_gaps(eps, reference) for name, (eps, _) in runs.items()}
        print(f"\nreference {path} ({len(reference)} dialogues); gap = simulator - human [bootstrap 95% interval]")
        print(f"{'figure':46} {'human':>8} {'default':>8} {'humanlike':>9} {'gap default':>22} {'gap humanlike':>22} {'gap closed':>10}")
        for label, key in FIGURES:
            d, h = _get(gaps["default"], key), _get(gaps["humanlike"], key)
            if d.get("gap") is None or h.get("gap") is None:
                continue

            def cell(e: dict) -> str:
                ci = e.get("gap_ci95") or [None, None]
                return f"{e['gap']:+.3f} [{ci[0]:+.3f}, {ci[1]:+.3f}]" if ci[0] is not None else f"{e['gap']:+.3f}"

            closed = 1 - abs(h["gap"]) / abs(d["gap"]) if d["gap"] else float("nan")
            print(f"{label:46} {d['human']:8.3f} {d['simulator']:8.3f} {h['simulator']:9.3f} {cell(d):>22} "
                  f"{cell(h):>22} {closed:10.0%}")


if __name__ == "__main__":
    main()
