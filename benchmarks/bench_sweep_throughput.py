"""LLM-bound throughput of a sweep's worker processes against the local test server.

For each number of worker processes P (``--workers``) and each number of concurrent calls C
(``--levels``), the sweep's own backend (``salessim.sweep.backends``) starts P workers sharing an
endpoint limit of C requests in flight (exactly as `salessim sweep` does); the C request loops are
split evenly over the workers (C/P each, as a sweep with ``settings.concurrency`` = C/P would run),
each through the same client the LLM participants use (``salessim.llm.endpoints.build_client``, cache
off), against the test server (:mod:`salessim.testing.server`, a child process, every answer delayed
by ``--latency-ms``). ``--oversubscribe`` gives every worker C loops instead, so that the shared
limit is what keeps the total at C (the cost of the cross-process gate). All workers count the requests
that complete inside a common window (after a warm-up); the table gives requests per minute next to
the bound C / latency and their ratio, with the CPU the workers and the server used in the window.
P = 1 is the single-process run, side by side.

``--profile`` instead runs whole episodes (the LLM shopper, played by the role-play test server,
against the scripted agent) in ONE worker at ``--profile-concurrency`` under cProfile and splits the
worker's busy CPU (time waiting in ``select`` left out) between the HTTP client (openai SDK, httpx,
httpcore, h11, anyio), SalesSim, and the event loop with the rest of the standard library: each
function's own time goes to its package; shared helpers (C built-ins, pydantic, json, re, ...) are
charged to their callers, in proportion.

    .venv/bin/python benchmarks/bench_sweep_throughput.py [--workers 1,2,4] [--levels 64,256] [--latency-ms 200]
    .venv/bin/python benchmarks/bench_sweep_throughput.py --backend ray --workers 2 --levels 64
    .venv/bin/python benchmarks/bench_sweep_throughput.py --profile
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import statistics
import sysconfig
import tempfile
import time

from salessim.testing.server import server_subprocess

# -- the worker side --------------------------------------------------------------------------------

async def _calls(base_url: str, limit: int, loops: int, start: float, stop: float) -> dict:
    from salessim.llm import ChatRequest
    from salessim.llm.endpoints import build_client
    from salessim.schema.run import ModelConfig

    model = ModelConfig(model="bench", base_url=base_url, concurrency=limit, cache=False, max_retries=0,
                        timeout_s=120)
    client = build_client(model)
    counted, errors, seeds = 0, 0, iter(range(10**9))
    cpu: dict[str, float] = {}

    async def clock() -> None:
        await asyncio.sleep(max(0.0, start - time.time()))
        cpu["start"] = time.process_time()
        await asyncio.sleep(max(0.0, stop - time.time()))
        cpu["stop"] = time.process_time()

    async def loop() -> None:
        nonlocal counted, errors
        while time.time() < stop:
            try:
                await client.complete(ChatRequest(messages=[{"role": "user", "content": "hi"}], seed=next(seeds)))
            except Exception:  # noqa: BLE001 - counted, not fatal
                errors += 1
                continue
            if start <= time.time() < stop:
                counted += 1

    await asyncio.gather(clock(), *(loop() for _ in range(loops)))
    await client.aclose()
    return {"completed": counted, "errors": errors, "cpu_s": cpu.get("stop", 0.0) - cpu.get("start", 0.0),
            "pid": os.getpid()}


def calls_task(args: tuple, limits=None) -> dict:
    """One worker's part: ``loops`` request loops until ``stop``, counting completions in [start, stop)."""
    if limits is not None:
        limits.install()
    base_url, limit, loops, start, stop = args
    return asyncio.run(_calls(base_url, limit, loops, start, stop))


# -- CPU attribution (--profile) --------------------------------------------------------------------

_STDLIB = (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"])
_HTTP = ("openai", "httpx", "httpx2", "httpcore", "httpcore2", "h11", "anyio", "sniffio", "jiter", "distro")
HTTP = "HTTP client (openai SDK, httpx/httpcore, h11, anyio)"
SALESSIM = "SalesSim (orchestrator, participants, prompts, response parsing, store, NLU)"
LOOP = "asyncio event loop, sockets and the rest of the standard library"
#: Helpers whose time is charged to whoever called them: C built-ins, pydantic, json, re, copy, typing...
_SHARED_STDLIB = ("json", "re", "copy", "typing", "functools", "enum", "dataclasses", "abc", "inspect", "uuid",
                  "hashlib", "base64", "collections", "string", "weakref", "_weakrefset", "types", "contextvars")


def _kind(func: tuple) -> str:
    """``shared`` (charged to its callers), ``idle`` (the loop waiting in select/poll), or a category."""
    filename, _, name = func
    if filename == "~":
        return "idle" if ("select" in name or "poll" in name) and "epoll" in name or name.endswith("'poll' objects}") else "shared"
    if "site-packages" in filename:
        pkg = filename.split("site-packages", 1)[1].strip("/\\").split("/")[0]
        if pkg.startswith(("pydantic", "typing_extensions", "annotated_types", "yaml", "typing_inspection")):
            return "shared"
        return HTTP if pkg.startswith(_HTTP) else f"other ({pkg})"
    if "/salessim/" in filename:
        return SALESSIM
    if filename.startswith("<"):  # frozen modules (importlib), generated code
        return "shared"
    if filename.startswith(_STDLIB):
        module = filename[len(_STDLIB[0]):].strip("/").split("/")[0].removesuffix(".py")
        return "shared" if module in _SHARED_STDLIB else LOOP
    return "other"


def attribute_cpu(stats: dict) -> dict[str, float]:
    """Exclusive CPU seconds per category from ``pstats.Stats(...).stats``: each function's own time goes
    to its category; a shared helper's own time goes to its callers, in proportion to the time each
    caller spent in it (repeatedly, through helpers calling helpers)."""
    import functools

    @functools.lru_cache(maxsize=None)
    def dist(func: tuple, depth: int = 0) -> tuple[tuple[str, float], ...]:
        kind = _kind(func)
        if kind != "shared":
            return ((kind, 1.0),)
        callers = stats.get(func, (0, 0, 0.0, 0.0, {}))[4]
        total = sum(v[2] for v in callers.values())
        if depth > 8 or total <= 0:
            return ((LOOP, 1.0),)
        out: dict[str, float] = {}
        for caller, v in callers.items():
            for cat, share in dist(caller, depth + 1):
                out[cat] = out.get(cat, 0.0) + share * v[2] / total
        return tuple(out.items())

    totals: dict[str, float] = collections.defaultdict(float)
    for func, (_cc, _nc, tt, _ct, _callers) in stats.items():
        for cat, share in dist(func):
            totals[cat] += tt * share
    return dict(totals)


async def _episodes(base_url: str, concurrency: int, seconds: float) -> dict:
    from salessim.agents import make_scripted_agent
    from salessim.llm.endpoints import build_client
    from salessim.personas import load_personas
    from salessim.schema.run import ModelConfig
    from salessim.shoppers.llm import LLMShopper
    from salessim.sim.orchestrator import EpisodeLimits, run_episode
    from salessim.sim.runner import episode_seed
    from salessim.store import default_store

    store = default_store()
    personas = load_personas(split="test")
    model = ModelConfig(model="bench-shopper", base_url=base_url, concurrency=concurrency, cache=False,
                        max_retries=0, timeout_s=120)
    client = build_client(model)
    shopper, agent = LLMShopper(client, model, store=store), make_scripted_agent("helpful")
    n = iter(range(10**9))
    stop = time.time() + seconds
    done = 0

    async def loop() -> None:
        nonlocal done
        while time.time() < stop:
            k = next(n)
            p = personas[k % len(personas)]
            await run_episode(p, shopper, agent, store, seed=episode_seed(0, f"{p.id}#{k}"), trial=k,
                              limits=EpisodeLimits(max_turns=12))
            done += 1

    import cProfile
    import pstats

    profiler = cProfile.Profile()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    profiler.enable()
    await asyncio.gather(*(loop() for _ in range(concurrency)))
    profiler.disable()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    await client.aclose()
    return {"episodes": done, "cpu_s": cpu, "wall_s": wall, "by_category": attribute_cpu(pstats.Stats(profiler).stats)}


def profile_task(args: tuple, limits=None) -> dict:
    base_url, concurrency, seconds = args
    return asyncio.run(_episodes(base_url, concurrency, seconds))


# -- the driver --------------------------------------------------------------------------------------

def _server_pid(marker: str) -> int | None:
    import psutil

    for child in psutil.Process().children(recursive=True):
        try:
            if marker in " ".join(child.cmdline()):
                return child.pid
        except psutil.Error:
            continue
    return None


def _cpu(pid: int | None) -> float:
    import psutil

    if pid is None:
        return 0.0
    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


def measure(base_url: str, backend_name: str, workers: int, limit: int, latency_s: float, warmup: float,
            window: float, oversubscribe: bool = False) -> dict:
    """One measurement: P workers, endpoint limit C, requests per minute in the window."""
    from salessim.llm.endpoints import endpoint_config
    from salessim.schema.run import ModelConfig
    from salessim.sweep.backends import make_backend

    key = endpoint_config(ModelConfig(model="bench", base_url=base_url)).endpoint_key()
    backend = make_backend(backend_name, workers=workers)
    backend.start({key: limit})
    try:
        # workers start (spawn/import) before the clock: a first tiny task per worker
        ready = time.time() + 3.0 + 0.5 * workers
        warm = [backend.submit(calls_task, (base_url, limit, 1, ready - 1, ready - 0.5)) for _ in range(workers)]
        for f in warm:
            f.result()
        start = time.time() + warmup
        stop = start + window
        server = _server_pid("salessim.testing.server")
        server_cpu0 = None
        loops = limit if oversubscribe else -(-limit // workers)
        futures = [backend.submit(calls_task, (base_url, limit, loops, start, stop)) for _ in range(workers)]
        time.sleep(max(0.0, start - time.time()))
        server_cpu0 = _cpu(server)
        time.sleep(max(0.0, stop - time.time()))
        server_cpu = _cpu(server) - server_cpu0
        results = [f.result() for f in futures]
    finally:
        backend.shutdown()
    completed = sum(r["completed"] for r in results)
    per_minute = 60.0 * completed / window
    bound = 60.0 * limit / latency_s
    return {"workers": workers, "limit": limit, "completed": completed, "errors": sum(r["errors"] for r in results),
            "per_minute": per_minute, "bound": bound, "ratio": per_minute / bound,
            "worker_cpu": sum(r["cpu_s"] for r in results) / window, "server_cpu": server_cpu / window,
            "pids": len({r["pid"] for r in results})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--levels", default="64,256", help="endpoint limits C (requests in flight over all workers)")
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--backend", default="local", choices=("local", "ray"))
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before the window opens")
    parser.add_argument("--window", type=float, default=10.0, help="seconds counted")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per cell of the table (median shown)")
    parser.add_argument("--oversubscribe", action="store_true",
                        help="every worker runs C loops (the shared limit holds the total at C) instead of C/P")
    parser.add_argument("--profile", action="store_true", help="profile one worker's CPU on whole LLM episodes")
    parser.add_argument("--profile-concurrency", type=int, default=64)
    parser.add_argument("--profile-seconds", type=float, default=20.0)
    args = parser.parse_args()
    os.environ.setdefault("SALESSIM_CACHE_DIR", tempfile.mkdtemp(prefix="salessim-bench-"))
    latency_s = args.latency_ms / 1000.0
    print(f"{os.cpu_count()} CPU cores; test server latency {args.latency_ms:g} ms; backend {args.backend}")
    if args.profile:
        _profile(args, latency_s)
        return
    split = "every worker runs C loops (oversubscribed)" if args.oversubscribe else "C/P loops per worker"
    print(f"{split}; window {args.window:g} s after {args.warmup:g} s of warm-up; median of {args.repeats}, conditions "
          f"interleaved; CPU = cores busy in the window (the workers together; the server); load average at start "
          f"{os.getloadavg()[0]:.1f}")
    limits = [int(x) for x in args.levels.split(",") if x.strip()]
    counts = [int(x) for x in args.workers.split(",") if x.strip()]
    runs: dict[tuple[int, int], list[dict]] = {(c, w): [] for c in limits for w in counts}
    with server_subprocess("salessim.testing.server", "--quiet", "--latency-ms", str(args.latency_ms)) as url:
        for _ in range(args.repeats):
            for limit in limits:
                for workers in counts:
                    runs[(limit, workers)].append(measure(url, args.backend, workers, limit, latency_s, args.warmup,
                                                          args.window, args.oversubscribe))
    print(f"load average at end {os.getloadavg()[0]:.1f}")
    print(f"{'workers':>7} {'limit C':>7} {'req/min':>9} {'bound/min':>9} {'ratio':>6} {'ratios seen':>20} "
          f"{'errors':>6} {'workers CPU':>11} {'server CPU':>10}")
    for (limit, workers), rs in runs.items():
        mid = sorted(rs, key=lambda r: r["ratio"])[len(rs) // 2]
        seen = ", ".join(f"{r['ratio']:.2f}" for r in rs)
        print(f"{workers:>7} {limit:>7} {mid['per_minute']:>9.0f} {mid['bound']:>9.0f} {mid['ratio']:>6.2f} "
              f"{seen:>20} {sum(r['errors'] for r in rs):>6} {statistics.median(r['worker_cpu'] for r in rs):>11.2f} "
              f"{statistics.median(r['server_cpu'] for r in rs):>10.2f}", flush=True)


def _profile(args, latency_s: float) -> None:
    from salessim.sweep.backends import make_backend

    with server_subprocess("salessim.testing.responders", "--latency-ms", str(args.latency_ms)) as url:
        backend = make_backend(args.backend, workers=1)
        backend.start({})
        try:
            r = backend.submit(profile_task, (url, args.profile_concurrency, args.profile_seconds)).result()
        finally:
            backend.shutdown()
    cats = r["by_category"]
    busy = sum(v for k, v in cats.items() if k != "idle")
    print(f"one worker under cProfile, LLM shopper vs scripted agent, {args.profile_concurrency} episodes in flight, "
          f"{r['wall_s']:.1f} s: {r['episodes']} episodes, worker CPU {r['cpu_s'] / r['wall_s']:.2f} cores "
          f"(profiling slows it down; read the shares)")
    for name, secs in sorted(cats.items(), key=lambda kv: -kv[1]):
        if name != "idle":
            print(f"  {secs / busy:6.1%} of the worker's busy CPU  {name}")


if __name__ == "__main__":
    main()
