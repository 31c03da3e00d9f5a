"""``salessim play``: a person takes a role (the shopper or the sales agent) in a small local web
app, and every finished conversation is saved as an ordinary SalesSim episode.

- :mod:`salessim.play.human` — the human participants: they implement the participant contract
  of :mod:`salessim.api.participants`, and their ``act`` waits for the person's next action.
- :mod:`salessim.play.session` — one play session over a run directory: the plan of personas,
  the conversation in progress (driven by the ordinary orchestrator), what the page may see.
- :mod:`salessim.play.card` — the persona card and product views shown to the person.
- :mod:`salessim.play.app` — the web app (Starlette): token, request limits, security headers.
- :mod:`salessim.play.server` — serving it with uvicorn on 127.0.0.1.

The web stack is the optional extra ``salessim[play]`` (Starlette + uvicorn); everything but
:mod:`~salessim.play.app` and :mod:`~salessim.play.server` works without it.
"""

from __future__ import annotations

from salessim.errors import SalesSimError

INSTALL_HINT = "pip install 'salessim[play]'"


def require_web_stack() -> None:
    """Fail with one line naming the install command when Starlette or uvicorn is missing."""
    try:
        import starlette  # noqa: F401  # lazy: the [play] extra
        import uvicorn  # noqa: F401  # lazy: the [play] extra
    except ImportError as exc:
        raise SalesSimError(f"salessim play needs the web extra ({exc.name} is not installed)",
                            hint=f"Install it: {INSTALL_HINT}") from None
