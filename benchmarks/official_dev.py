"""Development figures of SalesSim's metrics on the paper's own rollouts, against hand labels.

    python benchmarks/official_dev.py --dialogues example-dialogues.json --catalog laptops.json
    python benchmarks/official_dev.py ... --labels benchmarks/official_labels/dev.yaml --show-errors

``--dialogues`` is ``usersimeval/example-dialogues.json`` and ``--catalog`` is
``data/products/laptops.json`` of SalesforceAIResearch/SalesSim (not shipped with SalesSim). The
labels (``benchmarks/official_labels/dev.yaml``, protocol in ``benchmarks/official_labels/README.md``)
cover records 20-39 only; records 0-19 are kept blind and are never read by this script.

Imports the whole file with ``salessim import-official``, scores it, and prints for the labelled
records:

- disclosure detection per (shopper turn, persona criterion attribute): precision and recall at
  topic level (a label of either level), plus the same over every labelled attribute (persona or
  not); and of the values stated (a label ``value`` against the text understanding's readings
  with a number or a named value, vague words such as "cheap" left out: the value-level metrics
  then also require the value to match the persona's);
- decision alignment: agreement of the metric with the labelled aligned/misaligned verdict, of the
  failure kind, of the decision and of the product bought; recall and precision of the presented
  catalog products;
- agreement of the detector with the simulator's ``preferences_used`` log.

These are DEVELOPMENT figures: the detector and the importer were tuned while reading these records.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LABELS = ROOT / "benchmarks" / "official_labels" / "dev.yaml"


def _prf(tp: int, fp: int, fn: int) -> str:
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    return f"precision {p:.3f}  recall {r:.3f}  (tp {tp}, fp {fp}, fn {fn})"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dialogues", required=True, type=Path, help="usersimeval/example-dialogues.json")
    ap.add_argument("--catalog", required=True, type=Path, help="data/products/laptops.json")
    ap.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    ap.add_argument("--show-errors", action="store_true", help="print every disagreement")
    args = ap.parse_args(argv)

    from salessim.api.rundir import RunDir
    from salessim.errors import SalesSimError
    from salessim.importers.official import import_official, read_personas
    from salessim.metrics.episode_view import (
        extract,
        presented_names,
        shopper_turns,
        topics_disclosed,
    )
    from salessim.metrics.logged import logged_agreement
    from salessim.metrics.run import run_store, score_run
    from salessim.nlu.topics import topic_cues

    labels = yaml.safe_load(args.labels.read_text(encoding="utf-8"))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "run"
            import_official(args.dialogues, out, catalog=args.catalog)
            score_run(out)
            rd = RunDir(out)
            store = run_store(rd, rd.read_meta())
            episodes = {int(e.shopper.params["record"]): e for e in rd.read_episodes()}
            scores = {s.episode_id: s.results for s in rd.read_scores()}
            personas = {p.id: p for p in read_personas(out / "personas.jsonl")}
    except SalesSimError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    counts = {k: Counter() for k in ("topic", "value", "topic_all")}
    errors: list[str] = []
    dec = Counter()
    presented = Counter()
    for rec, lab in sorted(labels.items()):
        ep = episodes[int(rec)]
        persona = personas[ep.persona_id]
        attrs = {c.attribute for c in persona.criteria}
        res = scores[ep.id]
        od = res["overdisclosure"].details
        turns = shopper_turns(ep)
        official_turn = {t.number: ep.messages[t.index].meta.get("turn", t.number) for t in turns}
        pred_topic = {int(official_turn[n]): set(a) for n, a in zip(od["turn_numbers"], od["disclosed_attributes_per_turn"])}
        names = presented_names(ep, store)
        pred_value = {int(official_turn[t.number]): {x.attribute for x in extract(t.text, persona.category, names)
                                                     if not x.vague} & attrs for t in turns}
        pred_all = {int(official_turn[t.number]): set(topics_disclosed(t.text, persona.category)) for t in turns}
        gold = {int(t): v for t, v in (lab.get("turns") or {}).items()}
        for t in sorted(set(pred_topic) | set(gold)):
            g = gold.get(t, {})
            for level, gset, pset in (("topic", {a for a in g if a in attrs}, pred_topic.get(t, set())),
                                      ("value", {a for a, lv in g.items() if lv == "value" and a in attrs},
                                       pred_value.get(t, set())),
                                      ("topic_all", set(g), pred_all.get(t, set()))):
                c = counts[level]
                c["tp"] += len(gset & pset)
                c["fp"] += len(pset - gset)
                c["fn"] += len(gset - pset)
                if level == "topic" and (gset != pset):
                    text = next((x.text for x in turns if int(official_turn[x.number]) == t), "")
                    why = [f"{c.attribute}<-{c.cue}:{c.span!r}" for c in topic_cues(text, persona.category)
                           if c.attribute in pset - gset]
                    errors.append(f"record {rec} turn {t}: missed {sorted(gset - pset)} extra {sorted(pset - gset)} "
                                  f"{' '.join(why)} | {text[:160]!r}")
        da = res["decision_alignment"]
        aligned = None if da.value is None else bool(da.value)
        dec["scored"] += da.value is not None
        dec["aligned_agree"] += aligned == lab["aligned"]
        dec["failure_agree"] += (da.details.get("failure") == lab["failure"])
        dec["decision_agree"] += ep.decision.type == lab["decision"]
        bought = ep.decision.product_id
        want = lab["bought"]
        dec["bought_agree"] += (bought == want) or (want == "unknown" and bool(bought) and bought.startswith("ext:"))
        got = {p for p in ep.presented_product_ids if not p.startswith("ext:")}
        gold_p = set(lab.get("presented") or [])
        presented["tp"] += len(got & gold_p)
        presented["fp"] += len(got - gold_p)
        presented["fn"] += len(gold_p - got)
        if aligned != lab["aligned"] or da.details.get("failure") != lab["failure"] or got != gold_p:
            errors.append(f"record {rec}: aligned {aligned} (label {lab['aligned']}), failure "
                          f"{da.details.get('failure')} (label {lab['failure']}), bought {bought} (label {want}); "
                          f"presented extra {sorted(got - gold_p)} missed {sorted(gold_p - got)}")
    n = len(labels)
    print(f"labelled records: {n} ({min(labels)}-{max(labels)}); shopper turns: "
          f"{sum(len(shopper_turns(episodes[int(r)])) for r in labels)}")
    print("disclosure, persona criterion attributes, topic level:", _prf(**counts["topic"]))
    print("stated values, persona criterion attributes:          ", _prf(**counts["value"]))
    print("disclosure, every labelled attribute, topic level:    ", _prf(**counts["topic_all"]))
    print(f"decision alignment scored: {dec['scored']}/{n}; agreement with the labels: "
          f"{dec['aligned_agree'] / n:.3f}; failure kind: {dec['failure_agree'] / n:.3f}; decision: "
          f"{dec['decision_agree'] / n:.3f}; product bought: {dec['bought_agree'] / n:.3f}")
    print("presented catalog products:", _prf(**presented))
    log = logged_agreement([episodes[int(r)] for r in labels], personas, store)
    if log:
        print(f"detector vs preferences_used log ({log['episodes']} labelled records): support "
              f"{log['support']} over {log['support_n']} disclosures, coverage {log['coverage']} over "
              f"{log['coverage_n']} handed criteria")
    if args.show_errors:
        print("\n".join(errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
