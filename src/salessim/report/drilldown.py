"""The per-episode drill-down data of the HTML report (rendered client-side with ``textContent``):
messages, episodes with their metric results, personas, product cards with embedded images, and
the cap on how many episodes are embedded."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

from PIL import Image

from salessim.personas import load_personas
from salessim.report.htmlkit import cap_text, finite, jsonable
from salessim.report.leaderboard import HEADLINE, RunData
from salessim.schema import Episode, EpisodeScores, Message

_IMAGE_SIDE = 360  # pixels: larger product images are shrunk to fit this square before embedding
_IMAGE_BYTES = 60_000  # a larger image file is re-encoded before embedding


def _message(m: Message) -> dict:
    out: dict[str, Any] = {"role": m.role, "text": m.text}
    if m.action is not None:
        act = {"type": m.action.type}
        if m.action.product_id:
            act["product_id"] = m.action.product_id
        if m.action.reason:
            act["reason"] = m.action.reason
        out["act"] = act
    if m.tool_calls:
        out["calls"] = [{"name": c.name, "args": cap_text(json.dumps(jsonable(c.arguments), ensure_ascii=False, default=str), 400)}
                        for c in m.tool_calls]
    if m.tool_result is not None:
        r = m.tool_result
        content = r.content if isinstance(r.content, str) else json.dumps(jsonable(r.content), ensure_ascii=False,
                                                                          indent=1, default=str)
        out["res"] = {"name": r.name, "content": cap_text(content), "error": r.error, "img": bool(r.image_png_b64)}
    if m.tool_caller:
        out["caller"] = m.tool_caller
    if m.presented_product_ids:
        out["pres"] = list(m.presented_product_ids)
    if m.flags:
        out["flags"] = list(m.flags)
    if m.reasoning:
        out["reasoning"] = cap_text(m.reasoning)
    return out


def _episode_products(ep: Episode) -> list[str]:
    ids = list(ep.presented_product_ids) + list(ep.viewed_product_ids)
    if ep.decision.product_id:
        ids.append(ep.decision.product_id)
    for m in ep.messages:
        ids.extend(m.presented_product_ids)
    return list(dict.fromkeys(i for i in ids if i))


def _failure_kind(result) -> str:
    if result is None:
        return "not scored"
    if result.value is None:
        return "not scored"
    failure = result.details.get("failure") if isinstance(result.details, dict) else None
    if failure:
        return str(failure)
    return "aligned" if result.value >= 1 else "misaligned"


def episode_entry(ri: int, ep: Episode, scores: EpisodeScores | None, persona_names: dict[str, str]) -> dict:
    results = scores.results if scores else {}
    da = results.get(HEADLINE)
    metrics = []
    for name in sorted(results, key=lambda n: (n != HEADLINE, n)):
        r = results[name]
        details = ""
        if r.details:
            details = cap_text(json.dumps(jsonable(r.details), ensure_ascii=False, default=str), 800)
        metrics.append({"name": name, "version": r.version, "value": finite(r.value),
                        "explanation": r.explanation, "details": details})
    aligned = []
    if da is not None and isinstance(da.details, dict):
        aligned = [str(x) for x in da.details.get("aligned_product_ids") or []]
    return {
        "r": ri, "id": ep.id, "persona": ep.persona_id, "pname": persona_names.get(ep.persona_id, ""),
        "pkey": ep.persona_id, "cat": ep.category, "arch": ep.archetype, "dec": ep.decision.type,
        "pid": ep.decision.product_id or "", "fail": _failure_kind(da) if scores else "not scored",
        "da": finite(da.value) if da is not None else None, "term": ep.termination, "turns": ep.turns,
        "msgs": [_message(m) for m in ep.messages], "prods": _episode_products(ep),
        "viewed": list(ep.viewed_product_ids), "aligned": aligned, "metrics": metrics,
    }


def run_personas(runs: list[RunData], notes: list[str]) -> dict[str, Any]:
    """Personas by id from each run's persona file (best effort: the drill-down works without)."""
    found: dict[str, Any] = {}
    seen_sources: set[str | None] = set()
    wanted = {ep.persona_id for run in runs for ep in run.episodes}
    for run in runs:
        if wanted <= set(found):
            break
        source = (run.meta.get("config") or {}).get("personas")
        if source in seen_sources:
            continue
        seen_sources.add(source)
        try:
            for p in load_personas(source):
                found.setdefault(p.id, p)
        except Exception as exc:  # noqa: BLE001 - persona details are optional in the report
            why = (str(exc).splitlines() or [type(exc).__name__])[0].rstrip(". ")
            notes.append(f"Persona details of {run.run_id} are not shown: {why}.")
    return found


def persona_entry(p) -> dict:
    bf = ", ".join(f"{t} {getattr(p.big_five, t)}" for t in type(p.big_five).model_fields)
    return {
        "name": p.profile.name, "age": p.profile.age, "background": p.profile.background, "goal": p.goal,
        "knowledge": p.profile.knowledge_level, "style": p.profile.speaking_style, "emotion": p.emotion,
        "big_five": bf, "feasible": "" if p.feasible is None else ("yes" if p.feasible else "no"),
        "criteria": [[c.describe() + (f" \u2014 \u201c{c.phrasings[0]}\u201d" if c.phrasings else ""), c.kind]
                     for c in p.criteria],
    }


def image_data_url(png: bytes) -> str | None:
    """The image as a data URL. An image that fits ``_IMAGE_SIDE`` pixels and ``_IMAGE_BYTES`` is
    embedded as it is; a larger one is shrunk and stored as the smaller of PNG and JPEG."""
    if not png:
        return None
    mime, raw = "image/png", png
    try:
        with Image.open(io.BytesIO(png)) as im:
            fits = max(im.size) <= _IMAGE_SIDE and len(png) <= _IMAGE_BYTES
            if im.format in ("PNG", "JPEG", "GIF", "WEBP"):
                mime = Image.MIME[im.format]
            if not fits:
                im.load()
                im.thumbnail((_IMAGE_SIDE, _IMAGE_SIDE))
                candidates = []
                buf = io.BytesIO()
                im.save(buf, format="PNG")
                candidates.append(("image/png", buf.getvalue()))
                if im.mode in ("RGB", "L"):
                    buf = io.BytesIO()
                    im.save(buf, format="JPEG", quality=85)
                    candidates.append(("image/jpeg", buf.getvalue()))
                mime, raw = min(candidates, key=lambda c: len(c[1]))
    except Exception:  # noqa: BLE001 - an undecodable image is embedded as it came
        mime, raw = "image/png", png
    return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"


def _product_entry(product, store) -> dict:
    visual: set[str] = set()
    units: dict[str, str] = {}
    try:
        schema = store.catalog.schema(product.category)
        visual = set(schema.visual_only)
        units = {a.name: a.unit for a in schema.attributes if a.unit}
    except Exception:  # noqa: BLE001 - a store without schemas still gives names and attributes
        pass
    attrs = []
    for name, value in product.attributes.items():
        text = ("yes" if value else "no") if isinstance(value, bool) else str(value)
        if units.get(name):
            text += f" {units[name]}"
        attrs.append([name, text, name in visual])
    attrs.sort(key=lambda a: (a[2], 0))  # visual-only last, otherwise catalog order
    return {"name": product.name, "cat": product.category, "desc": product.description, "attrs": attrs}


def products_and_images(ids: list[str], store, notes: list[str]) -> tuple[dict, dict]:
    products: dict[str, dict] = {}
    images: dict[str, str] = {}
    if store is None:
        return products, images
    failed = 0
    for pid in ids:
        try:
            product = store.catalog.get(pid)
        except Exception:  # noqa: BLE001
            product = None
        if product is None:
            continue
        products[pid] = _product_entry(product, store)
        try:
            url = image_data_url(store.image_png(pid))
        except Exception:  # noqa: BLE001 - the card is shown without its image
            url = None
            failed += 1
        if url:
            images[pid] = url
    if failed:
        notes.append(f"{failed} product image(s) could not be drawn and are left out.")
    return products, images


def select_episodes(runs: list[RunData], max_episodes: int) -> tuple[list[tuple[int, Episode]], str]:
    total = sum(len(r.episodes) for r in runs)
    if total <= max_episodes:
        return [(ri, ep) for ri, r in enumerate(runs) for ep in r.episodes], ""
    # share the cap between runs; a run with fewer episodes leaves its share to the others
    quota = {ri: 0 for ri in range(len(runs))}
    left = max_episodes
    active = [ri for ri, r in enumerate(runs) if r.episodes]
    while left > 0 and active:
        share = max(1, left // len(active))
        for ri in list(active):
            take = min(share, len(runs[ri].episodes) - quota[ri], left)
            quota[ri] += take
            left -= take
            if quota[ri] >= len(runs[ri].episodes):
                active.remove(ri)
            if left <= 0:
                break
    chosen = [(ri, ep) for ri, r in enumerate(runs) for ep in r.episodes[: quota[ri]]]
    note = (f"The drill-down shows the first {len(chosen)} of {total} episodes "
            f"(at most {max_episodes}, shared between runs); the leaderboard and plots use all of them.")
    return chosen, note
