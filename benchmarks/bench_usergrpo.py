"""UserGRPO on the tiny shopper model, end to end on a CPU: SFT cold start, then UserGRPO, then both
models on the held-out TEST personas against the scripted and the pushy sales agent.

    python benchmarks/bench_usergrpo.py                      # the full run (about 20-30 min on 2 cores)
    python benchmarks/bench_usergrpo.py --quick              # a smoke run (a few minutes)
    python benchmarks/bench_usergrpo.py --render-order agent # the ablation: cards in the agent's order
    python benchmarks/bench_usergrpo.py --skip-sft --skip-grpo --curve   # re-evaluate, checkpoints too

Prints decision alignment (and every other default metric) for the SFT model and the UserGRPO
model with bootstrap 95% intervals, and the paired difference UserGRPO - SFT with its bootstrap
interval (pairs = test personas; both models meet the same agents with the same seeds). Writes
everything to ``<out>/results.json``. Needs the [train] extra.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from salessim.errors import SalesSimError

ROOT = Path(__file__).resolve().parents[1]


def _args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="outputs/bench-usergrpo", help="output directory")
    ap.add_argument("--sft-config", default=str(ROOT / "configs/train/sft-tiny.yaml"))
    ap.add_argument("--grpo-config", default=str(ROOT / "configs/train/usergrpo-tiny.yaml"))
    ap.add_argument("--agents", default="scripted,pushy", help="sales agents of the evaluation")
    ap.add_argument("--test-limit", type=int, default=None, help="evaluate on the first N test personas only")
    ap.add_argument("--trials", type=int, default=1, help="episodes per test persona and agent")
    ap.add_argument("--grpo-steps", type=int, default=None, help="override grpo.max_steps")
    ap.add_argument("--grpo-seed", type=int, default=None, help="override grpo.seed (run-to-run variation)")
    ap.add_argument("--skip-sft", action="store_true", help="reuse <out>/sft/final")
    ap.add_argument("--skip-grpo", action="store_true", help="reuse <out>/grpo/final")
    ap.add_argument("--render-order", choices=["agent", "fit"], default=None,
                    help="override render.order of the SFT config (the ablation: 'agent' keeps the agent's card order)")
    ap.add_argument("--curve", action="store_true",
                    help="also evaluate every saved GRPO checkpoint (grpo.save_steps) on the test personas")
    ap.add_argument("--quick", action="store_true", help="smoke run: tiny budgets everywhere")
    ap.add_argument("--seed", type=int, default=1234, help="evaluation seed")
    return ap.parse_args(argv)


def _fmt_ci(ci) -> str:
    if ci is None or ci[0] is None or ci[0] != ci[0]:
        return "-"
    return f"{ci[0]:.3f} [{ci[1]:.3f}, {ci[2]:.3f}]"


def _fmt_diff(ci) -> str:
    if ci is None or ci[0] != ci[0]:
        return "-"
    return f"{ci[0]:+.3f} [{ci[1]:+.3f}, {ci[2]:+.3f}]"


def main(argv=None) -> int:
    args = _args(argv)
    t_start = time.time()
    from salessim.train.common import quiet_libraries

    quiet_libraries()
    import torch

    from salessim.local.generation import load_model_and_tokenizer
    from salessim.personas import load_personas
    from salessim.shoppers.hf import shopper_settings
    from salessim.store import default_store
    from salessim.train.config import load_config
    from salessim.train.evaluate import compare, evaluate_model, score
    from salessim.train.grpo import run_grpo
    from salessim.train.sft import run_sft

    out = Path(args.out)
    for flag, stage in (("--skip-sft", "sft"), ("--skip-grpo", "grpo")):
        if getattr(args, flag[2:].replace("-", "_")) and not (out / stage / "final").is_dir():
            raise SalesSimError(f"no checkpoint at {out / stage / 'final'}", where=flag,
                                hint=f"Run without {flag} first, or pass the --out of an earlier run.")
    out.mkdir(parents=True, exist_ok=True)
    store = default_store()
    sft_cfg = load_config(args.sft_config, "sft")
    grpo_cfg = load_config(args.grpo_config, "grpo")
    sft_cfg.output_dir = str(out / "sft")
    grpo_cfg.output_dir = str(out / "grpo")
    grpo_cfg.model.path = str(out / "sft" / "final")
    if args.grpo_steps:
        grpo_cfg.grpo.max_steps = args.grpo_steps
    if args.grpo_seed is not None:
        grpo_cfg.grpo.seed = args.grpo_seed
    if args.render_order:  # GRPO and the evaluation read the rendering stored with the SFT checkpoint
        sft_cfg.render.order = args.render_order
    if args.quick:
        sft_cfg.env.limit, sft_cfg.data.episodes_per_persona, sft_cfg.train.epochs = 20, 2, 1
        grpo_cfg.env.limit, grpo_cfg.grpo.max_steps = 20, 3
        args.test_limit = args.test_limit or 20
    if sft_cfg.model.cpu_threads:
        torch.set_num_threads(sft_cfg.model.cpu_threads)

    def progress(stage, info):
        if stage == "episodes":
            return
        if stage == "train":
            keys = ("loss", "reward", "rewards/decision_alignment/mean", "rewards/format_validity/mean")
            vals = "  ".join(f"{k.split('/')[1] if '/' in k else k}={info[k]:.3f}" for k in keys
                             if isinstance(info.get(k), (int, float)))
            print(f"  step {info.get('step')}/{info.get('total')}  {vals}  ({info.get('elapsed_s')}s)", flush=True)
            return
        print(f"[{stage}] {info.get('message', info)}", flush=True)

    timings = {}
    t0 = time.time()
    if not args.skip_sft:
        print(f"== SFT cold start ({args.sft_config})", flush=True)
        run_sft(sft_cfg, store=store, progress=progress)
    timings["sft_s"] = round(time.time() - t0, 1)
    t0 = time.time()
    if not args.skip_grpo:
        print(f"== UserGRPO ({args.grpo_config}): {grpo_cfg.grpo.max_steps} steps x "
              f"{grpo_cfg.grpo.prompts_per_step} personas x G={grpo_cfg.grpo.num_generations}", flush=True)
        run_grpo(grpo_cfg, store=store, progress=progress)
    timings["grpo_s"] = round(time.time() - t0, 1)

    # -- evaluation on held-out TEST personas ------------------------------------------------------
    t0 = time.time()
    test = load_personas(None, split="test")
    if args.test_limit:
        test = test[: args.test_limit]
    by_id = {p.id: p for p in test}
    agents = [a.strip() for a in args.agents.split(",") if a.strip()]
    models = {"SFT": out / "sft" / "final", "UserGRPO": out / "grpo" / "final"}

    def evaluate(path):
        model, tok = load_model_and_tokenizer(path)
        s = shopper_settings(path)
        eps = evaluate_model(model, tok, store, test, render=s.render, sampling=s.sampling,
                             template_kwargs=s.template_kwargs, agents=agents,
                             max_turns=grpo_cfg.env.max_turns, trials=args.trials, seed=args.seed)
        return eps, score(eps, by_id, store)

    episodes, scores = {}, {}
    for name, path in models.items():
        episodes[name], scores[name] = evaluate(path)
        print(f"[eval] {name}: {len(episodes[name])} episodes ({time.time() - t0:.0f}s)", flush=True)
    timings["eval_s"] = round(time.time() - t0, 1)
    timings["total_s"] = round(time.time() - t_start, 1)

    # -- report -------------------------------------------------------------------------------------
    a, b = scores["SFT"], scores["UserGRPO"]
    rows = {}
    print()
    print(f"Held-out test personas: {len(test)} x agents {agents} x {args.trials} trial(s); sampling as stored "
          f"with each checkpoint (temperature {shopper_settings(models['SFT']).sampling.temperature})")
    print(f"{'metric':28s} {'SFT':>26s} {'UserGRPO':>26s} {'UserGRPO - SFT (paired)':>30s}")
    order = ["decision_alignment"] + [m for m in a if m != "decision_alignment"]
    for metric in order:
        c = compare(a[metric], b[metric])
        rows[metric] = c
        print(f"{metric:28s} {_fmt_ci(c.get('a')):>26s} {_fmt_ci(c.get('b')):>26s} {_fmt_diff(c.get('diff')):>30s}")
    for agent in agents:
        sel = lambda vals: {k: v for k, v in vals.items() if f"#{agent}#" in k}  # noqa: E731
        c = compare(sel(a["decision_alignment"]), sel(b["decision_alignment"]))
        rows[f"decision_alignment[{agent}]"] = c
        print(f"{'  vs ' + agent + ' agent':28s} {_fmt_ci(c.get('a')):>26s} {_fmt_ci(c.get('b')):>26s} "
              f"{_fmt_diff(c.get('diff')):>30s}")

    from salessim.metrics import decision

    failures = {}
    for name, eps in episodes.items():
        kinds = Counter()
        for ep in eps:
            r = decision.compute(ep, by_id[ep.persona_id], store)
            kinds[r.details.get("failure") or "aligned"] += 1
        failures[name] = dict(kinds)
        terms = Counter(ep.termination for ep in eps)
        print(f"{name:9s} outcomes: {dict(kinds)}  terminations: {dict(terms)}")
    diff = rows["decision_alignment"]["diff"]
    print()
    print(f"decision alignment gain: {diff[0] * 100:+.1f} points, 95% paired bootstrap interval "
          f"[{diff[1] * 100:+.1f}, {diff[2] * 100:+.1f}]  -> {'above zero' if diff[1] > 0 else 'NOT above zero'}")
    curve = {}
    if args.curve:  # decision alignment of every saved GRPO checkpoint (not counted in the total time)
        steps = sorted((int(d.name.split("-")[1]), d) for d in (out / "grpo").glob("checkpoint-*")
                       if d.name.split("-")[1].isdigit())
        print("decision alignment along training (test personas):")
        print(f"  step 0 (SFT)  {_fmt_ci(rows['decision_alignment']['a'])}")
        for step, path in steps:
            c = compare(scores["SFT"]["decision_alignment"], evaluate(path)[1]["decision_alignment"])
            curve[step] = c
            print(f"  step {step:<10d}  {_fmt_ci(c['b'])}   vs SFT {_fmt_diff(c['diff'])}", flush=True)
        print(f"  final         {_fmt_ci(rows['decision_alignment']['b'])}")
    print(f"time: SFT {timings['sft_s']:.0f}s, UserGRPO {timings['grpo_s']:.0f}s, evaluation {timings['eval_s']:.0f}s, "
          f"total {timings['total_s'] / 60:.1f} min (torch threads {torch.get_num_threads()})")
    result = {"command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]), "timings": timings,
              "test_personas": len(test), "agents": agents, "trials": args.trials, "metrics": rows,
              "failures": failures, "curve": curve,
              "episodes": {n: [e.model_dump(mode="json") for e in eps] for n, eps in episodes.items()}}
    (out / "results.json").write_text(json.dumps(result, indent=1, default=str))
    print(f"results: {out / 'results.json'}")
    return 0


def cli(argv=None) -> int:
    """``main`` with user errors (bad config, missing checkpoint) as one line and exit code 2."""
    try:
        return main(argv)
    except SalesSimError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(cli())
