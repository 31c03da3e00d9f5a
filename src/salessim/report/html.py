"""The self-contained HTML report: leaderboard, plots, slices and a per-episode drill-down.

``build_report(run_dirs, out)`` writes ONE HTML file that needs nothing else: CSS and JavaScript are
inlined from the data files in ``report/templates/``, plots are inline SVG drawn in Python
(:mod:`salessim.report.svg`), product images are base64 data URLs embedded once each, and a
Content-Security-Policy forbids loading anything from elsewhere.

Safety: all run text (shopper and agent messages, persona text, explanations) is escaped with
``html.escape`` where it is rendered here, and the episode data travels as JSON in a
``<script type="application/json">`` block with every ``<``, ``>`` and ``&`` written as a ``\\u``
escape, so no text can close the block or open a comment. The page script inserts text with
``textContent`` only.

The page is assembled here; its parts live in :mod:`salessim.report.sections` (leaderboard,
plots, slices, run-level figures), :mod:`salessim.report.drilldown` (the per-episode data) and
:mod:`salessim.report.htmlkit` (escaping and embedding helpers).
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from string import Template

from salessim import __version__
from salessim.api.rundir import RUN_JSON, RunDir
from salessim.errors import SalesSimError
from salessim.metrics.run import run_store
from salessim.report import svg
from salessim.report.drilldown import (
    episode_entry,
    persona_entry,
    products_and_images,
    run_personas,
    select_episodes,
)
from salessim.report.htmlkit import embed_json, esc, jsonable, template
from salessim.report.leaderboard import RunData, build_leaderboard, load_run
from salessim.report.sections import leaderboard_html, plots_html, slices_html
from salessim.store import default_store

__all__ = ["MAX_EPISODES", "build_report", "check_report_out", "embed_json", "render_report"]

MAX_EPISODES = 2000  # episodes in the drill-down, all runs together


def render_report(runs: list[RunData], store=None, *, max_episodes: int = MAX_EPISODES,
                  title: str = "SalesSim report", notes: list[str] | None = None) -> str:
    """The report as an HTML string, from loaded runs (see :func:`build_report`)."""
    if not runs:
        raise SalesSimError("no run directory given", hint="Pass one or more run directories.")
    notes = list(notes or [])
    lb = build_leaderboard(runs)
    colors = [svg.color_for(i) for i in range(len(runs))]
    chosen, cap_note = select_episodes(runs, max_episodes)
    persona_objs = run_personas(runs, notes)
    personas = {pid: persona_entry(p) for pid, p in persona_objs.items()
                if any(ep.persona_id == pid for _, ep in chosen)}
    names = {pid: p.profile.name for pid, p in persona_objs.items()}
    scores_by_run = [{s.episode_id: s for s in r.scores} for r in runs]
    entries = [episode_entry(ri, ep, scores_by_run[ri].get(ep.id), names) for ri, ep in chosen]
    product_ids = list(dict.fromkeys(pid for e in entries for pid in e["prods"]))
    products, images = products_and_images(product_ids, store, notes)
    if store is None and product_ids:
        notes.append("No store was available: product cards show ids only, without images.")
    data = {
        "runs": [{"label": row.label, "run_id": row.run_id, "color": colors[i]} for i, row in enumerate(lb.rows)],
        "episodes": entries, "products": products, "images": images, "personas": personas,
    }
    notes_html = "".join(f'<p class="note">{esc(n)}</p>' for n in dict.fromkeys(notes))
    fields = {
        "title": esc(title), "version": esc(__version__),
        "generated": esc(_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        "n_runs": str(len(runs)), "n_episodes": str(sum(len(r.episodes) for r in runs)),
        "css": template("report.css"), "js": template("report.js"),
        "leaderboard": leaderboard_html(lb, colors), "notes": notes_html,
        "plots": plots_html(runs, lb, colors), "slices": slices_html(runs),
        "episodes_note": f'<p class="note" id="cap-note">{esc(cap_note)}</p>' if cap_note else "",
        "data": embed_json(jsonable(data)),
    }
    return Template(template("report.html")).substitute(fields)


def _default_store(notes: list[str]):
    """The built-in store, or None (with a note) when it cannot be loaded."""
    try:
        return default_store()
    except Exception as exc:  # noqa: BLE001 - the report still works without product details
        notes.append(f"The store could not be loaded ({type(exc).__name__}): product cards show ids only.")
        return None


class _Stores:
    """Product lookups over several stores: the imported catalogs of the runs first, then the
    built-in store (what the drill-down needs: ``catalog.get``, ``catalog.schema``, ``image_png``)."""

    def __init__(self, stores: list):
        self.stores = stores
        self.catalog = self

    def get(self, product_id: str):
        return next((p for p in (s.catalog.get(product_id) for s in self.stores) if p is not None), None)

    def schema(self, category: str):
        return self.stores[-1].catalog.schema(category)

    def image_png(self, product_id: str) -> bytes:
        store = next(s for s in self.stores if s.catalog.get(product_id) is not None)
        return store.image_png(product_id)


def _run_stores(runs: list[RunData], notes: list[str]) -> list:
    """The stores of runs that carry their own catalog (imported runs)."""

    out = []
    for run in runs:
        if (run.meta.get("data") or {}).get("catalog_file"):
            try:
                out.append(run_store(RunDir(run.path), run.meta))
            except SalesSimError as exc:
                notes.append(f"{run.run_id}: its catalog could not be loaded ({exc}).")
    return out


#: What every report this module writes carries in its head (templates/report.html).
REPORT_MARK = '<meta name="generator" content="salessim'


def check_report_out(out: Path) -> None:
    """Fail unless ``out`` may receive a report: never a directory, never a file inside a run
    directory (a directory holding run.json), and an existing file only if it is a SalesSim
    report (its head carries :data:`REPORT_MARK`), so nothing else is ever overwritten."""

    out = Path(out)
    hint = "Pass another --out, e.g. report.html outside every run directory."
    if out.is_dir():
        raise SalesSimError(f"{out} is a directory", where="--out", hint="Give a file name, e.g. report.html.")
    if (out.parent / RUN_JSON).is_file():
        raise SalesSimError(f"{out} is inside the run directory {out.parent}: a report never goes there",
                            where="--out", hint=hint)
    if out.exists():
        try:
            with open(out, "rb") as fh:
                head = fh.read(4096).decode("utf-8", errors="replace")
        except OSError as exc:
            raise SalesSimError(f"{out} cannot be read ({exc.strerror})", where="--out", hint=hint) from None
        if REPORT_MARK not in head:
            raise SalesSimError(f"{out} exists and is not a SalesSim report: it would be overwritten", where="--out",
                                hint=hint + " Remove the file first if you mean to replace it.")


def build_report(run_dirs: list[Path], out: Path, store=None, *, max_episodes: int = MAX_EPISODES,
                 title: str = "SalesSim report") -> Path:
    """Write one self-contained HTML report of ``run_dirs`` to ``out`` and return its path.

    ``store`` gives product names, attributes and images for the drill-down; by default the
    built-in store is used, and without one the cards show product ids only. At most
    ``max_episodes`` episodes are embedded in the drill-down (a note says so when some are left
    out); the leaderboard and the plots always use every episode.
    """
    if not run_dirs:
        raise SalesSimError("no run directory given", hint="Pass one or more run directories.")
    out = Path(out)
    check_report_out(out)
    runs = [load_run(p) for p in run_dirs]
    notes: list[str] = []
    if store is None:
        own = _run_stores(runs, notes)
        store = _default_store(notes)
        if own:
            store = _Stores(own + ([store] if store is not None else []))
    html_text = render_report(runs, store, max_episodes=max_episodes, title=title, notes=notes)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(html_text, encoding="utf-8")
    tmp.replace(out)
    return out
