"""Small fixtures for the training tests and examples: a few personas and a minute tiny checkpoint.

Everything is built locally and quickly (a tokenizer on a few hundred lines, a 1-2 layer model);
none of it is meant to be good at shopping.
"""

from __future__ import annotations

from pathlib import Path

from salessim.personas import generate_personas, load_personas
from salessim.train.tiny import TinyModelConfig, build_tiny_checkpoint, project_corpus

__all__ = ["MINUTE_MODEL", "minute_checkpoint", "sample_personas"]

#: The smallest model worth running: 1 layer, width 32.
MINUTE_MODEL = TinyModelConfig(vocab_size=600, hidden_size=32, layers=1, heads=2, intermediate_size=64,
                               max_positions=4096)


def sample_personas(n: int = 4, split: str = "train", category: str | None = "laptops"):
    """The first ``n`` personas of the built-in benchmark split (generated when the file is absent)."""

    try:
        personas = load_personas(None, split=split)
    except Exception:  # noqa: BLE001 - no frozen file yet: generate a small labelled set

        personas = [p for p in generate_personas(n=60, seed=3) if p.split == split]
    if category:
        personas = [p for p in personas if p.category == category] or personas
    return personas[:n]


def minute_checkpoint(out_dir: str | Path, store, personas, cfg: TinyModelConfig = MINUTE_MODEL,
                      extra_texts=()) -> Path:
    """Build and save an untrained minute model with a tokenizer trained on the project's text."""
    texts = list(project_corpus(store, personas, extra_texts))
    build_tiny_checkpoint(out_dir, cfg, texts=texts)
    return Path(out_dir)
