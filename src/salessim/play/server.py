"""Serving the play app with uvicorn on a socket bound before anything is printed, so the URL
printed is the one that answers (``--port 0`` picks a free port)."""

from __future__ import annotations

import errno
import ipaddress
import socket

from salessim.errors import SalesSimError

__all__ = ["bind_socket", "is_loopback", "serve", "url_for"]


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``; a one-line error when it cannot be had."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise SalesSimError(f"port {port} on {host} is in use", where="--port",
                                hint="Pass another --port, or --port 0 for a free one.") from None
        raise SalesSimError(f"cannot listen on {host}:{port} ({exc.strerror})", where="--host",
                            hint="Use --host 127.0.0.1 (the default).") from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def url_for(host: str, port: int, token: str) -> str:
    """The URL to open: ``http://HOST:PORT/?token=TOKEN``."""
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/?token={token}"


async def serve(app, sock: socket.socket) -> None:
    """Serve ``app`` on ``sock`` until Ctrl-C or SIGTERM (uvicorn shuts down gracefully). No
    access log: URLs (with the token) are never logged."""
    import uvicorn  # lazy: the [play] extra

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", limit_concurrency=64,
                            timeout_keep_alive=5, h11_max_incomplete_event_size=16 * 1024, server_header=False,
                            proxy_headers=False)
    await uvicorn.Server(config).serve(sockets=[sock])
