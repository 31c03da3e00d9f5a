"""Scripted stand-ins for real models: responders for :class:`~salessim.testing.server.ChatTestServer`
that play a SalesSim shopper or sales agent by reading the request's messages.

They let tests, benchmarks and manual runs drive whole episodes through the real client stack
without any model. :func:`roleplay_responder` picks the role from the request (the shopper's
``say`` tool or its system prompt; the agent's ``search_products`` tool) and otherwise echoes.

The shopper: says an opening line, answers once more, then opens the first product shown to it,
buys it after seeing its page (``lap-``/``hp-`` ids from the "[Shown with this message:]" list),
and leaves after a few turns without products. With tools it answers with tool calls; without
(the text protocol) with ``[VIEW id]``/``[BUY id]``/``[LEAVE: ...]`` lines. When told that an id
does not exist it picks a shown one. The agent: asks one question, then searches with the
shopper's words and recommends the first two results by name and id.

Command line (a role-playing server for manual runs and subprocess tests; Ctrl-C stops it)::

    python -m salessim.testing.responders --port 8011 --latency-ms 200 [--fault-every 5 --fault server_error]
"""

from __future__ import annotations

import argparse
import json
import re
from typing import Any, Iterable

from salessim.testing.faults import Fault, FaultFn
from salessim.testing.replies import Reply, echo_responder, tool_reply
from salessim.testing.server import ChatTestServer, serve_until_interrupted

SHOPPER_LINES = (
    "Hi! I'm looking for something for work and travel.",
    "I mostly need it to be reliable, and my budget is around 1200 dollars.",
    "Hmm, what else would you suggest?",
)
AGENT_QUESTION = "Happy to help! What will you mainly use it for, and do you have a budget in mind?"
SHOWN_HEADER = "[Shown with this message:]"
_SHOWN_ID = re.compile(r"^- ([A-Za-z0-9][\w.\-]*)", re.MULTILINE)
_OPENED = re.compile(r"\[You opened the product page of ([\w.\-]+)\.")
_NO_PRODUCT = "There is no product"
#: How the corrective notes of the LLM participants begin (see data/prompts/*.yaml).
NOTE_MARKERS = ("[Your last reply", "[There is no product", "[Answer the customer now")


def without_notes(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``messages`` without the participants' corrective notes (merged into a user message or
    on their own), so a scripted role answers the conversation itself."""
    out = []
    for m in messages:
        content = m.get("content")
        if m.get("role") == "user" and isinstance(content, str):
            for marker in NOTE_MARKERS:
                if marker in content:
                    content = content.split(marker)[0].rstrip()
            if not content:
                continue
            m = {**m, "content": content}
        out.append(m)
    return out


def text_of(content: Any) -> str:
    """The text of a message content (a string, or the text parts of a list)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def tool_names(request: dict[str, Any]) -> list[str]:
    """Names of the tools offered in ``request``."""
    out = []
    for tool in request.get("tools") or []:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and function.get("name"):
            out.append(str(function["name"]))
    return out


def is_shopper_request(request: dict[str, Any]) -> bool:
    """True for a request of the LLM shopper (its ``say`` tool, or its system prompt)."""
    if "say" in tool_names(request):
        return True
    messages = request.get("messages") or []
    system = text_of(messages[0].get("content")) if messages and messages[0].get("role") == "system" else ""
    return "You are playing a customer" in system


def _shown_ids(messages: list[dict[str, Any]]) -> list[str]:
    ids: list[str] = []
    for m in messages:
        if m.get("role") != "user":
            continue
        text = text_of(m.get("content"))
        if SHOWN_HEADER in text:
            for pid in _SHOWN_ID.findall(text.split(SHOWN_HEADER, 1)[1]):
                if pid not in ids:
                    ids.append(pid)
    return ids


def _viewed_ids(messages: list[dict[str, Any]]) -> list[str]:
    ids: list[str] = []
    for m in messages:
        for call in m.get("tool_calls") or []:
            function = call.get("function") or {}
            if function.get("name") == "view_product":
                try:
                    ids.append(json.loads(function.get("arguments") or "{}").get("product_id", ""))
                except json.JSONDecodeError:
                    pass
        if m.get("role") == "assistant":
            ids += re.findall(r"\[VIEW ([\w.\-]+)\]", text_of(m.get("content")))
    return ids


def _act(tools: bool, kind: str, value: str = "", text: str = "") -> Reply:
    """One shopper action, as a tool call or in the text protocol."""
    if tools:
        if kind == "say":
            return tool_reply("say", {"text": value})
        if kind == "leave":
            return tool_reply("leave", {"reason": value})
        return tool_reply(kind, {"product_id": value})
    if kind == "say":
        return Reply(text=value)
    if kind == "leave":
        return Reply(text=f"{text}\n[LEAVE: {value}]".strip())
    command = "VIEW" if kind == "view_product" else "BUY"
    return Reply(text=f"{text}\n[{command} {value}]".strip())


def shopper_responder(request: dict[str, Any], *, buy_id: str | None = None) -> Reply:
    """Play the shopper (see the module docstring). ``buy_id`` forces the id it buys (tests of
    invalid ids); it switches to a shown id once told that id does not exist."""
    raw = request.get("messages") or []
    tools = "say" in tool_names(request)
    shown = _shown_ids(raw)
    if raw and _NO_PRODUCT in text_of(raw[-1].get("content")) and shown:
        return _act(tools, "buy", shown[0], "This one, then.")
    messages = without_notes(raw)
    last = messages[-1] if messages else {}
    last_text = text_of(last.get("content"))
    viewed = [v for v in _viewed_ids(messages) if v]
    said = sum(1 for m in messages if m.get("role") == "assistant")
    opened = _OPENED.search(last_text)
    if last.get("role") == "tool" or opened or (last.get("role") == "user" and viewed and "picture" in last_text
                                                 and SHOWN_HEADER not in last_text):
        target = buy_id or (opened.group(1) if opened else (viewed[-1] if viewed else (shown[0] if shown else "")))
        if '"error"' in last_text or "but:" in last_text:
            return _act(tools, "say", "That page did not open. Can you tell me more about it?")
        return _act(tools, "buy", target, "Looks good, I'll take it.")
    fresh = [pid for pid in shown if pid not in viewed]
    if fresh:
        return _act(tools, "view_product", fresh[0], "Let me look at that one.")
    if said >= len(SHOPPER_LINES):
        return _act(tools, "leave", "nothing here fits what I need", "Thanks anyway.")
    return _act(tools, "say", SHOPPER_LINES[said])


def agent_responder(request: dict[str, Any]) -> Reply:
    """Play the sales agent: one question, then search, then recommend two results by name and id.
    With tools switched off (``tool_choice: "none"``) it answers from the last tool result."""
    messages = without_notes(request.get("messages") or [])
    last = messages[-1] if messages else {}
    if request.get("tool_choice") == "none":
        last = next((m for m in reversed(messages) if m.get("role") == "tool"), last)
    if last.get("role") == "tool":
        try:
            content = json.loads(text_of(last.get("content")) or "{}")
        except json.JSONDecodeError:
            content = {}
        results = content.get("results") if isinstance(content, dict) else None
        if not results:
            return Reply(text="I'm sorry, I could not find anything that fits. Could you tell me more?")
        picks = results[:2]
        names = " or the ".join(f"{p['name']} ({p['id']}) at ${p.get('price')}" for p in picks)
        return Reply(text=f"I'd suggest the {names}.")
    user_turns = [m for m in messages if m.get("role") == "user"]
    if len(user_turns) <= 1 or request.get("tool_choice") == "none":
        return Reply(text=AGENT_QUESTION)
    query = text_of(user_turns[-1].get("content"))[:80]
    return tool_reply("search_products", {"query": query})


def roleplay_responder(request: dict[str, Any]) -> Reply:
    """Play whichever role the request is for: shopper, sales agent, or echo otherwise."""
    if is_shopper_request(request):
        return shopper_responder(request)
    if "search_products" in tool_names(request):
        return agent_responder(request)
    return echo_responder(request)


def main(argv: Iterable[str] | None = None) -> None:
    """Serve :func:`roleplay_responder` on 127.0.0.1 until interrupted; prints the base URL."""
    parser = argparse.ArgumentParser(prog="python -m salessim.testing.responders",
                                     description="A role-playing OpenAI-compatible test server (no model).")
    parser.add_argument("--port", type=int, default=8011, help="0 picks a free port")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--fault-every", type=int, default=0, metavar="N",
                        help="inject --fault into every N-th chat request")
    parser.add_argument("--fault", default="server_error", help="fault in header syntax, e.g. 'rate_limit;retry_after=1'")
    parser.add_argument("--api-key", default=None, help="require this bearer key")
    args = parser.parse_args(list(argv) if argv is not None else None)
    fault_fn: FaultFn | None = None
    if args.fault_every > 0:
        template, every = Fault.from_header(args.fault), args.fault_every

        def fault_fn(index: int, _body: dict[str, Any]) -> Fault | None:
            """Every ``every``-th chat request gets the fault."""
            return template if (index + 1) % every == 0 else None

    server = ChatTestServer(roleplay_responder, port=args.port, latency_s=args.latency_ms / 1000.0,
                            fault_fn=fault_fn, api_key=args.api_key)
    serve_until_interrupted(server, lambda srv: f"SalesSim role-play server: {srv.base_url}")


if __name__ == "__main__":
    main()
