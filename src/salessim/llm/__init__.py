"""The LLM client layer: one small protocol, an OpenAI-compatible client, a response cache,
prices and usage accounting (the scriptable local test server is :mod:`salessim.testing`).

Typical use::

    from salessim.llm import CachedClient, ChatRequest, EndpointConfig, OpenAIChatClient, ResponseCache

    client = CachedClient(OpenAIChatClient(EndpointConfig(
        base_url="http://localhost:8000/v1", model="Qwen/Qwen3-8B")), ResponseCache())
    response = await client.complete(ChatRequest(messages=[{"role": "user", "content": "hi"}], seed=1))

The LiteLLM backend (``salessim.llm.litellm_client``) is imported from its module.
"""

from salessim.llm.cache import (
    CACHE_ENV,
    CachedClient,
    ResponseCache,
    default_cache_dir,
    request_key,
)
from salessim.llm.errors import LLMError
from salessim.llm.openai_client import EndpointConfig, OpenAIChatClient, resolve_api_key
from salessim.llm.parsing import (
    parse_chat_completion,
    parse_tool_arguments,
    split_think,
)
from salessim.llm.pricing import (
    CostEstimate,
    ModelPrice,
    PriceTable,
    UsageTracker,
    load_price_table,
    sum_usage,
    usage_of,
)
from salessim.llm.protocol import (
    ChatClient,
    ChatRequest,
    ChatResponse,
    ParsedToolCall,
    TokenUsage,
)
from salessim.llm.retry import RetryPolicy

__all__ = [
    "CACHE_ENV", "CachedClient", "ChatClient", "ChatRequest", "ChatResponse", "CostEstimate",
    "EndpointConfig", "LLMError", "ModelPrice", "OpenAIChatClient", "ParsedToolCall", "PriceTable",
    "ResponseCache", "RetryPolicy", "TokenUsage", "UsageTracker", "default_cache_dir",
    "load_price_table", "parse_chat_completion", "parse_tool_arguments", "request_key",
    "resolve_api_key", "split_think", "sum_usage", "usage_of",
]
