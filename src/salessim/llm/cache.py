"""An on-disk cache of chat responses, and a client wrapper that uses it.

Entries are keyed by the SHA-256 of a canonical JSON of what determines a completion: model,
messages, tools, tool choice, sampling parameters, seed, stop and extra body fields. The key
never includes the API key or the endpoint URL, and nothing from the request is stored besides
the key and the model name, so cache files hold no secrets. (Because the URL is not part of the
key, the same model name on two different servers shares entries; pass ``namespace=`` to keep
them apart.)

Storage is one SQLite file (stdlib ``sqlite3``) in WAL mode with a busy timeout, so several
asyncio tasks and several processes can read and write it at once. The root directory is
``$SALESSIM_CACHE_DIR`` if set, else ``~/.cache/salessim/llm``.

Note: a request without a ``seed`` at temperature > 0 is cached like any other, so repeating it
replays the first sample. Give each trial its own seed when trials should differ.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from salessim.errors import SalesSimError
from salessim.llm.protocol import ChatClient, ChatRequest, ChatResponse

log = logging.getLogger("salessim.llm")

CACHE_ENV = "SALESSIM_CACHE_DIR"
CACHE_FILENAME = "responses.sqlite3"
KEY_VERSION = "salessim-llm-cache-v1"
_SCHEMA_VERSION = 1


def default_cache_dir() -> Path:
    """``$SALESSIM_CACHE_DIR`` if set, else ``~/.cache/salessim/llm``."""
    env = os.environ.get(CACHE_ENV, "").strip()
    return Path(env).expanduser() if env else Path.home() / ".cache" / "salessim" / "llm"


def _number(value: float | None) -> float | None:
    """Sampling numbers as floats, so ``1`` and ``1.0`` give the same key."""
    return None if value is None else float(value)


def request_key(request: ChatRequest, *, model: str | None = None, namespace: str = "") -> str:
    """The cache key of ``request`` (hex SHA-256); ``model`` replaces an empty request model."""
    payload: dict[str, Any] = {
        "v": KEY_VERSION,
        "ns": namespace,
        "model": request.model or model or "",
        "messages": request.messages,
        "tools": request.tools,
        "tool_choice": request.tool_choice,
        "temperature": _number(request.temperature),
        "top_p": _number(request.top_p),
        "max_tokens": request.max_tokens,
        "seed": request.seed,
        "stop": [request.stop] if isinstance(request.stop, str) else request.stop,
        "extra": request.extra,
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """A SQLite-backed map from request key to :class:`ChatResponse`.

    The synchronous :meth:`get`/:meth:`put` are thread-safe; the ``a``-prefixed versions run
    them on a worker thread so the event loop never waits on the disk.
    """

    def __init__(self, root: str | Path | None = None, *, filename: str = CACHE_FILENAME,
                 busy_timeout_s: float = 30.0):
        self.root = Path(root).expanduser() if root is not None else default_cache_dir()
        self.path = self.root / filename
        self.busy_timeout_s = busy_timeout_s
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def __repr__(self) -> str:
        return f"ResponseCache({str(self.path)!r})"

    def _connect(self) -> sqlite3.Connection:
        """Open (and on first use create) the database; caller holds the lock."""
        if self._conn is not None:
            return self._conn
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout_s, check_same_thread=False,
                                   isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS responses ("
                " key TEXT PRIMARY KEY, model TEXT NOT NULL, created_at REAL NOT NULL,"
                " response TEXT NOT NULL)"
            )
            conn.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
        except (sqlite3.DatabaseError, OSError) as exc:
            raise SalesSimError(
                f"cannot open the LLM response cache: {exc}", where=str(self.path),
                hint=f"Delete the file, point ${CACHE_ENV} elsewhere, or run without the cache.",
            ) from None
        self._conn = conn
        return conn

    def get(self, key: str) -> ChatResponse | None:
        """The cached response for ``key`` marked ``cached=True`` and cost 0, or ``None``."""
        started = time.perf_counter()
        with self._lock:
            row = self._connect().execute(
                "SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            stored = ChatResponse.model_validate_json(row[0])
        except ValueError:
            log.warning("ignoring an unreadable cache entry %s in %s", key[:12], self.path)
            return None
        return as_cache_hit(stored, time.perf_counter() - started)

    def put(self, key: str, response: ChatResponse) -> None:
        """Store ``response`` under ``key`` (replacing an older entry)."""
        data = response.model_dump_json(exclude={"cached", "latency_s", "attempts"})
        with self._lock:
            self._connect().execute(
                "INSERT OR REPLACE INTO responses (key, model, created_at, response) VALUES (?, ?, ?, ?)",
                (key, response.model, time.time(), data),
            )

    async def aget(self, key: str) -> ChatResponse | None:
        """:meth:`get` on a worker thread."""
        return await asyncio.to_thread(self.get, key)

    async def aput(self, key: str, response: ChatResponse) -> None:
        """:meth:`put` on a worker thread."""
        await asyncio.to_thread(self.put, key, response)

    def __len__(self) -> int:
        with self._lock:
            return self._connect().execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def clear(self) -> None:
        """Delete every entry."""
        with self._lock:
            self._connect().execute("DELETE FROM responses")

    def close(self) -> None:
        """Close the database connection (it reopens on next use)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def as_cache_hit(response: ChatResponse, latency_s: float = 0.0) -> ChatResponse:
    """``response`` as returned from the cache: ``cached=True``, no cost, no request sent."""
    return response.model_copy(update={"cached": True, "cost_usd": 0.0, "latency_s": latency_s,
                                       "attempts": 0})


class CachedClient:
    """Wraps a :class:`ChatClient` with a :class:`ResponseCache`.

    ``enabled=False`` passes every call straight through (no reads, no writes: a ``--no-cache``
    run). ``refresh=True`` skips reads but stores fresh answers. Identical requests in flight
    at the same time are sent once; the others get the first one's answer as a cache hit.
    Failed calls are never cached. ``hits``/``misses`` count lookups.
    """

    def __init__(self, inner: ChatClient, cache: ResponseCache | None = None, *, enabled: bool = True,
                 refresh: bool = False, namespace: str = ""):
        self.inner = inner
        self.cache = cache if cache is not None else ResponseCache()
        self.enabled = enabled
        self.refresh = refresh
        self.namespace = namespace
        self.hits = 0
        self.misses = 0
        self._pending: dict[str, asyncio.Future[ChatResponse]] = {}

    @property
    def default_model(self) -> str:
        """The wrapped client's default model ("" when it has none)."""
        return str(getattr(self.inner, "default_model", "") or "")

    def key(self, request: ChatRequest) -> str:
        """The cache key this wrapper uses for ``request``."""
        return request_key(request, model=self.default_model, namespace=self.namespace)

    async def aclose(self) -> None:
        """Close the wrapped client (when it can be closed) and the cache."""
        close = getattr(self.inner, "aclose", None)
        if close is not None:
            await close()
        self.cache.close()

    async def __aenter__(self) -> "CachedClient":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def complete(self, request: ChatRequest) -> ChatResponse:
        """A cached answer when there is one, else the wrapped client's (then stored)."""
        if not self.enabled:
            return await self.inner.complete(request)
        key = self.key(request)
        started = time.perf_counter()
        if not self.refresh:
            hit = await self.cache.aget(key)
            if hit is not None:
                self.hits += 1
                return hit
        pending = self._pending.get(key)
        if pending is not None:
            await asyncio.wait([pending])
            if not pending.cancelled() and pending.exception() is None:
                self.hits += 1
                return as_cache_hit(pending.result(), time.perf_counter() - started)
            # the first caller failed: try ourselves
        self.misses += 1
        future: asyncio.Future[ChatResponse] = asyncio.get_running_loop().create_future()
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._pending[key] = future
        try:
            response = await self.inner.complete(request)
            try:
                await self.cache.aput(key, response)
            except (sqlite3.Error, OSError) as exc:  # a full disk must not lose the answer
                log.warning("could not store a response in %s: %s", self.cache.path, exc)
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
            raise
        else:
            future.set_result(response)
            return response
        finally:
            if self._pending.get(key) is future:
                del self._pending[key]
