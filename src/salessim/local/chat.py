"""The token sequence of one episode as the shopper model sees it, built turn by turn with the
tokenizer's chat template.

One episode is one chat: ``system`` (persona), ``user`` (the shop's opening line), then
``assistant`` (a shopper action) and ``user`` (agent text, product cards, view results) in turn.
:class:`TokenTranscript` keeps the ids of the whole chat and, for every id after the prompt,
whether the policy produced it (``mask`` 1) or the environment did (0), with the sampling
log-probability of policy ids. UserGRPO hands exactly these lists to TRL (``prompt_ids``,
``completion_ids``, ``logprobs``, ``env_mask``); SFT uses ``mask`` as its loss mask.

Only the *new* part of the chat is tokenised at each step: the environment's text is the part of
the template rendering after the previous assistant turn, and the policy's ids are kept exactly as
sampled (never re-tokenised). Models whose tokenizer has no chat template get
:data:`FALLBACK_TEMPLATE`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FALLBACK_TEMPLATE", "TINY_TEMPLATE", "TokenTranscript", "render_chat", "stop_token_ids", "strip_reasoning"]

#: The chat template of the tiny SalesSim models (special tokens, no whitespace between turns).
TINY_TEMPLATE = (
    "{% for m in messages %}{{ '<|' + m['role'] + '|>' + m['content'] + '<|end|>' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}"
)

#: Used for tokenizers without a chat template (base models): plain-text role headers.
FALLBACK_TEMPLATE = (
    "{% for m in messages %}{{ '### ' + m['role'] + '\n' + m['content'] + '\n\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '### assistant\n' }}{% endif %}"
)


def render_chat(tokenizer, messages: list[dict], add_generation_prompt: bool, **template_kwargs: Any) -> str:
    """The chat rendered as text with the tokenizer's template (or :data:`FALLBACK_TEMPLATE`)."""
    template = None if getattr(tokenizer, "chat_template", None) else FALLBACK_TEMPLATE
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt,
                                         chat_template=template, **template_kwargs)


def stop_token_ids(tokenizer, generation_config=None) -> list[int]:
    """Ids that end an assistant turn: the tokenizer's eos and the generation config's eos ids."""
    ids: list[int] = []
    if generation_config is not None and generation_config.eos_token_id is not None:
        eos = generation_config.eos_token_id
        ids += list(eos) if isinstance(eos, (list, tuple)) else [eos]
    if tokenizer.eos_token_id is not None:
        ids.append(tokenizer.eos_token_id)
    vocab = tokenizer.get_vocab()  # builds a dict of the whole vocabulary: once
    ids += [vocab[name] for name in ("<|end|>", "<|im_end|>", "<|eot_id|>", "<end_of_turn>") if name in vocab]
    return sorted(set(ids))


_END_STRINGS: dict[int, list[str]] = {}


def _end_strings(tokenizer) -> list[str]:
    key = id(tokenizer)
    if key not in _END_STRINGS:
        _END_STRINGS[key] = [tokenizer.convert_ids_to_tokens(i) for i in stop_token_ids(tokenizer)]
    return _END_STRINGS[key]


def strip_reasoning(text: str) -> tuple[str, str | None]:
    """Split ``<think>...</think>`` reasoning off model output: (answer, reasoning or None)."""
    if "</think>" in text:
        head, _, tail = text.partition("</think>")
        return tail.strip(), head.replace("<think>", "").strip() or None
    return text, None


class TokenTranscript:
    """The chat of one episode as token ids with the policy mask (see the module docstring).

    Serialisable with :meth:`to_dict` / :meth:`from_dict` so it can live in a shopper's state.
    """

    def __init__(self, tokenizer, template_kwargs: dict[str, Any] | None = None):
        self.tokenizer = tokenizer
        self.template_kwargs = dict(template_kwargs or {})
        self.messages: list[dict[str, str]] = []
        self.prompt_ids: list[int] = []
        self.completion_ids: list[int] = []
        self.mask: list[int] = []
        self.logprobs: list[float] = []
        self._end_strings = _end_strings(tokenizer)

    # -- building ----------------------------------------------------------------------------
    def _render(self, messages: list[dict], gen: bool) -> str:
        return render_chat(self.tokenizer, messages, gen, **self.template_kwargs)

    def _encode(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def start(self, system: str, opening: str) -> None:
        """Begin the chat: the persona as system message and the shop's opening line."""
        self.messages = [{"role": "system", "content": system}, {"role": "user", "content": opening}]
        self.prompt_ids = self._encode(self._render(self.messages, gen=True))
        self.completion_ids, self.mask, self.logprobs = [], [], []

    def add_env(self, text: str) -> int:
        """Append a user (environment) message and the generation prompt; returns the number of ids
        added (all masked out)."""
        if self.messages and self.messages[-1]["role"] == "user":
            if len(self.messages) > 2:
                raise ValueError("two environment messages in a row: merge them into one add_env call")
            # Still in the prompt (no action yet): the text joins the opening message.
            self.messages[-1] = {"role": "user", "content": self.messages[-1]["content"] + "\n" + text}
            self.prompt_ids = self._encode(self._render(self.messages, gen=True))
            return 0
        before = self._render(self.messages, gen=False)
        boundary = self._boundary(before)
        self.messages.append({"role": "user", "content": text})
        after = self._render(self.messages, gen=True)
        if after[:boundary] != before[:boundary]:
            boundary = _common_prefix(before, after)
        ids = self._encode(after[boundary:])
        self.completion_ids += ids
        self.mask += [0] * len(ids)
        self.logprobs += [0.0] * len(ids)
        return len(ids)

    def _boundary(self, before: str) -> int:
        """Where the rendering of the chat so far stops matching the ids we hold: right after the
        end-of-turn marker of the last assistant message."""
        best = -1
        for s in self._end_strings:
            if s:
                i = before.rfind(s)
                if i >= 0:
                    best = max(best, i + len(s))
        if best < 0 or not self.messages or self.messages[-1]["role"] != "assistant":
            return len(before)
        # The end marker must belong to the last assistant message, not an earlier one.
        last = before.rfind(self.messages[-1]["content"]) if self.messages[-1]["content"] else -1
        return best if best >= last else len(before)

    def add_policy(self, ids: list[int], logprobs: list[float], text: str, stop_ids: list[int]) -> None:
        """Append the policy's sampled ids (mask 1) and record its message text. When the sample did
        not end with a stop id, the tokenizer's eos id is appended as an environment id so that
        the next turn starts cleanly."""
        self.completion_ids += list(ids)
        self.mask += [1] * len(ids)
        self.logprobs += [float(x) for x in logprobs]
        if not ids or ids[-1] not in stop_ids:
            eos = self.tokenizer.eos_token_id
            if eos is not None:
                self.completion_ids.append(eos)
                self.mask.append(0)
                self.logprobs.append(0.0)
        self.messages.append({"role": "assistant", "content": text})

    def add_policy_text(self, text: str) -> None:
        """Append an assistant message given as text (a training target): its ids and the end of
        turn, all with mask 1 (SFT)."""
        before = self._render(self.messages, gen=True)
        self.messages.append({"role": "assistant", "content": text})
        after = self._render(self.messages, gen=False)
        if not after.startswith(before):
            raise ValueError("the chat template does not render an assistant message as a continuation of "
                             "the generation prompt; cannot build policy targets")
        tail = after[len(before):]
        boundary = self._boundary(after) - len(before)
        ids = self._encode(tail[: boundary if boundary > 0 else len(tail)])
        self.completion_ids += ids
        self.mask += [1] * len(ids)
        self.logprobs += [0.0] * len(ids)

    # -- views -------------------------------------------------------------------------------
    @property
    def ids(self) -> list[int]:
        """Prompt and completion ids: the model's whole context."""
        return self.prompt_ids + self.completion_ids

    def to_dict(self) -> dict[str, Any]:
        return {"messages": self.messages, "prompt_ids": self.prompt_ids, "completion_ids": self.completion_ids,
                "mask": self.mask, "logprobs": self.logprobs}

    @classmethod
    def from_dict(cls, data: dict[str, Any], tokenizer, template_kwargs: dict[str, Any] | None = None) -> "TokenTranscript":
        t = cls(tokenizer, template_kwargs)
        t.messages = [dict(m) for m in data["messages"]]
        t.prompt_ids = list(data["prompt_ids"])
        t.completion_ids = list(data["completion_ids"])
        t.mask = list(data["mask"])
        t.logprobs = list(data["logprobs"])
        return t


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i
