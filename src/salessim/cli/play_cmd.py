"""``salessim play``: a person plays the shopper or the sales agent in a local web app; every
finished conversation is saved as an episode of the run directory --out."""

from __future__ import annotations

import asyncio
import datetime as _dt
import signal
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from salessim.api.rundir import EPISODES, RUN_JSON, RunDir
from salessim.cli.run_cmd import _parse_flaws
from salessim.errors import SalesSimError
from salessim.play import require_web_stack
from salessim.play.app import build_app, loopback_hosts, new_token
from salessim.play.server import bind_socket, is_loopback, serve, url_for
from salessim.play.session import PlaySession
from salessim.schema.run import AgentConfig, RunConfig, ShopperConfig
from salessim.sim.config import (
    RunOverrides,
    apply_overrides,
    check_run_config,
    load_run_config,
    preflight_run,
)
from salessim.sim.factory import make_agent, make_shopper
from salessim.sim.runner import load_run_personas, new_meta, resume_config
from salessim.store import default_store

console = Console()


def _warn(text: str) -> None:
    print(f"warning: {text}", file=sys.stderr)


def _given(ctx: typer.Context, name: str) -> bool:
    source = ctx.get_parameter_source(name)
    return getattr(source, "name", None) == "COMMANDLINE"


def play(
    ctx: typer.Context,
    role: Optional[str] = typer.Option(None, "--role", help="Which side you play: shopper (against a sales agent) or "
                                       "agent (against a shopper simulator). Required for a new run directory."),
    out: Path = typer.Option(..., "--out", help="Run directory: one episode per finished conversation."),
    config: Optional[Path] = typer.Option(None, "--config", help="YAML run config (configs/runs/) for the other side "
                                          "and the plan; the section of the side you play is ignored. Flags override it."),
    resume: bool = typer.Option(False, "--resume", help="Continue the play run in --out with the personas not yet played "
                                                        "(its stored settings are used)."),
    split: str = typer.Option("test", "--split", help="Personas to play: test, train or all."),
    personas: Optional[Path] = typer.Option(None, "--personas", help="Persona file (default: the built-in benchmark)."),
    persona: Optional[str] = typer.Option(None, "--persona", help="Play this persona first (an id of the split); "
                                          "default: the next persona not yet played."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Plan only the first N personas of the split."),
    seed: int = typer.Option(0, "--seed", help="Run seed (every conversation's seed derives from it)."),
    max_turns: int = typer.Option(12, "--max-turns", min=1, help="Shopper turns before a conversation ends."),
    agent: str = typer.Option("scripted", "--agent", help="--role shopper: the sales agent you talk to: scripted, "
                                                          "pushy or llm (needs --agent-model)."),
    agent_model: Optional[str] = typer.Option(None, "--agent-model", help="Model of an LLM sales agent."),
    agent_base_url: Optional[str] = typer.Option(None, "--agent-base-url", help="OpenAI-compatible endpoint of the agent model."),
    agent_api_key_env: Optional[str] = typer.Option(None, "--agent-api-key-env", help="NAME of the environment variable "
                                                    "holding the agent endpoint's key (never the key itself)."),
    shopper: str = typer.Option("scripted", "--shopper", help="--role agent: the shopper you serve: scripted, llm "
                                                              "(needs --shopper-model) or hf:PATH."),
    shopper_flaws: Optional[str] = typer.Option(None, "--shopper-flaws", help="Flaw knobs of the scripted shopper, "
                                                "e.g. sycophancy=0.8 (also overdisclosure, forget_dealbreaker, indecision)."),
    shopper_preset: Optional[str] = typer.Option(None, "--shopper-preset", help="Wording preset of the scripted shopper: "
                                                 "default or humanlike."),
    shopper_model: Optional[str] = typer.Option(None, "--shopper-model", help="Model of an LLM shopper."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="OpenAI-compatible endpoint of the shopper model."),
    api_key_env: Optional[str] = typer.Option(None, "--api-key-env", help="NAME of the environment variable holding "
                                              "the shopper endpoint's key."),
    vision: Optional[bool] = typer.Option(None, "--vision/--no-vision", help="The shopper model sees product pictures."),
    temperature: Optional[float] = typer.Option(None, "--temperature", min=0.0, help="Sampling temperature of the model."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Bypass the LLM response cache."),
    no_preflight: bool = typer.Option(False, "--no-preflight", help="Skip the GET /models check of an LLM endpoint."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on. Anything but a loopback address makes "
                                                         "the page reachable from other machines (a warning is printed)."),
    port: int = typer.Option(0, "--port", min=0, max=65535, help="Port to listen on (0: a free one)."),
) -> None:
    """Play a role yourself in a local web app: the shopper (a persona card, a chat with the sales
    agent, product pictures, Buy and Leave) or the sales agent (the store tools as forms).

    Prints a http://127.0.0.1 URL with a random access token; open it in a browser. Every
    finished conversation is saved as an episode (kind human) of --out, so `salessim eval`,
    `salessim report` and `salessim import-reference --format episodes` read it. Stop with Ctrl-C;
    `salessim play --resume --out DIR` continues with the personas not yet played.
    """

    require_web_stack()

    rd = RunDir(out)
    if resume:
        cfg, meta = resume_config(rd, RunConfig())
        stored = (meta.get("play") or {}).get("role")
        if stored not in ("shopper", "agent"):
            raise SalesSimError(f"{out} is not a run of `salessim play`", where="--resume",
                                hint="Resume it with `salessim run --resume --out DIR`, or pass a new --out.")
        if role is not None and role != stored:
            raise SalesSimError(f"this run was played as the {stored}, not the {role}", where="--role",
                                hint=f"Drop --role, or pass a new --out to play the {role}.")
        ignored = [f"--{n.replace('_', '-')}" for n in ("config", "split", "personas", "limit", "seed", "max_turns", "agent",
                                                         "agent_model", "shopper", "shopper_flaws", "shopper_preset",
                                                         "shopper_model")
                   if _given(ctx, n)]
        if ignored:
            raise SalesSimError(f"{', '.join(ignored)} cannot change on --resume: the run keeps its stored settings",
                                where="--resume", hint="Drop them, or pass a new --out.")
        role = stored
    else:
        if role not in ("shopper", "agent"):
            raise SalesSimError("which side do you play?" if role is None else f"unknown role {role!r}",
                                where="--role", hint="Pass --role shopper or --role agent.")
        if split not in ("test", "train", "all"):
            raise SalesSimError(f"unknown split {split!r}", where="--split", hint="Use test, train or all.")
        mine = ("shopper", "shopper_flaws", "shopper_preset", "shopper_model", "base_url", "api_key_env", "vision") \
            if role == "shopper" else ("agent", "agent_model", "agent_base_url", "agent_api_key_env")
        clash = [f"--{n.replace('_', '-')}" for n in mine if _given(ctx, n)]
        if clash:
            raise SalesSimError(f"{', '.join(clash)} configure{'s' if len(clash) == 1 else ''} the {role}, which you "
                                "play yourself", where=clash[0], hint="Drop it.")

        overrides = RunOverrides(
            personas=str(personas) if personas else None, split=split, limit=limit, seed=seed, max_turns=max_turns,
            shopper=shopper if role == "agent" else None,
            shopper_flaws=_parse_flaws(shopper_flaws) if shopper_flaws else None, shopper_preset=shopper_preset,
            agent=agent if role == "shopper" else None, shopper_model=shopper_model, base_url=base_url,
            api_key_env=api_key_env, vision=vision, temperature=temperature, agent_model=agent_model,
            agent_base_url=agent_base_url, agent_api_key_env=agent_api_key_env, cache=False if no_cache else None)
        base = RunConfig()
        if config is not None:
            base = load_run_config(config)
            if role == "shopper":
                base.shopper = ShopperConfig()  # the person plays it: the file's shopper does not apply
            else:
                base.agent = AgentConfig()
        for name in ("split", "seed", "max_turns", "agent", "shopper"):
            if not _given(ctx, name):  # a default does not override the file, nor imply a kind (--agent-model: llm)
                setattr(overrides, name, None)
        cfg = apply_overrides(base, overrides)
        check_run_config(cfg)
        if role == "shopper":
            cfg.shopper = ShopperConfig(kind="human")
        else:
            cfg.agent = AgentConfig(kind="human")
        if rd.check_new():
            _warn(f"{out} holds a run that never finished an episode; it is replaced")
        meta = None
    plan = load_run_personas(cfg)
    if persona is not None and persona not in {p.id for p in plan}:
        raise SalesSimError(f"no persona {persona!r} among the {len(plan)} persona(s) of this run (split {cfg.split})",
                            where="--persona", hint="List them with `salessim personas list --split test`.")
    for note in preflight_run(cfg, network=not no_preflight):
        _warn(note)

    if not is_loopback(host):
        _warn(f"--host {host}: the page is reachable from other machines on this network; anyone with the URL "
              "(and its token) can play. Use the default 127.0.0.1 unless you mean it")
    sock = bind_socket(host, port)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    with rd.lock("play", create=not resume):
        try:
            if not resume:
                rd.check_new()  # again, now that no other process can write here
            asyncio.run(_serve(rd, cfg, role, plan, meta, persona, sock, host))
        except (KeyboardInterrupt, _Stopped):
            pass  # Ctrl-C or SIGTERM is how a play session ends: what was finished is saved
        finally:
            sock.close()
            signal.signal(signal.SIGTERM, previous)


class _Stopped(Exception):
    """SIGTERM: stop serving, like Ctrl-C."""


def _on_sigterm(signum, frame) -> None:
    # uvicorn catches SIGTERM while it serves and raises it again once it has shut down: this
    # handler turns it into an exception, so the session still closes and run.json gets its status
    raise _Stopped()


async def _serve(rd, cfg, role: str, plan, meta: dict | None, first: str | None, sock, host: str) -> None:
    store = default_store()
    counterpart = make_agent(cfg.agent, store) if role == "shopper" else make_shopper(cfg.shopper, store)
    new = meta is None
    if new:
        run_id = f"{_dt.datetime.now().strftime('%Y%m%d-%H%M%S')}-play-{role}"
        meta = new_meta(cfg, store, run_id, len(plan))
        meta["play"] = {"role": role}
        rd.rewrite_episodes([])
        done: set[str] = set()
    else:
        done = {e.id for e in rd.read_episodes(repair=True)}
        meta.setdefault("resumed", []).append(_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    if first is not None and f"{first}#0" in done:
        raise SalesSimError(f"persona {first!r} is already played in {rd.path}", where="--persona",
                            hint="Choose another, or drop --persona to play the next one not yet played.")
    session = PlaySession(rd, cfg, role, counterpart, store, plan, meta, done, first_persona=first)
    session.open()
    status = "interrupted"
    try:
        if not await session.start_next():
            console.print(f"every persona of {escape(str(rd.path))} is played ({session.played} of {len(plan)})")
            return
        port = sock.getsockname()[1]
        token = new_token()
        url = url_for(host, port, token)
        console.print(f"salessim play: you are the [bold]{role}[/bold]; {session.played} of {len(plan)} persona(s) "
                      f"played so far in {escape(str(rd.path))}", soft_wrap=True)
        console.print(f"open this URL in a browser: {escape(url)}", soft_wrap=True, highlight=False)
        console.print("stop with Ctrl-C (a conversation in progress is not saved; finished ones are)")
        sys.stdout.flush()
        app = build_app(session, token, allowed_hosts=loopback_hosts(host, port))
        await serve(app, sock)
    finally:
        status = await session.close()
        saved = len(session.saved_ids)
        if new and not session.done_ids:
            for name in (EPISODES, RUN_JSON):  # nothing was played: leave no half-made run behind
                (rd.path / name).unlink(missing_ok=True)
            console.print("no conversation was finished: nothing saved")
        else:
            console.print(f"saved {saved} conversation(s) this session; {session.played} of {len(plan)} persona(s) "
                          f"played; run status {status}", soft_wrap=True)
            console.print(f"score it: salessim eval {escape(str(rd.path))}", soft_wrap=True)
            if status != "complete":
                console.print(f"play on: salessim play --resume --out {escape(str(rd.path))}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add `play` to the main app."""
    app.command("play")(play)
