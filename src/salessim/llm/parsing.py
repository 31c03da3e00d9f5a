"""Turn an OpenAI-style chat-completion body into a :class:`ChatResponse`, tolerantly.

Servers differ: content may be a string, ``null`` or a list of parts; tool-call arguments may be
a JSON string, an already-decoded object, an empty string or broken JSON; reasoning may arrive
as a ``reasoning_content``/``reasoning`` field or inline as ``<think>...</think>``. Nothing here
raises on such input: problems end up in ``ParsedToolCall.parse_error`` or as empty fields.
"""

from __future__ import annotations

import json
import re
from typing import Any

from salessim.llm.protocol import ChatResponse, ParsedToolCall, TokenUsage

_THINK_BLOCK = re.compile(r"<think>(.*?)</think>", re.DOTALL | re.IGNORECASE)
_CODE_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL | re.IGNORECASE)


def split_think(text: str | None) -> tuple[str | None, str | None]:
    """Split ``<think>...</think>`` reasoning out of ``text``.

    Returns ``(visible_text, reasoning)``. Handles several closed blocks, an unclosed
    ``<think>`` (everything after it is reasoning, as when the output was truncated) and a lone
    ``</think>`` (everything before it is reasoning, as some chat templates open the block in
    the prompt). Text without markers comes back unchanged with ``reasoning=None``.
    """
    if not text:
        return text, None
    lower = text.lower()
    if "<think>" not in lower and "</think>" not in lower:
        return text, None
    parts: list[str] = []

    def _keep(match: re.Match[str]) -> str:
        parts.append(match.group(1).strip())
        return ""

    visible = _THINK_BLOCK.sub(_keep, text)
    low = visible.lower()
    if "<think>" in low:  # unclosed block: the rest is reasoning
        cut = low.index("<think>")
        parts.append(visible[cut + len("<think>"):].strip())
        visible = visible[:cut]
    elif "</think>" in low:  # opened by the template, closed by the model
        cut = low.index("</think>")
        parts.insert(0, visible[:cut].strip())
        visible = visible[cut + len("</think>"):]
    reasoning = "\n\n".join(p for p in parts if p) or None
    return visible.strip(), reasoning


def parse_tool_arguments(raw: Any) -> tuple[str, dict[str, Any] | None, str | None]:
    """Parse one tool call's ``arguments`` into ``(arguments_raw, arguments, parse_error)``.

    A dict is taken as is; ``None``/empty string means "no arguments" (``{}``); a string must be
    a JSON object, optionally wrapped in a Markdown code fence. Anything else gives
    ``arguments=None`` and a ``parse_error`` that says what was wrong.
    """
    if isinstance(raw, dict):
        return json.dumps(raw, ensure_ascii=False), raw, None
    if raw is None:
        return "", {}, None
    if not isinstance(raw, str):
        return str(raw), None, f"arguments must be a JSON object string, got {type(raw).__name__}"
    if not raw.strip():
        return raw, {}, None
    candidates = [raw]
    fenced = _CODE_FENCE.match(raw)
    if fenced:
        candidates.append(fenced.group(1))
    error = ""
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except (json.JSONDecodeError, RecursionError) as exc:
            error = f"invalid JSON in tool arguments: {exc}"
            continue
        if isinstance(value, dict):
            return raw, value, None
        return raw, None, f"tool arguments must be a JSON object, got {type(value).__name__}"
    return raw, None, error


def _content_text(content: Any) -> str | None:
    """Content as one string: strings pass, lists of parts have their text parts joined."""
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append(part["text"])
        return "".join(texts)
    return str(content)


def _tool_calls(message: dict[str, Any]) -> list[ParsedToolCall]:
    """Every tool call of ``message`` (including a legacy ``function_call``), parsed."""
    entries = message.get("tool_calls") or []
    if not isinstance(entries, list):
        entries = []
    legacy = message.get("function_call")
    if isinstance(legacy, dict) and not entries:
        entries = [{"id": "call_0", "type": "function", "function": legacy}]
    calls = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            calls.append(ParsedToolCall(
                id=f"call_{index}", name="", arguments_raw=str(entry),
                parse_error="tool call is not an object"))
            continue
        function = entry.get("function") if isinstance(entry.get("function"), dict) else {}
        name = function.get("name")
        raw, args, error = parse_tool_arguments(function.get("arguments"))
        if not isinstance(name, str) or not name:
            error = error or "tool call has no function name"
            name = ""
        call_id = entry.get("id")
        calls.append(ParsedToolCall(
            id=str(call_id) if call_id else f"call_{index}",
            name=name, arguments_raw=raw, arguments=args, parse_error=error,
        ))
    return calls


def _int(value: Any) -> int:
    """A non-negative int from a usage field, 0 for anything unusable."""
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def parse_chat_completion(data: Any, *, strip_think: bool = True) -> ChatResponse:
    """Build a :class:`ChatResponse` from a chat-completion JSON body (first choice only).

    Never raises: a body without choices yields a response with ``text=None`` and
    ``finish_reason=None``. ``cost_usd``, ``latency_s`` and ``cached`` are left at their
    defaults for the caller to fill in. With ``strip_think``, ``<think>`` blocks are moved
    from the text into ``reasoning``.
    """
    if not isinstance(data, dict):
        return ChatResponse(raw={"unparsed": data if isinstance(data, (str, list)) else str(data)})
    choices = data.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}

    text = _content_text(message.get("content"))
    reasoning_parts = []
    for key in ("reasoning_content", "reasoning"):
        value = message.get(key)
        if isinstance(value, str) and value.strip():
            reasoning_parts.append(value.strip())
            break
    if strip_think:
        text, inline = split_think(text)
        if inline:
            reasoning_parts.append(inline)

    usage_data = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    finish = choice.get("finish_reason")
    return ChatResponse(
        text=text,
        tool_calls=_tool_calls(message),
        reasoning="\n\n".join(reasoning_parts) or None,
        finish_reason=str(finish) if finish is not None else None,
        model=str(data.get("model") or ""),
        usage=TokenUsage(
            prompt_tokens=_int(usage_data.get("prompt_tokens")),
            completion_tokens=_int(usage_data.get("completion_tokens")),
        ),
        raw=data,
    )
