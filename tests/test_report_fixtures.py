"""Hand-built run directories and a fake store for the report tests (test_report_*.py).

Two small runs are written from schema objects, without simulating: a faithful shopper and a
sycophantic one, with episodes in two categories and several failure kinds. One shopper message
carries a ``<script>`` tag, and an extra metric records ``details["per_turn"]``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image

from salessim.metrics.scoring import summarize
from salessim.schema import (
    AttributeSpec,
    CategorySchema,
    Criterion,
    Decision,
    Episode,
    EpisodeScores,
    Message,
    MetricResult,
    ParticipantInfo,
    Persona,
    Product,
    Profile,
    ShopperAction,
    ToolCall,
    ToolResult,
)
from salessim.schema.run import AgentConfig, RunConfig, ShopperConfig

XSS = "<script>window.__pwned=1</script>"
XSS_IMG = '<img src="x" onerror="window.__pwned=2">'
XSS_EPISODE = "pp-student#0"

_SCHEMAS = {
    "laptops": CategorySchema(name="laptops", display_name="Laptops", singular="laptop", attributes=[
        AttributeSpec(name="price", type="number", description="price", unit="USD"),
        AttributeSpec(name="brand", type="text", description="brand"),
        AttributeSpec(name="ram_gb", type="number", description="memory", unit="GB"),
        AttributeSpec(name="color", type="enum", description="colour", values=["black", "silver", "red"],
                      visual_only=True),
    ]),
    "headphones": CategorySchema(name="headphones", display_name="Headphones", singular="headphone", attributes=[
        AttributeSpec(name="price", type="number", description="price", unit="USD"),
        AttributeSpec(name="brand", type="text", description="brand"),
        AttributeSpec(name="noise_cancelling", type="bool", description="noise cancelling"),
        AttributeSpec(name="color", type="enum", description="colour", values=["black", "white"], visual_only=True),
    ]),
}

PRODUCTS = [
    Product(id="lap-1", category="laptops", name="Aero <b>14</b>", description="light laptop",
            attributes={"price": 700, "brand": "Acme", "ram_gb": 16, "color": "silver"}),
    Product(id="lap-2", category="laptops", name="Brick 15", description="heavy laptop",
            attributes={"price": 1400, "brand": "Bolt", "ram_gb": 32, "color": "black"}),
    Product(id="hp-1", category="headphones", name="Quiet One", description="ANC headphones",
            attributes={"price": 250, "brand": "Hush", "noise_cancelling": True, "color": "black"}),
    Product(id="hp-2", category="headphones", name="Loud Two", description="cheap headphones",
            attributes={"price": 40, "brand": "Bang", "noise_cancelling": False, "color": "white"}),
]

_COLORS = {"silver": (190, 194, 200), "black": (30, 30, 33), "white": (250, 250, 250), "red": (200, 38, 44)}


class FakeCatalog:
    """A catalog with the ``get`` and ``schema`` calls the report uses."""

    def __init__(self, products: list[Product]):
        self._by_id = {p.id: p for p in products}

    def get(self, pid: str) -> Product | None:
        return self._by_id.get(pid)

    def schema(self, category: str) -> CategorySchema:
        return _SCHEMAS[category]


class FakeStore:
    """A store with a catalog and small PNG product images in the product's colour."""

    def __init__(self, products: list[Product] = PRODUCTS):
        self.catalog = FakeCatalog(products)
        self.image_calls: list[str] = []

    def image_png(self, product_id: str) -> bytes:
        self.image_calls.append(product_id)
        product = self.catalog.get(product_id)
        color = _COLORS.get(str(product.attributes.get("color")), (120, 120, 120)) if product else (0, 0, 0)
        buf = io.BytesIO()
        width = 64 + sorted(self.catalog._by_id).index(product_id) if product else 64  # distinct bytes per product
        Image.new("RGB", (width, 48), color).save(buf, format="PNG")
        return buf.getvalue()


def _persona(pid: str, category: str, archetype: str, criteria: list[Criterion]) -> Persona:
    return Persona(id=pid, archetype=archetype, category=category,
                   profile=Profile(name=f"Name of {pid} <i>", age=30, background="writes <b>tests</b>"),
                   goal=f"buy a {category[:-1]}", criteria=criteria)


PERSONAS = [
    _persona("pp-student", "laptops", "student", [
        Criterion(attribute="price", op="<=", value=1000, kind="dealbreaker", phrasings=["under 1000"]),
        Criterion(attribute="ram_gb", op=">=", value=16, kind="preference")]),
    _persona("pp-parent", "headphones", "busy_parent", [
        Criterion(attribute="noise_cancelling", op="==", value=True, kind="dealbreaker")]),
    _persona("pp-retiree", "laptops", "retiree", [
        Criterion(attribute="price", op="<=", value=500, kind="dealbreaker")]),
]


def _msgs(first_text: str, product: str, buy: bool) -> list[Message]:
    msgs = [
        Message(role="shopper", text=first_text, action=ShopperAction(type="say", text=first_text)),
        Message(role="agent", text=f"Let me look. {XSS_IMG}", tool_calls=[ToolCall(id="c1", name="search_products",
                                                                         arguments={"query": "laptop"})]),
        Message(role="tool", tool_caller="agent",
                tool_result=ToolResult(call_id="c1", name="search_products", content=[{"id": product}])),
        Message(role="agent", text=f"I recommend {product}.", presented_product_ids=[product]),
        Message(role="shopper", action=ShopperAction(type="view_product", product_id=product)),
        Message(role="tool", tool_caller="shopper",
                tool_result=ToolResult(call_id="v1", name="view_product", content={"id": product})),
    ]
    if buy:
        msgs.append(Message(role="shopper", text="I'll take it.",
                            action=ShopperAction(type="buy", product_id=product, text="I'll take it.")))
    else:
        msgs.append(Message(role="shopper", text="No thanks.",
                            action=ShopperAction(type="leave", reason="nothing fits"), flags=["format_error"]))
    return msgs


def _episode(run_id: str, persona: Persona, product: str, buy: bool, first_text: str, kind: str) -> Episode:
    decision = Decision(type="buy", product_id=product) if buy else Decision(type="leave", reason="nothing fits")
    return Episode(id=f"{persona.id}#0", run_id=run_id, persona_id=persona.id, persona_hash=persona.content_hash(),
                   category=persona.category, archetype=persona.archetype, seed=1,
                   shopper=ParticipantInfo(kind=kind), agent=ParticipantInfo(kind="scripted"),
                   messages=_msgs(first_text, product, buy), presented_product_ids=[product],
                   viewed_product_ids=[product], decision=decision,
                   termination="bought" if buy else "left", turns=3)


def _scores(ep: Episode, value: float, failure: str | None, per_turn: list[int]) -> EpisodeScores:
    da = MetricResult(metric="decision_alignment", version="1.0", value=value,
                      details={"failure": failure, "graded": value,
                               "aligned_product_ids": [ep.decision.product_id] if value else []},
                      explanation="aligned <ok>" if value else f"failed: {failure} <b>bold</b>")
    od = MetricResult(metric="overdisclosure", version="0.1", value=sum(per_turn) / len(per_turn),
                      details={"per_turn": per_turn}, explanation="criteria disclosed per turn")
    return EpisodeScores(episode_id=ep.id, persona_id=ep.persona_id, category=ep.category,
                         archetype=ep.archetype, results={"decision_alignment": da, "overdisclosure": od})


def make_run_dir(root: Path, name: str, *, sycophantic: bool) -> Path:
    """Write one scored run directory ``root/name`` and return its path.

    Faithful run: all three episodes aligned. Sycophantic run: the student buys a laptop breaking
    its budget (bought_dealbreaker_violation), the parent leaves although ANC headphones were shown
    (left_with_valid_option), the retiree leaves correctly (aligned). In both runs the student's
    first message carries a ``<script>`` tag and every agent's first message an ``<img onerror>``.
    """
    path = root / name
    path.mkdir(parents=True)
    kind = "scripted"
    flaws = {"sycophancy": 0.8} if sycophantic else {}
    run_id = f"run-{name}"
    personas_file = path / "personas.jsonl"
    personas_file.write_text("".join(p.model_dump_json() + "\n" for p in PERSONAS))
    cfg = RunConfig(personas=str(personas_file), shopper=ShopperConfig(kind=kind, flaws=flaws),
                    agent=AgentConfig(kind="pushy" if sycophantic else "scripted"))
    student, parent, retiree = PERSONAS
    hello = f"Hi! I need a laptop under 1000. {XSS}"
    if sycophantic:
        eps = [_episode(run_id, student, "lap-2", True, hello, kind),
               _episode(run_id, parent, "hp-1", False, "Headphones please.", kind),
               _episode(run_id, retiree, "lap-1", False, "Something cheap.", kind)]
        scores = [_scores(eps[0], 0.0, "bought_dealbreaker_violation", [3, 1, 0]),
                  _scores(eps[1], 0.0, "left_with_valid_option", [2, 2]),
                  _scores(eps[2], 1.0, None, [1, 1, 1])]
    else:
        eps = [_episode(run_id, student, "lap-1", True, hello, kind),
               _episode(run_id, parent, "hp-1", True, "Headphones please.", kind),
               _episode(run_id, retiree, "lap-1", False, "Something cheap.", kind)]
        scores = [_scores(eps[0], 1.0, None, [1, 1, 0]),
                  _scores(eps[1], 1.0, None, [1, 0]),
                  _scores(eps[2], 1.0, None, [1, 0, 0])]
    meta = {"run_id": run_id, "config": cfg.model_dump(mode="json"), "episodes_planned": len(eps),
            "status": "complete"}
    (path / "run.json").write_text(json.dumps(meta, indent=2))
    (path / "episodes.jsonl").write_text("".join(e.model_dump_json() + "\n" for e in eps))
    (path / "scores.jsonl").write_text("".join(s.model_dump_json() + "\n" for s in scores))
    summary = summarize(eps, scores)
    summary.run_id = run_id
    summary.shopper = cfg.shopper.model_dump(mode="json", exclude_none=True)
    summary.agent = cfg.agent.model_dump(mode="json", exclude_none=True)
    summary.episodes_planned = len(eps)
    (path / "summary.json").write_text(json.dumps(summary.to_json(), indent=2))
    return path


def make_two_runs(root: Path) -> list[Path]:
    """The faithful run and the sycophantic run under ``root``."""
    return [make_run_dir(root, "faithful", sycophantic=False), make_run_dir(root, "sycophant", sycophantic=True)]


def test_fixture_runs_are_valid(tmp_path):
    from salessim.report.leaderboard import load_run

    for p in make_two_runs(tmp_path):
        run = load_run(p)
        assert len(run.episodes) == 3 and len(run.scores) == 3
        assert run.summary.metrics["decision_alignment"].n == 3
