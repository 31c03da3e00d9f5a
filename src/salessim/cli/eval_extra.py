"""Helpers of ``salessim eval``: the judge configuration from the command-line options and the
extra summary tables (run-level lexical figures, judge notes, simulator-vs-human gaps)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from salessim.api.summary import RunSummary
from salessim.errors import SalesSimError
from salessim.metrics.judges import JudgeConfig
from salessim.metrics.reference import reference_rows


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
        console.print(reference_table(ref))


def _gap_cell(entry: dict) -> str:
    gap = _num(entry.get("gap"))
    ci = entry.get("gap_ci95")
    if ci and ci[0] is not None and ci[1] is not None:
        gap += f" [{ci[0]:.3f}, {ci[1]:.3f}]"
    return gap


def reference_table(ref: dict) -> Table:
    """The simulator-vs-human table of ``summary["reference"]``: every figure with its gap and
    the gap's bootstrap 95% interval."""
    t = Table(title=escape(f"simulator vs human reference ({ref['reference_dialogues']} dialogues, "
                           f"{ref['simulator_episodes']} episodes; gap = simulator - human [bootstrap 95% interval])"))
    t.add_column("figure")
    t.add_column("simulator", justify="right")
    t.add_column("human", justify="right")
    t.add_column("gap [95% CI]", justify="right")
    for label, e in reference_rows(ref):
        t.add_row(escape(label), _num(e.get("simulator")), _num(e.get("human")), _gap_cell(e))
    return t
