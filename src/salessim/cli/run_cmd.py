"""``salessim run`` and ``salessim eval``."""

from __future__ import annotations

import asyncio
import datetime as _dt
import re
import signal
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from salessim.api.rundir import RunDir
from salessim.cli.eval_extra import judge_config, print_eval_extras
from salessim.errors import SalesSimError
from salessim.metrics.run import score_run
from salessim.report.terminal import print_summary
from salessim.schema.run import RunConfig
from salessim.shoppers import parse_flaws
from salessim.sim.config import (
    RunOverrides,
    apply_overrides,
    check_run_config,
    load_run_config,
    parse_params,
    preflight_run,
)
from salessim.sim.runner import load_run_personas, resume_config, run_benchmark

console = Console()


def _parse_flaws(text: str | None) -> dict[str, float]:
    if not text:
        return {}

    return parse_flaws(text).model_dump()


def _progress() -> Progress:
    return Progress(TextColumn("[bold]simulating"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[status]}"),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=False)


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the option ``name`` was typed on the command line (not a default)."""
    source = ctx.get_parameter_source(name)
    return getattr(source, "name", None) == "COMMANDLINE"  # typer may bundle its own click


def _label(kind: str, model) -> str:
    """A short, path-safe name of a participant for the default run directory."""

    text = f"{kind}-{model.model.rsplit('/', 1)[-1]}" if kind == "llm" and model is not None else kind
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def run(
    ctx: typer.Context,
    config: Optional[Path] = typer.Option(None, "--config", help="YAML run config (see configs/runs/); flags given here override it."),
    personas: Optional[Path] = typer.Option(None, "--personas", help="Persona file (JSONL/YAML). Default: the built-in benchmark."),
    split: str = typer.Option("test", "--split", help="Which split to simulate: test, train or all."),
    shopper: str = typer.Option("scripted", "--shopper", help="Shopper simulator: scripted, llm (needs --shopper-model), hf:PATH, a plug-in name or MODULE:ATTR of your own class (`salessim plugins` lists them)."),
    shopper_param: Optional[list[str]] = typer.Option(None, "--shopper-param", help="KEY=VALUE passed to the shopper's class or factory (repeatable; values read as YAML)."),
    shopper_flaws: Optional[str] = typer.Option(None, "--shopper-flaws", help="Flaw knobs of the scripted shopper, e.g. sycophancy=0.8,overdisclosure=0.5 (also forget_dealbreaker, indecision)."),
    shopper_preset: Optional[str] = typer.Option(None, "--shopper-preset", help="Wording preset of the scripted shopper: default, or humanlike (shorter turns, gradual disclosure, hesitation and small talk; decisions unchanged)."),
    agent: str = typer.Option("scripted", "--agent", help="Sales agent: scripted (helpful), pushy (persuasion probe), llm (needs --agent-model), a plug-in name or MODULE:ATTR."),
    agent_param: Optional[list[str]] = typer.Option(None, "--agent-param", help="KEY=VALUE passed to the agent's class or factory (repeatable)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Simulate only the first N personas."),
    episodes_per_persona: int = typer.Option(1, "--episodes-per-persona", min=1, help="Trials per persona."),
    seed: int = typer.Option(0, "--seed", help="Run seed; every episode seed derives from it."),
    concurrency: int = typer.Option(8, "--concurrency", min=1, help="Episodes in flight at once."),
    max_turns: int = typer.Option(12, "--max-turns", min=1, help="Shopper turns before an episode ends with max_turns."),
    shopper_model: Optional[str] = typer.Option(None, "--shopper-model", help="Model of the LLM shopper (implies --shopper llm)."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="OpenAI-compatible endpoint of the shopper model, e.g. http://localhost:8000/v1 (also the agent's unless --agent-base-url)."),
    api_key_env: Optional[str] = typer.Option(None, "--api-key-env", help="NAME of the environment variable holding the API key (never the key itself)."),
    vision: Optional[bool] = typer.Option(None, "--vision/--no-vision", help="The shopper model sees product pictures."),
    tool_calling: Optional[bool] = typer.Option(None, "--tool-calling/--no-tool-calling", help="--no-tool-calling: the shopper uses the text protocol ([VIEW id], [BUY id], [LEAVE: reason])."),
    temperature: Optional[float] = typer.Option(None, "--temperature", min=0.0, help="Sampling temperature of every LLM participant."),
    agent_model: Optional[str] = typer.Option(None, "--agent-model", help="Model of the LLM sales agent (implies --agent llm)."),
    agent_base_url: Optional[str] = typer.Option(None, "--agent-base-url", help="Endpoint of the agent model (default: --base-url)."),
    agent_api_key_env: Optional[str] = typer.Option(None, "--agent-api-key-env", help="Environment variable with the agent endpoint's key (default: --api-key-env)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Bypass the LLM response cache (it is on by default)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Run directory. Default: runs/<time>-<shopper>-vs-<agent>."),
    resume: bool = typer.Option(False, "--resume", help="Finish the run in --out: only missing episodes run; its stored config is used."),
    retry_errors: bool = typer.Option(False, "--retry-errors", help="With --resume: also re-run episodes that ended in error or timeout."),
    no_preflight: bool = typer.Option(False, "--no-preflight", help="Skip the one request (GET /models) that checks each LLM endpoint answers before the run starts (the offline checks of URLs, key variables and price files still run)."),
) -> None:
    """Simulate shopper/agent episodes, write a run directory and print the summary.

    With no options: the scripted shopper against the scripted agent on the built-in test split,
    offline. The run directory holds run.json, episodes.jsonl (the checkpoint), scores.jsonl and
    summary.json. LLM participants: --shopper-model/--agent-model with --base-url, or --config
    (docs/llm-endpoints.md).
    """

    if split not in ("test", "train", "all"):
        raise SalesSimError(f"unknown split {split!r}", where="--split", hint="Use test, train or all.")
    if retry_errors and not resume:
        raise SalesSimError("--retry-errors needs --resume", where="--retry-errors")
    if resume and out is None:
        raise SalesSimError("--resume needs --out DIR, the run directory to finish", where="--resume")
    base = load_run_config(config) if config is not None else RunConfig()
    typed = {name: value for name, value in (
        ("split", split), ("shopper", shopper), ("agent", agent), ("episodes_per_persona", episodes_per_persona),
        ("seed", seed), ("concurrency", concurrency), ("max_turns", max_turns)) if _given(ctx, name)}
    overrides = RunOverrides(
        personas=str(personas) if personas else None,
        limit=limit,
        shopper_flaws=_parse_flaws(shopper_flaws) if shopper_flaws else None,
        shopper_params=parse_params(shopper_param, "--shopper-param"),
        agent_params=parse_params(agent_param, "--agent-param"),
        shopper_preset=shopper_preset,
        shopper_model=shopper_model, base_url=base_url, api_key_env=api_key_env, vision=vision,
        tool_calling=tool_calling, temperature=temperature, agent_model=agent_model,
        agent_base_url=agent_base_url, agent_api_key_env=agent_api_key_env,
        cache=False if no_cache else None,
        **typed,
    )
    cfg = apply_overrides(base, overrides)

    if out is None:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = Path("runs") / f"{stamp}-{_label(cfg.shopper.kind, cfg.shopper.model)}-vs-{_label(cfg.agent.kind, cfg.agent.model)}"
    rd = RunDir(out)
    # everything that can fail is checked before the progress bar starts and before a file is written
    if resume:
        cfg, _meta = resume_config(rd, cfg)
    else:
        check_run_config(cfg)
        load_run_personas(cfg)  # a bad persona file fails here
        if rd.check_new():
            _warn(f"{out} holds a run that never finished an episode; it is replaced")
    for note in preflight_run(cfg, network=not no_preflight):
        _warn(note)

    progress = _progress()
    task = progress.add_task("run", total=None, status="")
    counts = {"bought": 0, "left": 0, "other": 0}

    def on_start(total: int, done: int) -> None:
        progress.update(task, total=total, completed=done)
        progress.start()

    def on_episode(ep) -> None:
        key = ep.termination if ep.termination in counts else "other"
        counts[key] += 1
        progress.update(task, advance=1,
                        status=f"bought {counts['bought']} left {counts['left']} other {counts['other']}")

    with rd.lock("resume" if resume else "run", create=not resume):
        try:
            outcome = asyncio.run(_until_sigterm(run_benchmark(
                cfg, out, resume=resume, retry_errors=retry_errors, on_start=on_start, on_episode=on_episode)))
        except (KeyboardInterrupt, _Terminated) as exc:
            progress.stop()
            code, what = (143, "terminated (SIGTERM)") if isinstance(exc, _Terminated) else (130, "interrupted")
            console.print(f"[yellow]{what}[/yellow]: finished episodes are saved in {escape(str(out))}/episodes.jsonl; "
                          f"finish with: salessim run --resume --out {escape(str(out))}", soft_wrap=True)
            raise typer.Exit(code)
        finally:
            progress.stop()
        if outcome.torn_lines:
            _warn(f"{out}/episodes.jsonl: dropped {_torn(outcome.torn_lines)} at its end (a process died "
                  "mid-write); cut from the file, its episode ran again")
        summary = score_run(outcome.run_dir)

    print_summary(summary, console)
    console.print(f"run directory: {escape(str(outcome.run_dir))}  (ran {outcome.ran}, already done {outcome.already_done})",
                  soft_wrap=True)


class _Terminated(Exception):
    """The run got SIGTERM (kill, a batch scheduler, docker stop)."""


async def _until_sigterm(awaitable):
    """Await ``awaitable``; SIGTERM cancels it like Ctrl-C does (the runner then records the run
    as ``interrupted``) and raises :class:`_Terminated`."""
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    got = []

    def on_sigterm() -> None:
        got.append(True)
        main.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
        return await awaitable
    try:
        return await awaitable
    except asyncio.CancelledError:
        if got:
            raise _Terminated() from None
        raise
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


def _torn(n: int) -> str:
    return f"{n} torn line" + ("" if n == 1 else "s")


def _warn(text: str) -> None:
    """One warning line on stderr (plain text, never markup)."""
    print(f"warning: {text}", file=sys.stderr)


def eval_(
    run_dir: Path = typer.Argument(..., help="A run directory written by `salessim run` (or `salessim import-official`)."),
    metrics: Optional[str] = typer.Option(None, "--metrics", help="Comma-separated metrics: names (`salessim metrics list`) or MODULE:ATTR of your own (default: all default metrics)."),
    judge_model: Optional[str] = typer.Option(None, "--judge-model", help="Run the LLM-judge metrics with this model (trait fidelity, comprehension realism, naturalness, judge decision alignment)."),
    judge_base_url: Optional[str] = typer.Option(None, "--judge-base-url", help="OpenAI-compatible endpoint of the judge (default: https://api.openai.com/v1)."),
    judge_api_key_env: Optional[str] = typer.Option(None, "--judge-api-key-env", help="Name of the environment variable holding the judge's API key (never the key itself)."),
    judge_samples: int = typer.Option(3, "--judge-samples", min=1, max=15, help="Judge samples per episode and metric (majority vote)."),
    judge_temperature: float = typer.Option(0.7, "--judge-temperature", min=0.0, help="Sampling temperature of the judge."),
    judge_concurrency: int = typer.Option(8, "--judge-concurrency", min=1, help="Judge calls in flight at once."),
    judge_cache: bool = typer.Option(False, "--judge-cache", help="Cache judge answers on disk ($SALESSIM_CACHE_DIR): re-running the same judging costs nothing."),
    reference: Optional[Path] = typer.Option(None, "--reference", help="JSONL file of human shopper dialogues: adds simulator-vs-human gaps with bootstrap intervals (format: salessim/data/reference/README.md; convert a corpus with `salessim import-reference`)."),
) -> None:
    """Re-score a saved run without re-simulating; rewrites scores.jsonl and summary.json.

    LLM-judge metrics run only with --judge-model (otherwise skipped, with the reason shown).
    --reference compares the shopper's language and behaviour with human dialogues.
    """

    names = [m.strip() for m in metrics.split(",") if m.strip()] if metrics else None
    judge = judge_config(judge_model, judge_base_url, judge_api_key_env, judge_samples, judge_temperature,
                         judge_concurrency, judge_cache)
    summary = score_run(run_dir, metric_names=names, judge=judge, reference=reference)
    if summary.torn_lines_dropped:
        _warn(f"{run_dir}/episodes.jsonl: left out {_torn(summary.torn_lines_dropped)} at its end (a process "
              f"died mid-write); `salessim run --resume --out {run_dir}` cuts it and runs that episode again")
    print_summary(summary, console)
    print_eval_extras(summary, console)


def register(app: typer.Typer) -> None:
    """Add `run` and `eval` to the main app."""
    app.command("run")(run)
    app.command("eval")(eval_)
