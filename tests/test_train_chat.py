"""Token transcripts: incremental chat tokenisation, policy mask, and the tiny checkpoint format."""

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from salessim.local.chat import TokenTranscript, stop_token_ids  # noqa: E402
from salessim.train.tiny import TinyModelConfig, build_tiny_checkpoint  # noqa: E402

pytestmark = pytest.mark.train

CHATML = (
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>' + '\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
TEXTS = ["SAY c1 hello, I need a laptop under 800 dollars please", "p1 Dell $700 c1!+ c2-", "BUY p1",
         "hello! what are you looking for today?", "LEAVE nothing fits", "here are two options. any brand?"] * 20


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    d = tmp_path_factory.mktemp("tiny")
    build_tiny_checkpoint(d, TinyModelConfig(vocab_size=400, hidden_size=32, layers=1, heads=2,
                                             intermediate_size=64), texts=TEXTS)
    return AutoModelForCausalLM.from_pretrained(d), AutoTokenizer.from_pretrained(d)


def test_checkpoint_loads_with_auto_classes(tiny):
    model, tok = tiny
    assert tok.pad_token == "<|pad|>" and tok.eos_token == "<|end|>" and tok.padding_side == "left"
    assert model.generation_config.pad_token_id == tok.pad_token_id
    assert model.generation_config.eos_token_id == tok.eos_token_id
    assert tok.chat_template and tok.eos_token_id in stop_token_ids(tok, model.generation_config)


def _play(tok, policy_texts):
    t = TokenTranscript(tok)
    t.start("shop laptops\nc1 price<=800 !", "hello! what are you looking for today?")
    stop = stop_token_ids(tok)
    for i, text in enumerate(policy_texts):
        if i:
            t.add_env(f"env message {i}\np1 Dell $700 c1!+")
        ids = tok(text, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
        t.add_policy(ids, [-1.0] * len(ids), text, stop)
    return t


@pytest.mark.parametrize("template", ["tiny", "chatml"])
def test_incremental_ids_match_the_whole_rendering(tiny, template):
    _, tok = tiny
    if template == "chatml":
        tok = tok.__class__.from_pretrained(tok.name_or_path)
        tok.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
        tok.eos_token = "<|im_end|>"
        tok.chat_template = CHATML
    t = _play(tok, ["SAY c1", "BUY p1"])
    whole = tok.apply_chat_template(t.messages, tokenize=False)
    got = tok.decode(t.ids)
    # Everything the model saw is the whole chat, up to the template's whitespace after the last turn.
    assert whole.startswith(got) and whole[len(got):].strip() == ""
    # The mask marks exactly the sampled ids: each action and its end-of-turn token.
    policy = [i for i, m in zip(t.completion_ids, t.mask) if m]
    assert tok.decode(policy) == "SAY c1" + tok.eos_token + "BUY p1" + tok.eos_token
    assert len(t.mask) == len(t.completion_ids) == len(t.logprobs)
    assert all(lp == -1.0 for lp, m in zip(t.logprobs, t.mask) if m)


def test_policy_text_targets_and_serialisation(tiny):
    _, tok = tiny
    t = TokenTranscript(tok)
    t.start("shop laptops", "hello!")
    t.add_policy_text("SAY c1")
    t.add_env("p1 Dell $700 c1!+")
    t.add_policy_text("BUY p1")
    policy = [i for i, m in zip(t.completion_ids, t.mask) if m]
    assert tok.decode(policy) == "SAY c1<|end|>BUY p1<|end|>"
    assert tok.decode(t.ids) == tok.apply_chat_template(t.messages, tokenize=False)
    again = TokenTranscript.from_dict(t.to_dict(), tok)
    assert again.ids == t.ids and again.mask == t.mask


def test_unfinished_sample_gets_an_environment_eos(tiny):
    _, tok = tiny
    t = TokenTranscript(tok)
    t.start("shop laptops", "hello!")
    ids = tok("SAY c1 and", add_special_tokens=False)["input_ids"]
    t.add_policy(ids, [0.0] * len(ids), "SAY c1 and", stop_token_ids(tok))
    assert t.completion_ids[-1] == tok.eos_token_id and t.mask[-1] == 0
