"""A small causal LM and its tokenizer, built locally from a config: the shopper model that trains
on a CPU and stands in for a real chat model in tests.

- The **tokenizer** is a byte-level BPE trained with the ``tokenizers`` library on the project's
  own text (:func:`project_corpus`: persona renderings, agent and shopper lines of scripted
  transcripts when given, catalog names and descriptions, the action protocol). It has the special
  tokens ``<|pad|> <|end|> <|system|> <|user|> <|assistant|>`` and the chat template
  :data:`salessim.local.chat.TINY_TEMPLATE`; ``<|end|>`` is eos, ``<|pad|>`` pads, padding is on
  the left.
- The **model** is a Llama-architecture decoder (rotary positions, so left padding does not move
  anything) or GPT-2, a few layers and a small width (:class:`TinyModelConfig`).
- :func:`build_tiny_checkpoint` writes both as a normal Hugging Face checkpoint directory (config,
  safetensors weights, tokenizer files, chat template, generation config with pad/eos), loadable
  with ``AutoModelForCausalLM.from_pretrained`` / ``AutoTokenizer.from_pretrained`` and hence by
  the ``hf:PATH`` shopper. Nothing comes from a hub.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from salessim.local.chat import TINY_TEMPLATE
from salessim.local.render import (
    ACTION_KEYWORDS,
    OPENING,
    PROTOCOL_HELP,
    RenderConfig,
    render_persona,
)

__all__ = ["SPECIAL_TOKENS", "TinyModelConfig", "build_tiny_checkpoint", "build_tiny_model", "project_corpus",
           "train_tokenizer"]

SPECIAL_TOKENS = ["<|pad|>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>"]


class TinyModelConfig(BaseModel):
    """Size and shape of the tiny shopper model and its tokenizer."""

    model_config = ConfigDict(extra="forbid")

    architecture: Literal["llama", "gpt2"] = "llama"
    vocab_size: int = Field(default=2048, ge=300, description="BPE vocabulary size (incl. 256 bytes)")
    hidden_size: int = Field(default=128, ge=16)
    layers: int = Field(default=4, ge=1)
    heads: int = Field(default=4, ge=1)
    intermediate_size: int = Field(default=384, ge=16)
    max_positions: int = Field(default=2048, ge=64)
    seed: int = 0


def project_corpus(store=None, personas=None, transcripts: Iterable[str] = (), render_cfg=None) -> Iterator[str]:
    """The text the tokenizer learns from: the action protocol, persona renderings (both styles),
    product names, descriptions and cards, and any extra lines (``transcripts``)."""

    yield PROTOCOL_HELP
    yield OPENING
    for kw in ACTION_KEYWORDS:
        for i in range(1, 10):
            yield f"{kw} p{i}" if kw in ("VIEW", "BUY") else f"{kw} c{i}"
    for persona in personas or ():
        yield render_persona(persona, render_cfg or RenderConfig())
        yield render_persona(persona, RenderConfig(style="full"))
        for c in persona.criteria:
            yield from c.phrasings
    if store is not None:
        for product in store.catalog:
            yield product.name
            yield product.description
            yield f"p1 {product.brand} ${product.attributes.get('price')}"
    yield from transcripts


def train_tokenizer(texts: Iterable[str], vocab_size: int = 2048):
    """Train a byte-level BPE on ``texts`` and wrap it as a ``PreTrainedTokenizerFast`` with the
    SalesSim special tokens, chat template and left padding."""
    from tokenizers import (  # lazy: the [train] extra
        Tokenizer,
        decoders,
        models,
        pre_tokenizers,
        trainers,
    )
    from transformers import PreTrainedTokenizerFast  # lazy: the [train] extra

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator((t for t in texts if t), trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<|pad|>", eos_token="<|end|>", bos_token=None, unk_token=None,
        additional_special_tokens=["<|system|>", "<|user|>", "<|assistant|>"], padding_side="left",
        clean_up_tokenization_spaces=False,
    )
    fast.chat_template = TINY_TEMPLATE
    return fast


def build_tiny_model(tokenizer, cfg: TinyModelConfig):
    """A freshly initialised causal LM sized by ``cfg`` for ``tokenizer`` (weights seeded)."""
    import torch  # lazy: the [train] extra
    from transformers import (  # lazy: the [train] extra
        GPT2Config,
        GPT2LMHeadModel,
        LlamaConfig,
        LlamaForCausalLM,
    )

    torch.manual_seed(cfg.seed)
    vocab = len(tokenizer)
    pad, eos = tokenizer.pad_token_id, tokenizer.eos_token_id
    if cfg.architecture == "llama":
        config = LlamaConfig(
            vocab_size=vocab, hidden_size=cfg.hidden_size, intermediate_size=cfg.intermediate_size,
            num_hidden_layers=cfg.layers, num_attention_heads=cfg.heads, num_key_value_heads=cfg.heads,
            max_position_embeddings=cfg.max_positions, tie_word_embeddings=True,
            pad_token_id=pad, eos_token_id=eos, bos_token_id=eos,
        )
        model = LlamaForCausalLM(config)
    else:
        config = GPT2Config(
            vocab_size=vocab, n_embd=cfg.hidden_size, n_layer=cfg.layers, n_head=cfg.heads,
            n_inner=cfg.intermediate_size, n_positions=cfg.max_positions,
            pad_token_id=pad, eos_token_id=eos, bos_token_id=eos,
        )
        model = GPT2LMHeadModel(config)
    model.generation_config.pad_token_id = pad
    model.generation_config.eos_token_id = eos
    model.generation_config.bos_token_id = eos
    return model


def build_tiny_checkpoint(out_dir: str | Path, cfg: TinyModelConfig | None = None, *, texts: Iterable[str] | None = None,
                          store=None, personas=None):
    """Train the tokenizer (on ``texts``, or on :func:`project_corpus` of ``store``/``personas``),
    build the model and save both to ``out_dir``. Returns ``(model, tokenizer)``."""
    cfg = cfg or TinyModelConfig()
    corpus = list(texts) if texts is not None else list(project_corpus(store, personas))
    tokenizer = train_tokenizer(corpus, cfg.vocab_size)
    model = build_tiny_model(tokenizer, cfg)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return model, tokenizer
