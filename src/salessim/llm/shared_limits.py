"""Endpoint limits shared by several processes.

Inside one process, every client of an endpoint (``base_url`` + ``model``) shares one asyncio
semaphore per event loop (:func:`salessim.llm.openai_client.endpoint_semaphore`). A sweep runs many
processes (a pool of workers, or Ray tasks on several machines) against the same servers; for the
user's ``concurrency`` to hold over all of them, a worker installs a :class:`SharedLimit` per
endpoint before it runs episodes, and the clients then take a permit of it around every request,
inside their own process's semaphore (:func:`salessim.llm.openai_client.endpoint_gate`).

Two implementations: :class:`ProcessSemaphoreLimit` here, over a ``multiprocessing`` semaphore that
the sweep hands to its pool's workers when it starts them; and a Ray actor in
:mod:`salessim.sweep.backends.ray_backend`. Nothing is installed outside a sweep's worker, so a plain
``salessim run`` works exactly as before.
"""

from __future__ import annotations

import asyncio
import collections
import threading
from typing import Any, Protocol, runtime_checkable

__all__ = ["EndpointKey", "ProcessSemaphoreLimit", "SharedLimit", "clear_shared_limits", "install_shared_limit",
           "shared_limit", "shared_limits"]

#: What identifies an endpoint: ``(base_url without a trailing slash, model)``, as
#: :meth:`salessim.llm.openai_client.EndpointConfig.endpoint_key` builds it.
EndpointKey = tuple[str, str]


@runtime_checkable
class SharedLimit(Protocol):
    """A counting semaphore shared by several processes, seen from asyncio.

    ``await acquire()`` waits for a permit (a cancelled wait never keeps one); ``release()`` gives
    it back at once, without waiting."""

    async def acquire(self) -> None:
        ...

    def release(self) -> None:
        ...


_SHARED: dict[EndpointKey, SharedLimit] = {}
_GUARD = threading.Lock()


def install_shared_limit(key: EndpointKey, limit: SharedLimit) -> None:
    """Make every client of endpoint ``key`` in this process take a permit of ``limit`` per request."""
    with _GUARD:
        _SHARED[(key[0].rstrip("/"), key[1])] = limit


def shared_limit(key: EndpointKey) -> SharedLimit | None:
    """The shared limit installed for endpoint ``key``, or None."""
    return _SHARED.get((key[0].rstrip("/"), key[1]))


def shared_limits() -> dict[EndpointKey, SharedLimit]:
    """Every installed shared limit, by endpoint."""
    with _GUARD:
        return dict(_SHARED)


def clear_shared_limits() -> None:
    """Remove every installed shared limit (tests, and a worker between sweeps)."""
    with _GUARD:
        _SHARED.clear()


class ProcessSemaphoreLimit:
    """A ``multiprocessing`` semaphore (shared by a process pool's workers) seen from asyncio.

    A free permit is taken at once without blocking the event loop; otherwise the request waits
    in a queue served first come, first served by one helper thread, which blocks on the semaphore
    (fair across processes: the kernel wakes the longest waiting one) and hands permits to the
    waiters on their event loops. Each time the helper thread runs it hands over as many permits as
    are free, in one call per loop: it needs the interpreter lock to do so, and a busy event loop
    gives it up only every few milliseconds. A waiter that is cancelled never keeps a permit: one
    handed to it too late is released."""

    def __init__(self, semaphore: Any):
        self._sem = semaphore
        self._waiters: collections.deque[tuple[asyncio.AbstractEventLoop, asyncio.Future]] = collections.deque()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    async def acquire(self) -> None:
        with self._cond:
            if not self._waiters and self._sem.acquire(False):
                return
            loop = asyncio.get_running_loop()
            future: asyncio.Future = loop.create_future()
            self._waiters.append((loop, future))
            self._cond.notify()
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="salessim-shared-limit", daemon=True)
                self._thread.start()
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._sem.release()  # granted, but the waiter is gone
            raise

    def release(self) -> None:
        self._sem.release()

    def _next_waiter(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Future] | None:
        """The first waiter still waiting (caller holds the condition)."""
        while self._waiters:
            loop, future = self._waiters.popleft()
            if not future.done():  # a cancelled waiter is dropped without taking a permit
                return loop, future
        return None

    def _serve(self) -> None:
        """The helper thread: wait for a waiter, then for a permit, then hand over all it can."""
        while True:
            with self._cond:
                while not self._waiters:
                    self._cond.wait()
            self._sem.acquire()
            batch: dict[asyncio.AbstractEventLoop, list[asyncio.Future]] = {}
            held = 1
            with self._cond:
                while held:
                    waiter = self._next_waiter()
                    if waiter is None:
                        break
                    batch.setdefault(waiter[0], []).append(waiter[1])
                    held -= 1
                    if self._waiters and self._sem.acquire(False):
                        held += 1
            for _ in range(held):  # no waiter left for these
                self._sem.release()
            for loop, futures in batch.items():
                try:
                    loop.call_soon_threadsafe(self._grant, futures)
                except RuntimeError:  # the waiters' loop is closed
                    for _ in futures:
                        self._sem.release()

    def _grant(self, futures: list[asyncio.Future]) -> None:
        """On the waiters' loop: give each its permit, or give the permit back if it stopped waiting."""
        for future in futures:
            if future.done():
                self._sem.release()
            else:
                future.set_result(None)
