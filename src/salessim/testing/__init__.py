"""Test your own agents and shoppers offline: a local OpenAI-compatible chat server that answers
from Python functions, with scriptable faults (429 with Retry-After, 5xx, timeouts, malformed
tool calls, truncated or invalid bodies), and ready-made responders.

- :mod:`salessim.testing.server`: :class:`~salessim.testing.server.ChatTestServer` (a context
  manager serving ``http://127.0.0.1:PORT/v1``), faults, and ``python -m salessim.testing.server``;
- :mod:`salessim.testing.responders`: responders that play a shopper or a sales agent by rules.

SalesSim's own tests use them; see docs/llm-endpoints.md.
"""
