"""A local, scriptable OpenAI-compatible server for tests, benchmarks and manual runs.

It answers ``POST /v1/chat/completions`` (non-streaming) and ``GET /v1/models`` on 127.0.0.1
(port 0 picks a free port). What it answers is up to the test:

- a **responder** ``request_json -> Reply | str | dict`` decides the assistant message (a ``str``
  is plain text; a ``dict`` is sent as the whole response body, as is). The default echoes the
  last user message. Responders run on the server's threads: keep them thread-safe.
- **faults** are injected per request, from (first match wins) the ``X-Salessim-Fault`` request
  header, a FIFO queue filled with :meth:`ChatTestServer.inject`, or a ``fault_fn(index,
  request_json)`` callable (``index`` counts chat requests from 0). Each is a :class:`Fault` (or a list of them): HTTP errors with
  ``Retry-After``, delays, hangs, malformed tool-call JSON, empty content, truncation, unknown
  tool names, reasoning fields and ``<think>`` blocks.
- ``latency_s`` delays every response (benchmarks).

Every request is recorded (:attr:`ChatTestServer.requests`) with its headers and JSON body, and
the largest number of requests in flight at once is kept in :attr:`ChatTestServer.max_in_flight`.

Replies and the completion body are in :mod:`salessim.testing.replies`, faults in
:mod:`salessim.testing.faults`; their public names are re-exported here.

Command line (for manual runs; stop with Ctrl-C)::

    python -m salessim.testing.server --port 8011 --latency-ms 200 --echo
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable, Iterator

from salessim.testing.faults import (
    FAULT_HEADER,
    FAULT_KINDS,
    Fault,
    FaultFn,
    apply_fault,
)
from salessim.testing.replies import (
    Reply,
    Responder,
    completion_body,
    echo_responder,
    error_body,
    text_reply,
    tool_reply,
)

__all__ = [
    "FAULT_HEADER", "FAULT_KINDS", "ChatTestServer", "Fault", "FaultFn", "RecordedRequest", "Reply", "Responder",
    "echo_responder", "main", "serve_until_interrupted", "server_subprocess", "text_reply", "tool_reply",
]


@dataclass
class RecordedRequest:
    """One request as the server received it (header names lower-cased)."""

    index: int
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    received_at: float
    faults: list[str] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer holding a reference to its :class:`ChatTestServer`."""

    daemon_threads = True
    request_queue_size = 256
    app: "ChatTestServer"


class _Handler(BaseHTTPRequestHandler):
    """Routes requests to the owning :class:`ChatTestServer`."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Log each request only when the server is verbose."""
        if self.server.app.verbose:
            super().log_message(format, *args)

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None,
                   *, cut: bool = False) -> None:
        data = json.dumps(payload).encode("utf-8")
        if cut:  # the bad_json fault: half the body, with a Content-Length that matches it
            data = data[: len(data) // 2]
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        """``GET /v1/models``."""
        app = self.server.app
        app._record(self, None)
        if app.api_key is not None and self.headers.get("Authorization") != f"Bearer {app.api_key}":
            self._send_json(401, error_body("invalid API key", "invalid_request_error", "invalid_api_key"))
            return
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            self._send_json(200, {"object": "list", "data": [
                {"id": app.model, "object": "model", "created": 0, "owned_by": "salessim-test"}]})
        else:
            self._send_json(404, error_body(f"no route GET {self.path}", "not_found"))

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        """``POST /v1/chat/completions``."""
        app = self.server.app
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"null")
        except json.JSONDecodeError:
            body = None
        if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            app._record(self, body)
            self._send_json(404, error_body(f"no route POST {self.path}", "not_found"))
            return
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            app._record(self, body)
            self._send_json(400, error_body("body must be a JSON object with 'messages'",
                                            "invalid_request_error"))
            return
        app._handle_chat(self, body)




class ChatTestServer:
    """A scriptable OpenAI-compatible server on 127.0.0.1, run on a background thread.

    ``with ChatTestServer(responder) as server:`` starts it; ``server.base_url`` is the
    ``.../v1`` URL for clients. If ``api_key`` is given, requests without
    ``Authorization: Bearer <api_key>`` get 401.
    """

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        model: str = "salessim-test",
        latency_s: float = 0.0,
        fault_fn: FaultFn | None = None,
        api_key: str | None = None,
        hang_max_s: float = 120.0,
        verbose: bool = False,
    ):
        self.responder: Responder = responder or echo_responder
        self.host = host
        self.model = model
        self.latency_s = latency_s
        self.fault_fn = fault_fn
        self.api_key = api_key
        self.hang_max_s = hang_max_s
        self.verbose = verbose
        self._requested_port = port
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._faults: deque[Fault | list[Fault]] = deque()
        self._requests: list[RecordedRequest] = []
        self._chat_count = 0
        self._in_flight = 0
        self.max_in_flight = 0
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> "ChatTestServer":
        """Bind and serve on a daemon thread; returns self."""
        if self._httpd is not None:
            return self
        self._stop.clear()
        self._httpd = _Server((self.host, self._requested_port), _Handler)
        self._httpd.app = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="salessim-testserver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hanging requests, stop serving and close the socket."""
        self._stop.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "ChatTestServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port actually bound (useful with ``port=0``)."""
        if self._httpd is None:
            raise RuntimeError("the test server is not running; call start() first")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """The OpenAI ``base_url`` of this server, e.g. ``http://127.0.0.1:40123/v1``."""
        return f"http://{self.host}:{self.port}/v1"

    # -- scripting and inspection -------------------------------------------------------------
    def inject(self, *faults: Fault | list[Fault] | None) -> None:
        """Queue faults for the next chat requests, one entry per request (``None`` = no fault)."""
        with self._lock:
            for fault in faults:
                self._faults.append(fault if fault is not None else [])

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far (a copy), in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """The ``POST .../chat/completions`` requests received so far."""
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/chat/completions")]

    @property
    def in_flight(self) -> int:
        """Chat requests being handled right now."""
        with self._lock:
            return self._in_flight

    def reset(self) -> None:
        """Forget recorded requests, queued faults and the in-flight maximum."""
        with self._lock:
            self._requests.clear()
            self._faults.clear()
            self._chat_count = 0
            self.max_in_flight = 0

    # -- request handling (server threads) ----------------------------------------------------
    def _record(self, handler: _Handler, body: Any) -> RecordedRequest:
        with self._lock:
            record = RecordedRequest(
                index=len(self._requests), method=handler.command, path=handler.path,
                headers={k.lower(): v for k, v in handler.headers.items()}, body=body,
                received_at=time.monotonic(),
            )
            self._requests.append(record)
            return record

    def _faults_for(self, handler: _Handler, index: int, body: dict[str, Any]) -> list[Fault]:
        header = handler.headers.get(FAULT_HEADER)
        if header:
            return [Fault.from_header(part) for part in header.split(",") if part.strip()]
        with self._lock:
            queued = self._faults.popleft() if self._faults else None
        if queued is not None:
            return list(queued) if isinstance(queued, (list, tuple)) else [queued]
        if self.fault_fn is not None:
            chosen = self.fault_fn(index, body)
            if chosen is None:
                return []
            return list(chosen) if isinstance(chosen, (list, tuple)) else [chosen]
        return []

    def _wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` unless the server stops first; True when it stopped."""
        return self._stop.wait(seconds) if seconds > 0 else self._stop.is_set()

    def _handle_chat(self, handler: _Handler, body: dict[str, Any]) -> None:
        record = self._record(handler, body)
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            chat_index = self._chat_count
            self._chat_count += 1
        try:
            if self.api_key is not None and handler.headers.get("Authorization") != f"Bearer {self.api_key}":
                handler._send_json(401, error_body("invalid API key", "invalid_request_error",
                                                   "invalid_api_key"))
                return
            try:
                faults = self._faults_for(handler, chat_index, body)
            except (ValueError, TypeError) as exc:
                handler._send_json(400, error_body(f"bad {FAULT_HEADER} header: {exc}",
                                                   "invalid_request_error"))
                return
            record.faults = [f.kind if f.kind != "http_error" else f"http_{f.status}" for f in faults]
            if self._wait(self.latency_s):
                return
            for fault in faults:
                if fault.kind == "delay" and self._wait(fault.delay_s):
                    return
                if fault.kind == "hang":
                    self._wait(self.hang_max_s)
                    handler.close_connection = True
                    return
                if fault.kind == "http_error":
                    headers = {}
                    if fault.retry_after is not None:
                        headers["Retry-After"] = f"{fault.retry_after:g}"
                    kind = "rate_limit_error" if fault.status == 429 else (
                        "server_error" if fault.status >= 500 else "invalid_request_error")
                    handler._send_json(fault.status, error_body(fault.message, kind), headers)
                    return
            try:
                produced = self.responder(body)
            except Exception as exc:  # a broken responder is a 500, visible to the test
                handler._send_json(500, error_body(f"responder raised {exc!r}", "server_error"))
                return
            if isinstance(produced, dict):
                handler._send_json(200, produced)
                return
            reply = Reply(text=produced) if isinstance(produced, str) else produced
            for fault in faults:
                reply = apply_fault(reply, fault)
            handler._send_json(200, completion_body(record.index, body, reply, self.model),
                               cut=any(f.kind == "bad_json" for f in faults))
        finally:
            with self._lock:
                self._in_flight -= 1


def serve_until_interrupted(server: "ChatTestServer", banner: Callable[["ChatTestServer"], str]) -> None:
    """Start ``server``, print ``banner(server)`` (the URL in it is what :func:`server_subprocess`
    reads), and serve until Ctrl-C / SIGINT (or SIGTERM)."""
    # a process started in the background by a non-interactive shell inherits SIGINT *ignored*;
    # restore the handler so that SIGINT (what server_subprocess sends) always stops the server
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    server.start()
    print(banner(server), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


@contextlib.contextmanager
def server_subprocess(module: str, *args: str) -> Iterator[str]:
    """Run ``python -m MODULE --port 0 ARGS`` (a test server's command line) in a child process,
    so its threads do not compete with the caller for the GIL, and yield its base URL."""
    proc = subprocess.Popen([sys.executable, "-m", module, "--port", "0", *args], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        urls = [word for word in line.split() if word.startswith("http://")]
        if not urls:
            raise RuntimeError(f"the test server did not start (said {line!r})")
        yield urls[0].rstrip(",;")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def main(argv: Iterable[str] | None = None) -> None:
    """Run the test server in the foreground until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m salessim.testing.server",
        description="A local OpenAI-compatible test server (echo responder, injectable faults). "
                    f"Send a '{FAULT_HEADER}: kind;key=value' header to inject a fault into one "
                    f"request; kinds: {', '.join(FAULT_KINDS)}, rate_limit, server_error.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8011, help="0 picks a free port")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay every response")
    parser.add_argument("--model", default="salessim-test", help="model id listed by /v1/models")
    parser.add_argument("--echo", action="store_true",
                        help="echo the last user message (the default responder)")
    parser.add_argument("--fault-every", type=int, default=0, metavar="N",
                        help="inject --fault into every N-th chat request")
    parser.add_argument("--fault", default="server_error",
                        help="fault for --fault-every, in header syntax (e.g. 'rate_limit;retry_after=2')")
    parser.add_argument("--api-key", default=None, help="require this bearer key (testing auth)")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    args = parser.parse_args(list(argv) if argv is not None else None)

    fault_fn: FaultFn | None = None
    if args.fault_every > 0:
        template = Fault.from_header(args.fault)
        every = args.fault_every

        def fault_fn(index: int, _body: dict[str, Any]) -> Fault | None:
            return template if (index + 1) % every == 0 else None

    server = ChatTestServer(host=args.host, port=args.port, model=args.model,
                            latency_s=args.latency_ms / 1000.0, fault_fn=fault_fn,
                            api_key=args.api_key, verbose=not args.quiet)
    serve_until_interrupted(server, lambda srv: f"SalesSim test server: {srv.base_url} (model {args.model}, "
                                                f"latency {args.latency_ms:g} ms); Ctrl-C to stop")


if __name__ == "__main__":
    main()
