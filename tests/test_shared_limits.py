"""Endpoint limits shared across processes: the asyncio view of a multiprocessing semaphore, and the
client taking a permit of it around every request when one is installed for its endpoint."""

from __future__ import annotations

import asyncio
import multiprocessing

import pytest

from salessim.llm import ChatRequest, EndpointConfig, OpenAIChatClient
from salessim.llm.shared_limits import (
    ProcessSemaphoreLimit,
    clear_shared_limits,
    install_shared_limit,
    shared_limit,
)
from salessim.testing.server import ChatTestServer


@pytest.fixture(autouse=True)
def _clean():
    clear_shared_limits()
    yield
    clear_shared_limits()


def test_at_most_the_limit_is_held_and_every_waiter_gets_through():
    sem = multiprocessing.get_context("spawn").BoundedSemaphore(2)
    limit = ProcessSemaphoreLimit(sem)
    held, most = 0, 0

    async def one():
        nonlocal held, most
        await limit.acquire()
        held += 1
        most = max(most, held)
        await asyncio.sleep(0.01)
        held -= 1
        limit.release()

    async def main():
        await asyncio.gather(*(one() for _ in range(12)))

    asyncio.run(main())
    asyncio.run(main())  # a second event loop in the same process shares the same permits
    assert most == 2
    assert sem.get_value() == 2  # every permit came back


def test_a_cancelled_waiter_keeps_no_permit():
    sem = multiprocessing.get_context("spawn").BoundedSemaphore(1)
    limit = ProcessSemaphoreLimit(sem)

    async def main():
        await limit.acquire()  # the only permit
        waiters = [asyncio.ensure_future(limit.acquire()) for _ in range(3)]
        await asyncio.sleep(0.05)
        for w in waiters:
            w.cancel()
        limit.release()
        await asyncio.gather(*waiters, return_exceptions=True)
        await asyncio.sleep(0.2)  # the helper thread hands the permit to the cancelled waiters, who give it back
        await asyncio.wait_for(limit.acquire(), timeout=5)
        limit.release()

    asyncio.run(main())
    assert sem.get_value() == 1


def test_the_client_holds_a_shared_permit_per_request():
    with ChatTestServer(latency_s=0.05) as server:
        config = EndpointConfig(base_url=server.base_url + "/", model="m", concurrency=8, max_retries=0)
        sem = multiprocessing.get_context("spawn").BoundedSemaphore(2)
        install_shared_limit(config.endpoint_key(), ProcessSemaphoreLimit(sem))
        assert shared_limit((server.base_url, "m")) is not None  # keys ignore a trailing slash

        async def main():
            async with OpenAIChatClient(config) as client:
                await asyncio.gather(*(client.complete(ChatRequest(messages=[{"role": "user", "content": str(i)}]))
                                       for i in range(10)))

        asyncio.run(main())
        assert len(server.chat_requests) == 10
        assert server.max_in_flight == 2  # the shared limit, not the client's own 8
        clear_shared_limits()
        server.reset()
        asyncio.run(main())
        assert server.max_in_flight > 2  # without it, the client's own limit applies
