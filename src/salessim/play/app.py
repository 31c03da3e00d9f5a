"""The web app of ``salessim play`` (Starlette; the ``salessim[play]`` extra).

Routes: ``GET /`` the page (plain HTML, CSS and JavaScript from ``play/static/``, no build step),
``GET /static/{play.js,play.css}``, ``GET /api/state``, ``POST /api/action``, ``POST /api/next``
and ``GET /api/image/{product_id}`` (the picture of a product the person has viewed, shopper role).

Safety:

- **Token.** Every request needs the random access token printed with the URL (like Jupyter):
  ``?token=`` on the first page load, which sets an HttpOnly, SameSite=Strict cookie for the
  images and the state; a ``POST`` also needs it in the ``X-SalesSim-Token`` header (a page of
  another site cannot set that header, so it cannot act for the person). Anything else: 403.
- **Host.** Bound to a loopback address (the default), only requests naming that host are served
  (a DNS-rebinding page gets 403).
- **Limits.** Request bodies over :data:`MAX_BODY` bytes get 413 (a POST must declare its length); a message over
  :data:`salessim.play.session.MAX_TEXT` characters is refused.
- **Text.** The page inserts every text with ``textContent``; a Content-Security-Policy allows
  only this app's own script and style (no inline script), no framing, no other origin.
- **No secret.** The page gets only :meth:`salessim.play.session.PlaySession.state`: no model
  name, endpoint, key variable or error text. Errors of the machine side show as their kind.
"""

from __future__ import annotations

import html
import json
import secrets
import sys
from importlib import resources
from string import Template
from typing import Any
from urllib.parse import parse_qs

from salessim import __version__
from salessim.play.human import NotYourTurn
from salessim.play.server import is_loopback
from salessim.play.session import PlayError, PlaySession

__all__ = ["COOKIE", "HEADER", "MAX_BODY", "build_app", "new_token"]

COOKIE = "salessim_play"
HEADER = "x-salessim-token"
MAX_BODY = 16 * 1024
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
STATIC = {"play.js": "text/javascript; charset=utf-8", "play.css": "text/css; charset=utf-8"}


def new_token() -> str:
    """A fresh random access token (URL-safe, 192 bits)."""
    return secrets.token_urlsafe(24)


def _static(name: str) -> str:
    return resources.files("salessim.play").joinpath("static", name).read_text(encoding="utf-8")


class _Guard:
    """ASGI middleware: host check, token check, body size limit and security headers."""

    def __init__(self, app, token: str, allowed_hosts: set[str] | None):
        self.app = app
        self.token = token
        self.allowed_hosts = allowed_hosts

    def _ok_token(self, value: str | None) -> bool:
        return bool(value) and secrets.compare_digest(value.encode(), self.token.encode())

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}

        async def send_secure(message):
            if message["type"] == "http.response.start":
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        from starlette.requests import Request  # lazy: the [play] extra
        from starlette.responses import PlainTextResponse  # lazy: the [play] extra

        async def refuse(status: int, text: str):
            await PlainTextResponse(text, status_code=status)(scope, receive, send_secure)

        if self.allowed_hosts is not None and headers.get("host", "").lower() not in self.allowed_hosts:
            return await refuse(403, "403: unknown host")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        cookie = Request(scope).cookies.get(COOKIE)
        given_query = (query.get("token") or [None])[0]
        method = scope.get("method", "GET")
        if method == "POST":
            allowed = self._ok_token(headers.get(HEADER))
        else:
            allowed = self._ok_token(given_query) or self._ok_token(cookie) or self._ok_token(headers.get(HEADER))
        if not allowed:
            return await refuse(403, "403: this page needs the access token printed by `salessim play` "
                                     "(open the URL it printed, with ?token=...)")
        length = headers.get("content-length")
        if method == "POST" and length is None:
            return await refuse(411, "411: a request body needs a Content-Length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return await refuse(413, f"413: request body over {MAX_BODY} bytes")
        # the server reads no more than Content-Length bytes of a body, so the limit holds
        await self.app(scope, receive, send_secure)


def build_app(session: PlaySession, token: str, *, allowed_hosts: set[str] | None = None,
              log=None) -> Any:
    """The ASGI app serving ``session`` behind the token (see the module docstring).
    ``allowed_hosts``: the ``Host`` header values served (None: any)."""
    from starlette.applications import Starlette  # lazy: the [play] extra
    from starlette.requests import Request  # lazy: the [play] extra
    from starlette.responses import (  # lazy: the [play] extra
        JSONResponse,
        PlainTextResponse,
        Response,
    )
    from starlette.routing import Route  # lazy: the [play] extra

    log = log or (lambda text: print(text, file=sys.stderr))

    async def page(request: Request) -> Response:
        body = Template(_static("index.html")).substitute(
            token=html.escape(token, quote=True), role=html.escape(session.role, quote=True),
            version=html.escape(__version__, quote=True))
        response = Response(body, media_type="text/html; charset=utf-8")
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")
        return response

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return PlainTextResponse("404: not found", status_code=404)
        return Response(_static(name), media_type=STATIC[name])

    async def state(request: Request) -> Response:
        return JSONResponse(session.state())

    async def _json_body(request: Request) -> Any:
        raw = await request.body()
        try:
            return json.loads(raw.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise PlayError("the request body is not JSON") from None

    async def action(request: Request) -> Response:
        try:
            payload = await _json_body(request)
            return JSONResponse(await session.act(payload))
        except NotYourTurn as exc:
            return JSONResponse({"error": str(exc), "state": session.state()}, status_code=409)
        except PlayError as exc:
            return JSONResponse({"error": str(exc), "state": session.state()}, status_code=400)

    async def next_conversation(request: Request) -> Response:
        try:
            await _json_body(request)
            await session.start_next()
        except PlayError as exc:
            return JSONResponse({"error": str(exc), "state": session.state()}, status_code=400)
        return JSONResponse(session.state())

    async def image(request: Request) -> Response:
        pid = request.path_params["product_id"]
        if pid not in session.viewed_ids():
            return PlainTextResponse("404: view the product first", status_code=404)
        return Response(session.store.image_png(pid), media_type="image/png")

    async def on_error(request: Request, exc: Exception) -> Response:
        log(f"salessim play: internal error on {request.url.path}: {type(exc).__name__}")
        return JSONResponse({"error": "internal error (see the terminal running salessim play)"}, status_code=500)

    async def favicon(request: Request) -> Response:
        return Response(status_code=204)

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        Route("/static/{name}", static, methods=["GET"]),
        Route("/api/state", state, methods=["GET"]),
        Route("/api/action", action, methods=["POST"]),
        Route("/api/next", next_conversation, methods=["POST"]),
        Route("/api/image/{product_id}", image, methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={Exception: on_error})
    return _Guard(app, token, allowed_hosts)


def loopback_hosts(host: str, port: int) -> set[str] | None:
    """The ``Host`` values to accept when serving on ``host:port``: the loopback names with the
    port when ``host`` is a loopback address, else None (any host; the token still guards)."""

    if not is_loopback(host):
        return None
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    return {f"{h}:{port}" for h in ("127.0.0.1", "localhost", "[::1]", shown)}
