"""Tolerant parsing of chat-completion bodies: tool arguments, reasoning, odd content."""

from __future__ import annotations

from salessim.llm import parse_chat_completion, parse_tool_arguments, split_think


def _body(message: dict, finish: str | None = "stop", usage: dict | None = None) -> dict:
    body = {"id": "x", "model": "m", "choices": [{"index": 0, "message": message, "finish_reason": finish}]}
    if usage is not None:
        body["usage"] = usage
    return body


def test_split_think_variants():
    assert split_think("hello") == ("hello", None)
    assert split_think(None) == (None, None)
    assert split_think("<think>plan</think>Hi there") == ("Hi there", "plan")
    assert split_think("<THINK>a</THINK>x<think>b</think>y") == ("xy", "a\n\nb")
    assert split_think("Hi <think>cut off mid thou") == ("Hi", "cut off mid thou")
    assert split_think("template opened it</think>Answer") == ("Answer", "template opened it")


def test_tool_arguments_cases():
    assert parse_tool_arguments('{"text": "hi"}') == ('{"text": "hi"}', {"text": "hi"}, None)
    assert parse_tool_arguments({"a": 1})[1:] == ({"a": 1}, None)
    assert parse_tool_arguments("")[1:] == ({}, None)
    assert parse_tool_arguments(None)[1:] == ({}, None)
    raw, args, err = parse_tool_arguments('```json\n{"product_id": "p1"}\n```')
    assert args == {"product_id": "p1"} and err is None
    raw, args, err = parse_tool_arguments('{"text": "I want')
    assert args is None and "invalid JSON" in err and raw == '{"text": "I want'
    _, args, err = parse_tool_arguments('["not", "an", "object"]')
    assert args is None and "JSON object" in err
    _, args, err = parse_tool_arguments(42)
    assert args is None and err


def test_full_body_with_tool_calls_reasoning_and_usage():
    body = _body({
        "role": "assistant", "content": "<think>budget first</think>",
        "reasoning_content": "field reasoning",
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "say", "arguments": '{"text": "hi"}'}},
            {"id": "c2", "type": "function", "function": {"name": "buy", "arguments": "{broken"}},
            {"type": "function", "function": {"arguments": "{}"}},
            "garbage",
        ],
    }, finish="tool_calls", usage={"prompt_tokens": 12, "completion_tokens": "7"})
    resp = parse_chat_completion(body)
    assert resp.text == ""
    assert resp.reasoning == "field reasoning\n\nbudget first"
    assert [tc.name for tc in resp.tool_calls] == ["say", "buy", "", ""]
    assert resp.tool_calls[0].arguments == {"text": "hi"}
    assert resp.tool_calls[1].arguments is None and resp.tool_calls[1].parse_error
    assert resp.tool_calls[2].id == "call_2" and resp.tool_calls[2].parse_error == "tool call has no function name"
    assert resp.tool_calls[3].parse_error
    assert resp.has_parse_errors
    assert resp.finish_reason == "tool_calls"
    assert (resp.usage.prompt_tokens, resp.usage.completion_tokens, resp.usage.total_tokens) == (12, 7, 19)
    assert resp.raw == body


def test_odd_bodies_never_raise():
    assert parse_chat_completion({}).text is None
    assert parse_chat_completion({"choices": []}).finish_reason is None
    assert parse_chat_completion("not json").raw == {"unparsed": "not json"}
    assert parse_chat_completion(None).text is None
    resp = parse_chat_completion(_body({"content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}))
    assert resp.text == "ab"
    resp = parse_chat_completion(_body({"content": None}, finish="length"))
    assert resp.text is None and resp.truncated
    resp = parse_chat_completion(_body({"content": "x", "reasoning": "r"}))
    assert resp.reasoning == "r"
    legacy = parse_chat_completion(_body({"content": None, "function_call": {"name": "say", "arguments": '{"text": "yo"}'}}))
    assert legacy.tool_calls[0].name == "say" and legacy.tool_calls[0].arguments == {"text": "yo"}
    kept = parse_chat_completion(_body({"content": "<think>x</think>y"}), strip_think=False)
    assert kept.text == "<think>x</think>y" and kept.reasoning is None
