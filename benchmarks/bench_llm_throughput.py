"""Throughput of the LLM client layer against the local test server with injected latency.

For each concurrency level it sends a bounded number of requests (``--per-slot`` x concurrency)
through :class:`salessim.llm.OpenAIChatClient` to a :class:`ChatTestServer` that delays every
answer by ``--latency-ms``, and prints completed requests per minute next to the ideal bound
``concurrency / latency`` and their ratio. It stops by itself. The server runs in a child
process (``--in-process`` puts it on threads of the benchmark's own process instead).

    .venv/bin/python benchmarks/bench_llm_throughput.py [--latency-ms 200] [--levels 1,8,32,64]

:func:`measure` is reusable: pass any ``make_call`` coroutine factory (e.g. one that runs a whole
episode) to measure other units per minute.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Iterator

from salessim.llm import ChatRequest, EndpointConfig, OpenAIChatClient
from salessim.testing.server import ChatTestServer, server_subprocess


@dataclass
class Throughput:
    """The result of one :func:`measure` run."""

    concurrency: int
    n_requests: int
    errors: int
    elapsed_s: float
    per_minute: float
    bound_per_minute: float

    @property
    def ratio(self) -> float:
        """Measured throughput as a share of the ideal bound."""
        return self.per_minute / self.bound_per_minute if self.bound_per_minute else 0.0


async def measure(concurrency: int, latency_s: float, n_requests: int,
                  make_call: Callable[[], Awaitable[Any]]) -> Throughput:
    """Run ``n_requests`` calls of ``make_call()`` with at most ``concurrency`` at a time.

    ``latency_s`` is the time one call needs at best; the bound is
    ``concurrency / latency_s`` calls per second. Failed calls are counted in ``errors`` and
    not in the throughput.
    """
    gate = asyncio.Semaphore(concurrency)
    errors = 0

    async def one() -> None:
        nonlocal errors
        async with gate:
            try:
                await make_call()
            except Exception:  # noqa: BLE001 - counted, not fatal to the benchmark
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*[one() for _ in range(n_requests)])
    elapsed = time.perf_counter() - started
    done = n_requests - errors
    return Throughput(
        concurrency=concurrency, n_requests=n_requests, errors=errors, elapsed_s=elapsed,
        per_minute=60.0 * done / elapsed if elapsed > 0 else 0.0,
        bound_per_minute=60.0 * concurrency / latency_s if latency_s > 0 else float("inf"),
    )


async def _run_level(base_url: str, concurrency: int, latency_s: float, n_requests: int) -> Throughput:
    config = EndpointConfig(base_url=base_url, model="bench", concurrency=concurrency,
                            timeout_s=30.0, max_retries=0)
    async with OpenAIChatClient(config) as client:
        counter = iter(range(10**9))

        async def call() -> None:
            await client.complete(ChatRequest(messages=[{"role": "user", "content": "hi"}],
                                              seed=next(counter)))

        await call()  # warm up: SDK import, client and first connection
        return await measure(concurrency, latency_s, n_requests, call)


def main() -> None:
    """Run the benchmark and print one line per concurrency level."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--levels", default="1,8,32,64")
    parser.add_argument("--per-slot", type=int, default=4, help="requests per level = per-slot x concurrency")
    parser.add_argument("--in-process", action="store_true",
                        help="run the test server on threads of this process (shares the GIL)")
    args = parser.parse_args()
    latency_s = args.latency_ms / 1000.0
    levels = [int(x) for x in args.levels.split(",") if x.strip()]

    print(f"test server latency {args.latency_ms:g} ms; requests per level = {args.per_slot} x concurrency")
    print(f"{'concurrency':>11} {'requests':>8} {'errors':>6} {'seconds':>8} {'req/min':>9} "
          f"{'bound/min':>9} {'ratio':>6}")
    with _server(latency_s, in_process=args.in_process) as base_url:
        for level in levels:
            n_requests = max(8, args.per_slot * level)
            result = asyncio.run(_run_level(base_url, level, latency_s, n_requests))
            bounded = latency_s > 0
            bound = f"{result.bound_per_minute:>9.0f}" if bounded else f"{'-':>9}"
            ratio = f"{result.ratio:>6.2f}" if bounded else f"{'-':>6}"
            print(f"{result.concurrency:>11} {result.n_requests:>8} {result.errors:>6} "
                  f"{result.elapsed_s:>8.2f} {result.per_minute:>9.0f} {bound} {ratio}", flush=True)


@contextlib.contextmanager
def _server(latency_s: float, *, in_process: bool) -> Iterator[str]:
    """The test server's base URL: in a child process by default, so that the server's threads
    do not compete with the client for this process's GIL."""
    if in_process:
        with ChatTestServer(latency_s=latency_s) as server:
            yield server.base_url
        return
    with server_subprocess("salessim.testing.server", "--quiet", "--latency-ms", str(latency_s * 1000.0)) as url:
        yield url


if __name__ == "__main__":
    main()
