"""How the turn rule of `salessim import-reference` moves the human figures: a corpus converted with
consecutive messages of one speaker merged into one turn (the default) and with every message as a
turn (--no-merge), side by side.

    python benchmarks/reference_turn_rules.py MGShopDial.json --format mgshopdial --category smartphones

(MG-ShopDial: github.com/iai-group/MG-ShopDial, MGShopDial/MGShopDial.json; users bring the file.)
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from salessim.importers.reference import import_reference
from salessim.metrics.reference import dialogue_stats, load_reference


def figures(path: Path) -> dict[str, float]:
    stats = [dialogue_stats(d.category, d.shopper_texts(), d.decision) for d in load_reference(path)]
    stats = [s for s in stats if s.turns]
    out = {"dialogues": len(stats), "shopper turns": sum(s.turns for s in stats),
           "words per turn (per-dialogue)": sum(s.token_count / s.turns for s in stats) / len(stats),
           "words per turn (pooled)": sum(s.token_count for s in stats) / sum(s.turns for s in stats)}
    for level in ("value", "topic"):
        out[f"new criteria per turn, {level} (per-dialogue)"] = sum(sum(s.new[level]) / s.turns for s in stats) / len(stats)
        out[f"new criteria per turn, {level} (pooled)"] = sum(sum(s.new[level]) for s in stats) / sum(s.turns for s in stats)
        out[f"share of turns with >= 2 criteria, {level}"] = sum(
            sum(1 for x in s.mentioned[level] if x >= 2) / s.turns for s in stats) / len(stats)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--format", default="mgshopdial")
    parser.add_argument("--category", action="append", default=None)
    parser.add_argument("--speaker-map", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = {}
        for rule, merge in (("merged (default)", True), ("--no-merge", False)):
            out = Path(tmp) / f"{merge}.jsonl"
            import_reference(args.file, args.format, out, categories=args.category, merge=merge,
                             speaker_map=args.speaker_map)
            rows[rule] = figures(out)
    names = list(rows)
    print(f"{'figure':48} " + " ".join(f"{n:>17}" for n in names) + f" {'change':>8}")
    for key in rows[names[0]]:
        a, b = rows[names[0]][key], rows[names[1]][key]
        change = f"{(b - a) / a:+.0%}" if isinstance(a, float) and a else ""
        fmt = (lambda v: f"{v:17.3f}") if isinstance(a, float) else (lambda v: f"{v:17d}")
        print(f"{key:48} {fmt(a)} {fmt(b)} {change:>8}")


if __name__ == "__main__":
    main()
