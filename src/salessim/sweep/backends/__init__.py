"""Where a sweep's units of work run: one interface, two backends.

A backend is started with the endpoint limits of the sweep (``{(base_url, model): concurrency}``),
runs units of work (:mod:`salessim.sweep.work`) on its workers and hands back a
``concurrent.futures.Future`` per unit; the sweep (:mod:`salessim.sweep.coordinator`) waits on them.
The distribution itself is the backend's library's: ``concurrent.futures.ProcessPoolExecutor``
(``local``) or Ray tasks (``ray``).

- ``local`` (:mod:`.local`): a process pool of N workers on this machine; endpoint limits are
  ``multiprocessing`` semaphores shared by the workers.
- ``ray`` (:mod:`.ray_backend`, the ``salessim[ray]`` extra): Ray tasks on a local Ray started for the
  sweep, or on a running cluster (``--ray-address auto`` or ``ray://host:port``); endpoint limits are
  held by one Ray actor.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any, Callable, Protocol

from salessim.errors import SalesSimError
from salessim.sweep.backends.local import LocalBackend
from salessim.sweep.backends.ray_backend import RayBackend

__all__ = ["BACKENDS", "Backend", "make_backend"]

BACKENDS = ("local", "ray")


class Backend(Protocol):
    """Runs a sweep's units of work on its workers."""

    name: str
    workers: int

    def start(self, limits: dict[tuple[str, str], int]) -> None:
        """Start the workers; ``limits`` caps the requests in flight per endpoint over all of them."""
        ...

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Run ``fn(*args, limits=<the backend's limits handle>)`` on a worker."""
        ...

    def shutdown(self, *, cancel: bool = False) -> None:
        """Stop the workers; with ``cancel`` at once (units still running are abandoned: their
        shard files keep what they finished)."""
        ...

    def describe(self) -> dict:
        """What the manifest records about the backend (never a secret)."""
        ...


def make_backend(name: str, *, workers: int | None = None, ray_address: str | None = None) -> Backend:
    """The backend called ``name``; a bad name or option is a one-line error."""
    if name == "local":
        if ray_address is not None:
            raise SalesSimError("--ray-address needs --backend ray", where="--ray-address")

        return LocalBackend(workers)
    if name == "ray":

        return RayBackend(workers, ray_address)
    raise SalesSimError(f"unknown backend {name!r}", where="--backend", hint=f"Use one of: {', '.join(BACKENDS)}.")
