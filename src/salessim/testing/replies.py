"""What the test server answers: the :class:`Reply` a responder returns, the default echo
responder, and the OpenAI chat-completion and error bodies built from them.

Used by :mod:`salessim.testing.server` (which re-exports the public names) and by
:mod:`salessim.testing.faults` (content faults rewrite a :class:`Reply`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Reply:
    """The assistant message a responder wants sent back.

    ``tool_calls`` entries are ``{"name": str, "arguments": dict | str, "id": str (optional)}``;
    a string ``arguments`` is sent verbatim (so it may be broken JSON). ``finish_reason``
    defaults to ``"tool_calls"`` when there are tool calls, else ``"stop"``. ``usage`` defaults
    to a rough count (4 characters per token).
    """

    text: str | None = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    reasoning: str | None = None
    reasoning_field: str = "reasoning_content"
    finish_reason: str | None = None
    usage: dict[str, int] | None = None
    model: str | None = None


def text_reply(text: str) -> Reply:
    """A plain text reply."""
    return Reply(text=text)


def tool_reply(name: str, arguments: dict[str, Any] | str | None = None, *, text: str | None = None,
               call_id: str | None = None) -> Reply:
    """A reply that calls one tool (e.g. the shopper's ``say``/``buy``)."""
    call: dict[str, Any] = {"name": name, "arguments": {} if arguments is None else arguments}
    if call_id:
        call["id"] = call_id
    return Reply(text=text, tool_calls=[call])


Responder = Callable[[dict[str, Any]], "Reply | str | dict[str, Any]"]


def _text_of(content: Any) -> str:
    """The text of a message content (string or list of parts; images shown as ``[image]``)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text":
                out.append(str(part.get("text", "")))
            elif isinstance(part, dict) and part.get("type") == "image_url":
                out.append("[image]")
        return " ".join(out)
    return ""


def echo_responder(request: dict[str, Any]) -> Reply:
    """The default responder: ``"echo: <last user message>"``."""
    for message in reversed(request.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            return Reply(text=f"echo: {_text_of(message.get('content'))}")
    return Reply(text="echo: (no user message)")


def _estimate_tokens(text: str) -> int:
    """A rough token count, 4 characters per token."""
    return (len(text) + 3) // 4


def error_body(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    """An OpenAI-style error body."""
    return {"error": {"message": message, "type": kind, "code": code, "param": None}}


def completion_body(index: int, request: dict[str, Any], reply: Reply, model: str) -> dict[str, Any]:
    """The OpenAI ``chat.completion`` body carrying ``reply`` as the answer to ``request``, the
    server's ``index``-th request; ``model`` is named when neither the reply nor the request names one."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    tool_calls = []
    for n, call in enumerate(reply.tool_calls):
        args = call.get("arguments", {})
        tool_calls.append({
            "id": call.get("id") or f"call_{index}_{n}",
            "type": "function",
            "function": {"name": call.get("name", ""),
                         "arguments": args if isinstance(args, str) else json.dumps(args)},
        })
    if tool_calls:
        message["tool_calls"] = tool_calls
    if reply.reasoning is not None:
        message[reply.reasoning_field] = reply.reasoning
    finish = reply.finish_reason or ("tool_calls" if tool_calls else "stop")
    completion_text = (reply.text or "") + "".join(
        c["function"]["arguments"] + c["function"]["name"] for c in tool_calls)
    usage = dict(reply.usage) if reply.usage else {
        "prompt_tokens": _estimate_tokens(json.dumps(request.get("messages"))),
        "completion_tokens": _estimate_tokens(completion_text),
    }
    usage.setdefault("total_tokens", usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0))
    return {
        "id": f"chatcmpl-test-{index}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": reply.model or str(request.get("model") or model),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": usage,
    }
