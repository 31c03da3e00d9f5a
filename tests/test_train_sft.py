"""SFT cold start: scripted transcripts become shopper-only targets; a tiny run saves a checkpoint;
training configs report bad fields by name."""

import pytest

from salessim.errors import SalesSimError

pytestmark = pytest.mark.train


def test_config_errors_name_the_yaml_field(tmp_path):
    from salessim.train.config import load_config

    bad = tmp_path / "bad.yaml"
    bad.write_text("output_dir: x\nmodel: {path: m}\ngrpo: {num_generations: 1}\nrewards: {weights: {vibes: 1}}\n")
    with pytest.raises(SalesSimError) as exc:
        load_config(bad, "grpo")
    msg = str(exc.value)
    assert "bad.yaml: grpo.num_generations" in msg and "rewards.weights" in msg and "vibes" in msg
    bad.write_text("output_dir: x\nmodel: {path: null}\n")
    with pytest.raises(SalesSimError, match="model.path"):
        load_config(bad, "grpo")
    bad.write_text("output_dir: x\ndata: {flaw_mix: [{flaws: {sycophancy: 2}}]}\n")
    with pytest.raises(SalesSimError, match="data.flaw_mix.0.flaws"):
        load_config(bad, "sft")
    with pytest.raises(SalesSimError, match="no config file"):
        load_config(tmp_path / "missing.yaml", "sft")


@pytest.mark.parametrize("name,kind", [("sft-tiny", "sft"), ("usergrpo-tiny", "grpo"), ("usergrpo-gpu", "grpo"),
                                       ("sft-gpu", "sft")])
def test_shipped_configs_are_valid(name, kind):
    from pathlib import Path

    from salessim.train.config import load_config

    root = Path(__file__).resolve().parents[1]
    load_config(root / "configs" / "train" / f"{name}.yaml", kind)


def test_compact_targets_use_criterion_references():
    from salessim.schema import Criterion
    from salessim.train.data import compact_target
    from tests.helpers import persona

    p = persona([Criterion(attribute="price", op="<=", value=800, kind="dealbreaker",
                           phrasings=["I can't spend more than $800."]),
                 Criterion(attribute="os", op="==", value="Windows", kind="preference", weight=2)])
    text = "Good question. I can't spend more than $800. I tend to second-guess these things, honestly."
    assert compact_target(text, p, ["price<=800"], say_words=4) == "Good question. c1"
    assert compact_target("Hello there.", p, ["os==Windows"], say_words=6) == "Hello there. c2"


torch = pytest.importorskip("torch")


def test_sft_masks_shopper_tokens_and_saves_a_playable_checkpoint(tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from salessim.store import default_store
    from salessim.train.config import SFTConfig
    from salessim.train.data import episode_to_transcript, generate_scripted_episodes
    from salessim.train.sft import build_examples, run_sft
    from salessim.train.testing import sample_personas

    store = default_store()
    cfg = SFTConfig.model_validate({
        "output_dir": str(tmp_path / "sft"),
        "model": {"tiny": {"vocab_size": 600, "hidden_size": 32, "layers": 1, "heads": 2, "intermediate_size": 64},
                  "device": "cpu"},
        "env": {"split": "train", "limit": 2, "max_turns": 4, "agents": {"pushy": 1.0}},
        "data": {"episodes_per_persona": 2, "flaw_mix": [{"weight": 1, "flaws": {"sycophancy": 1.0}}]},
        "train": {"epochs": 1, "batch_size": 2, "log_every": 1},
    })
    final = run_sft(cfg, store=store)
    tok = AutoTokenizer.from_pretrained(final)
    AutoModelForCausalLM.from_pretrained(final)
    assert (final / "salessim_shopper.json").exists() and (final.parent / "sft_log.json").exists()

    personas = sample_personas(2)
    eps = generate_scripted_episodes(personas, store, agents={"pushy": 1.0}, flaw_mix=cfg.data.flaw_mix,
                                     episodes_per_persona=1, max_turns=4)
    by_id = {p.id: p for p in personas}
    examples = build_examples(eps, by_id, tok, store.catalog, cfg)
    for ex, ep in zip(examples, eps):
        t = episode_to_transcript(ep, by_id[ep.persona_id], tok, store.catalog, cfg.render)
        labelled = tok.decode([i for i in ex.labels if i != -100])
        # exactly the shopper's turns: one protocol line per non-view action, each closed by <|end|>
        acts = [m for m in ep.messages if m.role == "shopper" and m.action.type != "view_product"]
        assert labelled.count("<|end|>") == len(acts)
        assert all(line.split()[0] in ("SAY", "BUY", "LEAVE") for line in labelled.split("<|end|>") if line)
        assert "<|user|>" not in labelled and "<|system|>" not in labelled
        assert ex.ids == t.ids[: len(ex.ids)]
