"""The ``ray`` backend: units of work as Ray tasks (the ``salessim[ray]`` extra).

- No ``--ray-address``: a local Ray is started for the sweep and stopped after it: ``num_cpus`` =
  the workers, no dashboard, usage statistics off (``RAY_USAGE_STATS_ENABLED=0``), and every one of
  its servers on the loopback address only. (On Linux Ray binds its servers to all interfaces even
  when told ``_node_ip_address="127.0.0.1"``; it keeps to loopback as on a laptop when
  ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``, which this backend sets before Ray is imported.)
- ``--ray-address auto`` joins the cluster running on this machine (``ray start --head``);
  ``ray://host:port`` connects with the Ray client. Every node needs salessim installed, the key
  variables its models name, and the sweep's ``--out`` on a filesystem it shares with this machine:
  a shard's worker writes its file into its cell directory (a node that cannot see the directory is
  a one-line error naming it).

Each unit is a task needing one CPU; Ray places them. The endpoint limits live in one async actor
(no CPU reserved): a worker takes a permit per request and gives it back after, and a permit
handed to a request that was cancelled meanwhile is returned, never kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import itertools
import json
import logging
import os
import signal
import sys
import uuid
from concurrent.futures import Future
from typing import Any, Callable

from salessim.errors import SalesSimError
from salessim.llm.shared_limits import clear_shared_limits, install_shared_limit

INSTALL_HINT = "Install the Ray extra: pip install 'salessim[ray]'"
#: Settings given to a Ray this backend starts or joins.
RAY_ENV = {"RAY_USAGE_STATS_ENABLED": "0"}


#: Ray on Linux binds its gRPC servers to every interface unless this is "0" (read when ray is imported):
#: then it uses the loopback address, as it does on a laptop. Set for the local Ray a sweep starts.
LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}


def ray_installed() -> bool:
    """Whether the ray package can be imported (without importing it)."""
    return importlib.util.find_spec("ray") is not None


def import_ray(*, loopback: bool = False):
    """``ray``, or a one-line error naming the extra to install. ``loopback`` keeps a local Ray on
    127.0.0.1 (it must be asked before the first import of ray in this process)."""
    for key, value in {**RAY_ENV, **(LOOPBACK_ENV if loopback else {})}.items():
        os.environ.setdefault(key, value)
    try:
        import ray  # lazy: optional and heavy, imported only for --backend ray
    except ImportError:
        raise SalesSimError("--backend ray needs the ray package, which is not installed", where="--backend",
                            hint=INSTALL_HINT + ".") from None
    return ray


def _is_loopback(ip: str) -> bool:
    return ip in ("127.0.0.1", "::1", "localhost") or ip.startswith("127.")


def _key_text(key: tuple[str, str]) -> str:
    return json.dumps(list(key))


class EndpointLimiter:
    """The Ray actor holding one semaphore per endpoint for all the sweep's workers."""

    def __init__(self, limits: dict[str, int]):
        self._sems = {key: asyncio.Semaphore(n) for key, n in limits.items()}
        self._held: set[str] = set()
        self._abandoned: set[str] = set()
        self._in_flight = {key: 0 for key in limits}
        self._max_in_flight = {key: 0 for key in limits}

    async def acquire(self, key: str, token: str) -> bool:
        await self._sems[key].acquire()
        if token in self._abandoned:  # its caller stopped waiting: the permit goes back at once
            self._abandoned.discard(token)
            self._sems[key].release()
            return False
        self._held.add(token)
        self._in_flight[key] += 1
        self._max_in_flight[key] = max(self._max_in_flight[key], self._in_flight[key])
        return True

    async def release(self, key: str, token: str) -> None:
        if token in self._held:
            self._held.discard(token)
            self._in_flight[key] -= 1
            self._sems[key].release()
        else:  # cancelled while still waiting: release the permit when it is granted
            self._abandoned.add(token)

    async def stats(self) -> dict[str, int]:
        """The most requests that held a permit at once, per endpoint."""
        return dict(self._max_in_flight)


class RayLimit:
    """A permit of one endpoint of the :class:`EndpointLimiter` actor, seen from asyncio."""

    _counter = itertools.count()

    def __init__(self, actor: Any, key: str):
        self._actor = actor
        self._key = key
        self._prefix = uuid.uuid4().hex[:12]
        self._tokens: list[str] = []

    async def acquire(self) -> None:
        token = f"{self._prefix}-{next(self._counter)}"
        try:
            granted = await self._actor.acquire.remote(self._key, token)
        except asyncio.CancelledError:
            self._actor.release.remote(self._key, token)  # granted or not, the actor gives it back
            raise
        if not granted:  # cannot happen for a caller that kept waiting
            raise RuntimeError("endpoint permit refused")
        self._tokens.append(token)

    def release(self) -> None:
        token = self._tokens.pop()
        self._actor.release.remote(self._key, token)


class RayLimits:
    """The limits handle Ray tasks receive: installs a :class:`RayLimit` per endpoint, once per
    worker process (per actor)."""

    _installed: str | None = None

    def __init__(self, actor: Any, keys: list[tuple[str, str]], actor_id: str):
        self.actor = actor
        self.keys = list(keys)
        self.actor_id = actor_id

    def install(self) -> None:

        if RayLimits._installed == self.actor_id:
            return
        clear_shared_limits()
        for key in self.keys:
            install_shared_limit(key, RayLimit(self.actor, _key_text(key)))
        RayLimits._installed = self.actor_id


class RayBackend:
    """Ray tasks (see the module docstring)."""

    name = "ray"

    def __init__(self, workers: int | None = None, address: str | None = None):
        if workers is not None and workers < 1:
            raise SalesSimError(f"--workers must be at least 1, got {workers}", where="--workers")
        if address is not None and not (address == "auto" or address.startswith("ray://")):
            raise SalesSimError(f"bad Ray address {address!r}", where="--ray-address",
                                hint="Use auto (the cluster running on this machine) or ray://host:port.")
        if not ray_installed():  # a missing extra fails before anything is written
            import_ray()
        self.requested_workers = workers
        self.workers = workers or os.cpu_count() or 1
        self.address = address
        self._ray: Any = None
        self._limits: RayLimits | None = None
        self._actor: Any = None
        self._refs: dict[Future, Any] = {}
        self._remote: dict[Callable, Any] = {}
        self._started_here = False

    def start(self, limits: dict[tuple[str, str], int]) -> None:
        ray = import_ray(loopback=self.address is None)
        quiet = {"include_dashboard": False, "logging_level": logging.ERROR, "log_to_driver": False}
        env = {k: v for k, v in os.environ.items() if k.startswith("SALESSIM_") or k in RAY_ENV}
        sigterm = signal.getsignal(signal.SIGTERM)  # ray.init installs its own; the sweep's is kept
        try:
            if self.address is None:
                # its workers inherit this process's environment (cache dir, key variables)
                ray.init(address="local", num_cpus=self.workers, _node_ip_address="127.0.0.1", **quiet)
                self._started_here = True
                node_ip = ray.util.get_node_ip_address()
                if not _is_loopback(node_ip):  # ray was imported earlier in this process, without LOOPBACK_ENV
                    print(f"warning: the local Ray listens on {node_ip}, not only on the loopback address "
                          "(import salessim's Ray backend before ray, or set RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0)",
                          file=sys.stderr)
            else:
                ray.init(address=self.address, runtime_env={"env_vars": env}, **quiet)
                if self.requested_workers is None:
                    self.workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        except ConnectionError as exc:
            raise SalesSimError(f"cannot connect to Ray at {self.address} ({' '.join(str(exc).split())[:200]})",
                                where="--ray-address",
                                hint="Start the cluster (ray start --head), or leave --ray-address out to "
                                     "start a local Ray for this sweep.") from None
        finally:
            with contextlib.suppress(ValueError, TypeError):  # not the main thread: nothing was changed
                signal.signal(signal.SIGTERM, sigterm)
        self._ray = ray
        if limits:
            actor_cls = ray.remote(num_cpus=0, max_concurrency=100_000)(EndpointLimiter)
            self._actor = actor_cls.remote({_key_text(k): n for k, n in limits.items()})
            self._limits = RayLimits(self._actor, list(limits), uuid.uuid4().hex)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        if self._ray is None:
            raise RuntimeError("the ray backend is not started")
        remote = self._remote.get(fn)
        if remote is None:
            remote = self._remote[fn] = self._ray.remote(num_cpus=1)(fn)
        ref = remote.remote(*args, limits=self._limits)
        future = ref.future()
        self._refs[future] = ref
        future.add_done_callback(lambda f: self._refs.pop(f, None))
        return future

    def limiter_stats(self) -> dict[tuple[str, str], int]:
        """The most requests in flight at once per endpoint, as the limiter actor saw them."""
        if self._actor is None:
            return {}
        stats = self._ray.get(self._actor.stats.remote())
        return {tuple(json.loads(k)): v for k, v in stats.items()}

    def shutdown(self, *, cancel: bool = False) -> None:
        ray, self._ray = self._ray, None
        if ray is None:
            return
        if cancel:
            for ref in list(self._refs.values()):
                try:
                    ray.cancel(ref, force=True)
                except Exception:  # noqa: BLE001 - already finished, or its worker is gone
                    pass
        self._refs.clear()
        self._remote.clear()
        self._actor = None
        ray.shutdown()

    def node_ip(self) -> str | None:
        """The address this machine's Ray node uses (127.0.0.1 for the local Ray a sweep starts)."""
        return self._ray.util.get_node_ip_address() if self._ray is not None else None

    def describe(self) -> dict:
        out: dict[str, Any] = {"name": self.name, "workers": self.workers}
        out["ray_address"] = self.address or "local (started for this sweep)"
        return out
