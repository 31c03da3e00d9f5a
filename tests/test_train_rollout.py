"""UserGRPO rollouts: one episode = one completion whose env_mask covers exactly the non-shopper
tokens; a two-step GRPO run on a minute model finishes and changes the weights; rewards."""

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from salessim.local.generation import SamplingConfig  # noqa: E402
from salessim.local.render import RenderConfig  # noqa: E402
from salessim.train.config import EnvSection  # noqa: E402

pytestmark = pytest.mark.train


@pytest.fixture(scope="module")
def personas():
    from salessim.train.testing import sample_personas

    return sample_personas(2)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory, store, personas):
    from salessim.train.testing import minute_checkpoint

    return minute_checkpoint(tmp_path_factory.mktemp("minute"), store, personas)


@pytest.fixture(scope="module")
def env(store, personas):
    from salessim.train.rollout import ShopperEnvironment

    return ShopperEnvironment(store, personas, EnvSection(agents={"pushy": 1.0}, max_turns=3), RenderConfig(),
                              SamplingConfig(max_new_tokens=12), seed=1)


def _runs(mask):
    runs, start = [], None
    for i, m in enumerate(mask + [0]):
        if m and start is None:
            start = i
        elif not m and start is not None:
            runs.append((start, i))
            start = None
    return runs


def test_env_mask_covers_exactly_the_non_shopper_tokens(checkpoint, env, personas):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(checkpoint)
    tok = AutoTokenizer.from_pretrained(checkpoint)
    out = env.rollout([f"{personas[0].id}@pushy", f"{personas[1].id}@pushy"], model, tok)
    assert set(out) >= {"prompt_ids", "completion_ids", "logprobs", "env_mask", "episode", "persona_id"}
    for comp, mask, lps, ep in zip(out["completion_ids"], out["env_mask"], out["logprobs"], out["episode"]):
        assert len(comp) == len(mask) == len(lps)
        actions = [m for m in ep.messages if m.role == "shopper"]
        runs = _runs(mask)
        # The prompt ends with the generation prompt, so the completion opens with the first action.
        # Every shopper action is one run of policy tokens: exactly the sampled ids.
        assert len(runs) == len(actions) and runs[0][0] == 0
        for (a, b), msg in zip(runs, actions):
            assert tok.decode(comp[a:b], skip_special_tokens=True) == msg.meta["raw"]
        assert sum(mask) == sum(ep.usage["shopper"].completion_tokens for _ in [0])
        # the sampled ids carry their sampling log-probabilities, environment ids 0
        assert all(lp < 0 for lp, m in zip(lps, mask) if m)
        assert all(lp == 0 for lp, m in zip(lps, mask) if not m)
        # everything between the runs is environment text: agent messages and product cards
        env_text = tok.decode([i for i, m in zip(comp, mask) if not m])
        agent_texts = [m.text for m in ep.messages if m.role == "agent" and m.text.strip()]
        shown = [t for t in agent_texts if t.split()[0] in env_text]
        assert len(shown) >= min(1, len(agent_texts))
        assert "<|user|>" in env_text or not agent_texts
        assert "<|assistant|>" not in tok.decode([i for i, m in zip(comp, mask) if m])


def test_rewards_score_rollout_episodes(env, store, personas, checkpoint):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from salessim.train.rewards import make_reward_functions

    model = AutoModelForCausalLM.from_pretrained(checkpoint)
    tok = AutoTokenizer.from_pretrained(checkpoint)
    out = env.rollout([f"{personas[0].id}@pushy"] * 2, model, tok)
    weights = {"decision_alignment": 1, "dealbreaker_disclosure": 1, "overdisclosure": 1, "conversation_quality": 1,
               "format_validity": 1}
    funcs, ws = make_reward_functions(store, {p.id: p for p in personas}, weights)
    assert [f.__name__ for f in funcs] == list(weights) and ws == [1.0] * 5
    for f in funcs:
        values = f(prompts=None, completions=None, completion_ids=out["completion_ids"], episode=out["episode"],
                   persona_id=out["persona_id"])
        assert len(values) == 2
        assert all(v is None or 0.0 <= v <= 1.0 for v in values)


def test_two_grpo_steps_finish_and_change_the_weights(tmp_path, checkpoint, store, personas, monkeypatch):
    from salessim.train import rewards
    from salessim.train.config import GRPOConfigFile
    from salessim.train.grpo import run_grpo

    # An untrained model plays every episode equally badly: all rewards tie and the advantages are
    # zero. Make one objective vary with the episode so the two steps have something to learn.
    monkeypatch.setitem(rewards.REWARD_FUNCTIONS, "overdisclosure",
                        lambda ep, persona, store: (ep.seed % 7) / 6)

    cfg = GRPOConfigFile.model_validate({
        "output_dir": str(tmp_path / "grpo"),
        "model": {"path": str(checkpoint), "device": "cpu"},
        "sampling": {"max_new_tokens": 8},
        "env": {"split": "train", "limit": 2, "agents": {"scripted": 0.5, "pushy": 0.5}, "max_turns": 2},
        "grpo": {"num_generations": 2, "prompts_per_step": 2, "max_steps": 2, "learning_rate": 0.05,
                 "max_completion_length": 512},
    })
    from transformers import AutoModelForCausalLM

    start = {k: v.clone() for k, v in AutoModelForCausalLM.from_pretrained(checkpoint).state_dict().items()}
    final = run_grpo(cfg, store=store)
    after = AutoModelForCausalLM.from_pretrained(final).state_dict()
    changed = [k for k in start if not torch.equal(start[k], after[k])]
    assert changed, "GRPO left every weight unchanged"
    assert (final / "salessim_shopper.json").exists()
    import json

    log = json.loads((final.parent / "grpo_log.json").read_text())["log"]
    assert max(p["step"] for p in log) == 2
