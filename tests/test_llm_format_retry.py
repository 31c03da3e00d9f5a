"""The one format-retry loop of LLM participants (salessim.llm.format_retry)."""

from __future__ import annotations

import asyncio

from salessim.llm.format_retry import OutputProblem, ask_until_usable
from salessim.llm.protocol import ChatRequest, ChatResponse, TokenUsage
from salessim.schema.run import ModelConfig

NOTES = {"empty": "Say something.", "bad": "Not {{ word }}: try again."}


class Scripted:
    """A chat client that answers with the given texts in turn and keeps every request."""

    def __init__(self, *texts: str):
        self.texts = list(texts)
        self.requests: list[ChatRequest] = []

    async def complete(self, request: ChatRequest) -> ChatResponse:
        self.requests.append(request)
        text = self.texts.pop(0)
        return ChatResponse(text=text, reasoning=f"why {text!r}", cached=text == "cached",
                            usage=TokenUsage(prompt_tokens=10, completion_tokens=2))


def _parse(response: ChatResponse):
    text = response.text or ""
    if not text:
        return None, OutputProblem("empty")
    if text.startswith("bad"):
        return None, OutputProblem("bad", {"word": text})
    return text.upper(), None


def _ask(client, retries=2):
    model = ModelConfig(model="m", max_format_retries=retries)
    return asyncio.run(ask_until_usable(client, model, [{"role": "user", "content": "hi"}], parse=_parse,
                                        notes=NOTES, role="shopper", episode_seed=7, call_index=3))


def test_asks_again_with_the_note_of_each_problem_until_usable():
    client = Scripted("", "bad one", "cached")
    tries = _ask(client)
    assert tries.usable and tries.value == "CACHED" and tries.problems == ["empty", "bad"]
    # every retry is the original messages plus one note, never the notes piled up
    assert [r.messages[-1]["content"] for r in client.requests] == ["hi", "hi\n\nSay something.",
                                                                    "hi\n\nNot bad one: try again."]
    assert len({r.seed for r in client.requests}) == 3  # each attempt its own seed
    assert tries.usage.calls == 3 and tries.usage.prompt_tokens == 30
    assert tries.meta() == {"llm_calls": 3, "format_problems": ["empty", "bad"], "cached_calls": 1}
    assert tries.reasoning_text.count("why") == 3


def test_gives_up_after_the_allowed_retries_and_says_what_was_wrong():
    client = Scripted("bad a", "bad b", "fine")
    tries = _ask(client, retries=1)
    assert not tries.usable and tries.value is None and tries.problem.kind == "bad"
    assert tries.response.text == "bad b" and len(client.requests) == 2
    assert tries.meta() == {"llm_calls": 2, "format_problems": ["bad", "bad"]}


def test_a_usable_first_answer_is_one_call():
    tries = _ask(Scripted("ok"), retries=0)
    assert tries.usable and tries.meta() == {"llm_calls": 1}
