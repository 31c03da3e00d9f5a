"""Helpers of ``salessim eval``: the judge configuration from the command-line options and the
extra summary tables (run-level lexical figures, judge notes, simulator-vs-human gaps)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from salessim.api.summary import RunSummary
from salessim.errors import SalesSimError
from salessim.metrics.judges import JudgeConfig


def judge_config(model: str | None, base_url: str | None, api_key_env: str | None, samples: int,
                 temperature: float, concurrency: int, cache: bool = False):
    """A :class:`~salessim.metrics.judges.JudgeConfig` from the options, or None without a model."""
    if not model:
        if base_url or api_key_env:
            raise SalesSimError("--judge-base-url / --judge-api-key-env need --judge-model", where="--judge-model",
                                hint="Name the judge model, e.g. --judge-model gpt-4o-mini.")
        return None

    return JudgeConfig(model=model, base_url=base_url, api_key_env=api_key_env, samples=samples,
                       temperature=temperature, concurrency=concurrency, cache=cache)


def _num(x, nd: int = 3) -> str:
    if x is None:
        return "-"
    return f"{x:.{nd}f}" if isinstance(x, float) else str(x)


def print_eval_extras(summary: RunSummary, console: Console | None = None) -> None:
    """Print the run-level lexical figures, skipped/judge notes and reference gaps of a summary."""
    console = console or Console()
    lex = summary.lexical
    if lex:
        pooled = lex.get("pooled") or {}
        parts = [f"words/turn {_num(lex.get('words_per_turn'), 1)}"]
        if pooled:
            for key in ("mtld", "hdd", "distinct-1", "distinct-2"):
                entry = pooled.get(key)
                if entry:
                    parts.append(f"pooled {key} {_num(entry['mean'])}")
            parts.append(f"(budget {pooled['token_budget']} tokens, {pooled['draws']} draws)")
        elif lex.get("pooled_note"):
            parts.append(lex["pooled_note"])
        if lex.get("cross_persona_similarity") is not None:
            parts.append(f"cross-persona similarity {_num(lex['cross_persona_similarity'])}")
        console.print("lexical (shopper): " + escape(", ".join(parts)))
    judges = summary.judges or {}
    by_trait = judges.get("trait_fidelity_by_trait")
    if by_trait:
        console.print("trait fidelity by trait: " + escape(", ".join(f"{t} {v['mean']:.2f}" for t, v in by_trait.items())))
    for name, entry in judges.items():
        if isinstance(entry, dict) and "agreement" in entry:
            console.print(f"judge {escape(str(name))}: agreement {_num(entry['agreement'])}, "
                          f"{entry['contradiction_flags']} contradiction flag(s), {entry['calls']} call(s), "
                          f"${entry['cost_usd']:.4f}")
    skipped = summary.skipped or {}
    if skipped:
        reasons = sorted(set(skipped.values()))
        console.print(f"[dim]{escape(', '.join(sorted(skipped)) + ': ' + '; '.join(reasons))}[/dim]")
    ref = summary.reference
    if ref:
        t = Table(title=f"simulator vs human reference ({ref['reference_dialogues']} dialogues, "
                        f"{ref['simulator_episodes']} episodes)")
        t.add_column("figure")
        t.add_column("simulator", justify="right")
        t.add_column("human", justify="right")
        t.add_column("gap (sim - human)", justify="right")
        lex_ref = ref.get("lexical", {})
        for key in ("mtld", "hdd", "distinct-1", "distinct-2"):
            if key in lex_ref:
                e = lex_ref[key]
                t.add_row(f"pooled {key} @ {lex_ref['token_budget']} tokens", _num(e["simulator"]), _num(e["human"]),
                          _num(e["gap"]))
        for key, label in (("words_per_turn", "words per shopper turn"), ("disclosure_per_turn", "criteria disclosed per turn"),
                           ("first_turn_disclosures", "criteria disclosed in turn 1"), ("purchase_rate", "purchase (decision) rate"),
                           ("decided_rate", "decided (buy or leave) rate")):
            e = ref.get(key) or {}
            gap = _num(e.get("gap"))
            if e.get("gap_ci95"):
                gap += f" [{e['gap_ci95'][0]:.3f}, {e['gap_ci95'][1]:.3f}]"
            t.add_row(label, _num(e.get("simulator")), _num(e.get("human")), gap)
        console.print(t)
