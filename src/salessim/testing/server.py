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

FAULT_HEADER = "X-Salessim-Fault"

FAULT_KINDS = (
    "http_error",        # any status, optional Retry-After (rate_limit / server_error are shortcuts)
    "delay",             # wait delay_s, then answer normally
    "hang",              # never answer (until the client gives up or the server stops)
    "malformed_tool_json",
    "empty",             # content "" (or null with null=True), no tool calls
    "truncated",         # finish_reason "length", text cut in half
    "unknown_tool",      # a tool call to a name the caller did not offer
    "reasoning",         # add a reasoning_content (or reasoning) field
    "think",             # prepend a <think>...</think> block to the content
    "bad_json",          # HTTP 200 whose body is cut in half (not valid JSON)
)


@dataclass
class Reply:
    """The assistant message a responder wants sent back.

    ``tool_calls`` entries are ``{"name": str, "arguments": dict | str, "id": str (optional)}``;
    a string ``arguments`` is sent verbatim (so it may be broken JSON). ``finish_reason``
    defaults to ``"tool_calls"`` when there are tool calls, else ``"stop"``. ``usage`` defaults
    to a rough count (4 characters per token).
    """

    text: str | None = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    reasoning: str | None = None
    reasoning_field: str = "reasoning_content"
    finish_reason: str | None = None
    usage: dict[str, int] | None = None
    model: str | None = None


def text_reply(text: str) -> Reply:
    """A plain text reply."""
    return Reply(text=text)


def tool_reply(name: str, arguments: dict[str, Any] | str | None = None, *, text: str | None = None,
               call_id: str | None = None) -> Reply:
    """A reply that calls one tool (e.g. the shopper's ``say``/``buy``)."""
    call: dict[str, Any] = {"name": name, "arguments": {} if arguments is None else arguments}
    if call_id:
        call["id"] = call_id
    return Reply(text=text, tool_calls=[call])


@dataclass
class Fault:
    """One injected misbehaviour; build it with the class methods (e.g. ``Fault.rate_limit(1)``)."""

    kind: str
    status: int = 500
    retry_after: float | None = None
    delay_s: float = 0.0
    text: str = ""
    tool_name: str = "say"
    null: bool = False
    message: str = "injected fault"
    field_name: str = "reasoning_content"

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(FAULT_KINDS)}")

    @classmethod
    def http_error(cls, status: int, retry_after: float | None = None,
                   message: str = "injected fault") -> "Fault":
        """Answer with HTTP ``status`` and an OpenAI-style error body."""
        return cls("http_error", status=status, retry_after=retry_after, message=message)

    @classmethod
    def rate_limit(cls, retry_after: float | None = 1.0) -> "Fault":
        """HTTP 429, with ``Retry-After: <seconds>`` unless ``retry_after`` is None."""
        return cls.http_error(429, retry_after, "rate limit reached (injected)")

    @classmethod
    def server_error(cls, status: int = 500, retry_after: float | None = None) -> "Fault":
        """HTTP 5xx (500 by default, 503 for "overloaded")."""
        return cls.http_error(status, retry_after, "server error (injected)")

    @classmethod
    def delay(cls, seconds: float) -> "Fault":
        """Answer normally, but only after ``seconds``."""
        return cls("delay", delay_s=seconds)

    @classmethod
    def hang(cls) -> "Fault":
        """Never answer; the client has to time out."""
        return cls("hang")

    @classmethod
    def malformed_tool_json(cls, tool_name: str = "say") -> "Fault":
        """A tool call whose ``arguments`` string is not valid JSON."""
        return cls("malformed_tool_json", tool_name=tool_name)

    @classmethod
    def empty(cls, null: bool = False) -> "Fault":
        """Empty content (``""``, or ``null`` with ``null=True``) and no tool calls."""
        return cls("empty", null=null)

    @classmethod
    def truncated(cls) -> "Fault":
        """``finish_reason="length"`` with the text cut in half."""
        return cls("truncated")

    @classmethod
    def bad_json(cls) -> "Fault":
        """HTTP 200 with the completion's JSON body cut in half (a proxy or worker that died
        mid-answer); the HTTP framing stays valid, only the body is not JSON."""
        return cls("bad_json")

    @classmethod
    def unknown_tool(cls, tool_name: str = "teleport") -> "Fault":
        """A tool call to ``tool_name``, which the caller did not offer."""
        return cls("unknown_tool", tool_name=tool_name)

    @classmethod
    def reasoning(cls, text: str = "Let me think about the budget.",
                  field_name: str = "reasoning_content") -> "Fault":
        """Add a reasoning field (``reasoning_content`` or ``reasoning``) to the message."""
        return cls("reasoning", text=text, field_name=field_name)

    @classmethod
    def think(cls, text: str = "The shopper wants a light laptop.") -> "Fault":
        """Prepend ``<think>text</think>`` to the content."""
        return cls("think", text=text)

    @classmethod
    def from_header(cls, value: str) -> "Fault":
        """Parse ``kind;key=value;...`` (e.g. ``http_error;status=503;retry_after=0.5``)."""
        kind, *pairs = [p.strip() for p in value.split(";") if p.strip()]
        shortcuts = {"rate_limit": ("http_error", {"status": 429, "retry_after": 1.0}),
                     "server_error": ("http_error", {"status": 500})}
        kwargs: dict[str, Any] = {}
        if kind in shortcuts:
            kind, kwargs = shortcuts[kind][0], dict(shortcuts[kind][1])
        for pair in pairs:
            key, _, raw = pair.partition("=")
            key = key.strip()
            if key in ("status",):
                kwargs[key] = int(raw)
            elif key in ("retry_after", "delay_s"):
                kwargs[key] = float(raw)
            elif key == "null":
                kwargs[key] = raw.strip().lower() in ("1", "true", "yes")
            elif key in ("text", "tool_name", "message", "field_name"):
                kwargs[key] = raw
        return cls(kind, **kwargs)


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


Responder = Callable[[dict[str, Any]], "Reply | str | dict[str, Any]"]
FaultFn = Callable[[int, dict[str, Any]], "Fault | list[Fault] | None"]


def _text_of(content: Any) -> str:
    """The text of a message content (string or list of parts; images shown as ``[image]``)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text":
                out.append(str(part.get("text", "")))
            elif isinstance(part, dict) and part.get("type") == "image_url":
                out.append("[image]")
        return " ".join(out)
    return ""


def echo_responder(request: dict[str, Any]) -> Reply:
    """The default responder: ``"echo: <last user message>"``."""
    for message in reversed(request.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            return Reply(text=f"echo: {_text_of(message.get('content'))}")
    return Reply(text="echo: (no user message)")


def _estimate_tokens(text: str) -> int:
    """A rough token count, 4 characters per token."""
    return (len(text) + 3) // 4


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
            self._send_json(401, _error_body("invalid API key", "invalid_request_error", "invalid_api_key"))
            return
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            self._send_json(200, {"object": "list", "data": [
                {"id": app.model, "object": "model", "created": 0, "owned_by": "salessim-test"}]})
        else:
            self._send_json(404, _error_body(f"no route GET {self.path}", "not_found"))

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
            self._send_json(404, _error_body(f"no route POST {self.path}", "not_found"))
            return
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            app._record(self, body)
            self._send_json(400, _error_body("body must be a JSON object with 'messages'",
                                             "invalid_request_error"))
            return
        app._handle_chat(self, body)


def _error_body(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    """An OpenAI-style error body."""
    return {"error": {"message": message, "type": kind, "code": code, "param": None}}


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
                handler._send_json(401, _error_body("invalid API key", "invalid_request_error",
                                                    "invalid_api_key"))
                return
            try:
                faults = self._faults_for(handler, chat_index, body)
            except (ValueError, TypeError) as exc:
                handler._send_json(400, _error_body(f"bad {FAULT_HEADER} header: {exc}",
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
                    handler._send_json(fault.status, _error_body(fault.message, kind), headers)
                    return
            try:
                produced = self.responder(body)
            except Exception as exc:  # a broken responder is a 500, visible to the test
                handler._send_json(500, _error_body(f"responder raised {exc!r}", "server_error"))
                return
            if isinstance(produced, dict):
                handler._send_json(200, produced)
                return
            reply = Reply(text=produced) if isinstance(produced, str) else produced
            for fault in faults:
                reply = _apply_fault(reply, fault)
            handler._send_json(200, self._completion_body(record.index, body, reply),
                               cut=any(f.kind == "bad_json" for f in faults))
        finally:
            with self._lock:
                self._in_flight -= 1

    def _completion_body(self, index: int, request: dict[str, Any], reply: Reply) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.text}
        tool_calls = []
        for n, call in enumerate(reply.tool_calls):
            args = call.get("arguments", {})
            tool_calls.append({
                "id": call.get("id") or f"call_{index}_{n}",
                "type": "function",
                "function": {"name": call.get("name", ""),
                             "arguments": args if isinstance(args, str) else json.dumps(args)},
            })
        if tool_calls:
            message["tool_calls"] = tool_calls
        if reply.reasoning is not None:
            message[reply.reasoning_field] = reply.reasoning
        finish = reply.finish_reason or ("tool_calls" if tool_calls else "stop")
        completion_text = (reply.text or "") + "".join(
            c["function"]["arguments"] + c["function"]["name"] for c in tool_calls)
        usage = dict(reply.usage) if reply.usage else {
            "prompt_tokens": _estimate_tokens(json.dumps(request.get("messages"))),
            "completion_tokens": _estimate_tokens(completion_text),
        }
        usage.setdefault("total_tokens", usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0))
        return {
            "id": f"chatcmpl-test-{index}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": reply.model or str(request.get("model") or self.model),
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": usage,
        }


def _apply_fault(reply: Reply, fault: Fault) -> Reply:
    """The reply changed by a content fault (faults that replace the answer are handled earlier)."""
    if fault.kind == "malformed_tool_json":
        return Reply(text=None, tool_calls=[{"name": fault.tool_name,
                                             "arguments": '{"text": "I want a laptop'}],
                     reasoning=reply.reasoning, reasoning_field=reply.reasoning_field)
    if fault.kind == "empty":
        return Reply(text=None if fault.null else "", reasoning=reply.reasoning,
                     reasoning_field=reply.reasoning_field)
    if fault.kind == "truncated":
        text = reply.text or ""
        return Reply(text=text[: max(1, len(text) // 2)], finish_reason="length",
                     reasoning=reply.reasoning, reasoning_field=reply.reasoning_field)
    if fault.kind == "unknown_tool":
        return Reply(text=None, tool_calls=[{"name": fault.tool_name, "arguments": {"where": "moon"}}],
                     reasoning=reply.reasoning, reasoning_field=reply.reasoning_field)
    if fault.kind == "reasoning":
        return Reply(text=reply.text, tool_calls=reply.tool_calls, reasoning=fault.text,
                     reasoning_field=fault.field_name,
                     finish_reason=reply.finish_reason, usage=reply.usage, model=reply.model)
    if fault.kind == "think":
        return Reply(text=f"<think>{fault.text}</think>{reply.text or ''}", tool_calls=reply.tool_calls,
                     reasoning=reply.reasoning, reasoning_field=reply.reasoning_field,
                     finish_reason=reply.finish_reason, usage=reply.usage, model=reply.model)
    return reply


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
