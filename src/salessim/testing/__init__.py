"""Test your own agents and shoppers offline: a local OpenAI-compatible chat server that answers
from Python functions, with scriptable faults (429 with Retry-After, 5xx, timeouts, malformed
tool calls, truncated or invalid bodies), and ready-made responders.

- :mod:`salessim.testing.server`: :class:`~salessim.testing.server.ChatTestServer` (a context
  manager serving ``http://127.0.0.1:PORT/v1``) and ``python -m salessim.testing.server``; it
  re-exports the names of the two modules it builds on:
- :mod:`salessim.testing.replies`: :class:`~salessim.testing.replies.Reply`, ``text_reply``,
  ``tool_reply``, the echo responder and the OpenAI response bodies;
- :mod:`salessim.testing.faults`: :class:`~salessim.testing.faults.Fault` and its header syntax;
- :mod:`salessim.testing.responders`: responders that play a shopper or a sales agent by rules.

SalesSim's own tests use them; see docs/llm-endpoints.md.
"""
