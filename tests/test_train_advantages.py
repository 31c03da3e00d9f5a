"""GRPO advantages of a hand-made group, from TRL's own GRPOTrainer, for both multi-objective
aggregations: they match values computed by hand and salessim.train.advantages."""

import math

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("trl")
pytest.importorskip("datasets")

from salessim.train.advantages import group_advantages  # noqa: E402

pytestmark = pytest.mark.train

# Two groups (G = 2) and two objectives; None = the objective does not apply.
#                 decision  quality
REWARDS = [[1.0, 0.5],   # group 1
           [0.0, 0.5],
           [1.0, 0.0],   # group 2
           [1.0, 1.0]]
WEIGHTS = [1.0, 0.5]
EPS = 1e-4
S = math.sqrt(0.5)           # sample std of two values 1 apart
S2 = math.sqrt(0.125)        # sample std of two values 0.5 apart

# sum_then_normalize: r = 1*decision + 0.5*quality = [1.25, 0.25 | 1.0, 1.5]
# group 1: mean 0.75, std S  -> +-0.5/(S+eps); group 2: mean 1.25, std S2 -> -+0.25/(S2+eps)
HAND_SUM_THEN_NORMALIZE = [0.5 / (S + EPS), -0.5 / (S + EPS), -0.25 / (S2 + EPS), 0.25 / (S2 + EPS)]
# normalize_then_sum: decision z = [+-0.5/(S+eps) | 0, 0]; quality z = [0, 0 | -+0.5/(S+eps)]
# s = z_dec + 0.5 z_q = [a, -a, -a/2, a/2] with a = 0.5/(S+eps); batch mean 0, sample std of s:
_a = 0.5 / (S + EPS)
_sd = math.sqrt((2 * _a**2 + 2 * (_a / 2) ** 2) / 3)
HAND_NORMALIZE_THEN_SUM = [v / (_sd + EPS) for v in (_a, -_a, -_a / 2, _a / 2)]


def test_reference_implementation_matches_hand_values():
    got = group_advantages(REWARDS, WEIGHTS, 2, "sum_then_normalize")
    assert got == pytest.approx(HAND_SUM_THEN_NORMALIZE, abs=1e-6)
    got = group_advantages(REWARDS, WEIGHTS, 2, "normalize_then_sum")
    assert got == pytest.approx(HAND_NORMALIZE_THEN_SUM, abs=1e-6)


def test_not_applicable_objectives_are_skipped():
    rows = [[1.0, None], [0.0, None], [None, None], [None, None]]
    got = group_advantages(rows, WEIGHTS, 2, "sum_then_normalize")
    assert got[2:] == pytest.approx([0.0, 0.0]) and got[0] == pytest.approx(-got[1])


def _trainer(tmp_path, aggregation):
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    from salessim.train.tiny import TinyModelConfig, build_tiny_checkpoint

    build_tiny_checkpoint(tmp_path / "m", TinyModelConfig(vocab_size=300, hidden_size=16, layers=1, heads=2,
                                                          intermediate_size=32),
                          texts=["SAY c1 hello", "BUY p1", "LEAVE no"] * 20)
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "m")
    tok = AutoTokenizer.from_pretrained(tmp_path / "m")

    def rollout(prompts, trainer):
        n = len(prompts)
        ids = tok("BUY p1", add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
        return {"prompt_ids": [[2, 5, 6]] * n, "completion_ids": [ids] * n, "logprobs": [[0.0] * len(ids)] * n,
                "env_mask": [[1] * len(ids)] * n, "row": list(range(n))}

    def decision(prompts, completions, row, **kw):
        return [REWARDS[i][0] for i in row]

    def quality(prompts, completions, row, **kw):
        return [REWARDS[i][1] for i in row]

    args = GRPOConfig(output_dir=str(tmp_path / "out"), use_cpu=True, bf16=False, per_device_train_batch_size=4,
                      num_generations=2, max_steps=1, reward_weights=WEIGHTS, report_to="none",
                      multi_objective_aggregation=aggregation, scale_rewards="group", activation_checkpointing=False,
                      logging_steps=1, save_strategy="no", disable_tqdm=True)
    dataset = Dataset.from_list([{"prompt": "a"}, {"prompt": "b"}])
    return GRPOTrainer(model=model, reward_funcs=[decision, quality], args=args, train_dataset=dataset,
                       processing_class=tok, rollout_func=rollout)


@pytest.mark.parametrize("aggregation,hand", [("sum_then_normalize", HAND_SUM_THEN_NORMALIZE),
                                              ("normalize_then_sum", HAND_NORMALIZE_THEN_SUM)])
def test_trl_advantages_match_hand_computed(tmp_path, aggregation, hand):
    trainer = _trainer(tmp_path, aggregation)
    inputs = [{"prompt": "a"}, {"prompt": "a"}, {"prompt": "b"}, {"prompt": "b"}]  # G copies, consecutive
    trainer.model.train()
    out = trainer._generate_and_score_completions(inputs)
    got = out["advantages"].tolist()
    assert got == pytest.approx(hand, abs=1e-4)
    assert got == pytest.approx(group_advantages(REWARDS, WEIGHTS, 2, aggregation).tolist(), abs=1e-4)
