"""The hf:PATH shopper: a saved checkpoint plays episodes through the factory and `salessim run`."""

import asyncio
import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from salessim.schema.run import AgentConfig, ShopperConfig  # noqa: E402

pytestmark = pytest.mark.train


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory, store):
    from salessim.local.generation import SamplingConfig
    from salessim.local.render import RenderConfig
    from salessim.shoppers.hf import write_shopper_settings
    from salessim.train.testing import minute_checkpoint, sample_personas

    path = minute_checkpoint(tmp_path_factory.mktemp("hf") / "final", store, sample_personas(4))
    write_shopper_settings(path, RenderConfig(), SamplingConfig(max_new_tokens=10))
    return path


def test_checkpoint_plays_an_episode_through_hf(checkpoint, store):
    from salessim.sim.factory import make_agent, make_shopper
    from salessim.sim.orchestrator import EpisodeLimits, run_episode
    from salessim.train.testing import sample_personas

    shopper = make_shopper(ShopperConfig(kind=f"hf:{checkpoint}"), store)
    assert shopper.info.kind == "hf" and shopper.sampling.max_new_tokens == 10  # settings from the checkpoint
    persona = sample_personas(1)[0]
    agent = make_agent(AgentConfig(kind="scripted"), store)
    ep = asyncio.run(run_episode(persona, shopper, agent, store, seed=3, limits=EpisodeLimits(max_turns=3)))
    assert ep.termination in ("bought", "left", "max_turns")
    shopper_msgs = [m for m in ep.messages if m.role == "shopper"]
    assert shopper_msgs and all("raw" in m.meta for m in shopper_msgs)
    assert ep.usage["shopper"].calls == len(shopper_msgs)
    # same seed, same episode: sampling is seeded
    again = asyncio.run(run_episode(persona, shopper, agent, store, seed=3, limits=EpisodeLimits(max_turns=3)))
    assert [m.text for m in again.messages] == [m.text for m in ep.messages]


def test_salessim_run_with_hf_shopper(checkpoint, tmp_path):
    from salessim.cli import main

    out = tmp_path / "run"
    try:
        main(["run", "--shopper", f"hf:{checkpoint}", "--limit", "2", "--max-turns", "2", "--out", str(out)])
    except SystemExit as exc:  # pragma: no cover - main exits only on errors
        assert exc.code in (0, None)
    lines = (out / "episodes.jsonl").read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["shopper"]["kind"] == "hf"


def test_missing_checkpoint_is_a_clear_error(store, tmp_path):
    from salessim.errors import SalesSimError
    from salessim.sim.factory import make_shopper

    with pytest.raises(SalesSimError, match="no checkpoint directory"):
        make_shopper(ShopperConfig(kind=f"hf:{tmp_path / 'nope'}"), store)
    with pytest.raises(SalesSimError, match="hf: needs a checkpoint"):
        make_shopper(ShopperConfig(kind="hf:"), store)
