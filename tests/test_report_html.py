"""The HTML report and the leaderboard without a browser: escaping, self-containedness, markdown,
plots, the drill-down cap and the `salessim report` command's errors."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

from salessim.api.summary import MetricSummary, RunSummary
from salessim.errors import SalesSimError
from salessim.report import svg
from salessim.report.html import build_report, embed_json, render_report
from salessim.report.leaderboard import (
    build_leaderboard,
    format_cell,
    load_run,
    run_label,
)
from tests.test_report_fixtures import (
    XSS,
    XSS_IMG,
    FakeStore,
    make_run_dir,
    make_two_runs,
)


@pytest.fixture
def two_runs(tmp_path):
    return make_two_runs(tmp_path)


@pytest.fixture
def report_text(two_runs, tmp_path):
    out = build_report(two_runs, tmp_path / "out" / "report.html", store=FakeStore())
    return out.read_text(encoding="utf-8")


def _data(text: str) -> dict:
    m = re.search(r'<script type="application/json" id="salessim-data">(.*?)</script>', text, re.S)
    assert m, "the data block is missing"
    return json.loads(m.group(1))


class _Collector(HTMLParser):
    """Collects start tags with their attributes and the text of <script> elements."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


# --- leaderboard ------------------------------------------------------------------------------


def test_leaderboard_rows_labels_and_metric_order(two_runs):
    board = build_leaderboard([load_run(p) for p in two_runs])
    assert [r.label for r in board.rows] == ["scripted vs scripted", "scripted[sycophancy=0.8] vs pushy"]
    assert board.metrics[:2] == ["decision_alignment", "decision_alignment_graded"]
    assert "overdisclosure" in board.metrics
    faithful, sycophant = board.rows
    assert faithful.metrics["decision_alignment"]["mean"] == 1.0
    assert sycophant.metrics["decision_alignment"]["mean"] == pytest.approx(1 / 3, abs=1e-3)
    assert sycophant.episodes == 3


def test_leaderboard_markdown(two_runs):
    md = build_leaderboard([load_run(p) for p in two_runs]).to_markdown()
    lines = md.strip().splitlines()
    assert lines[0].startswith("| # | run | n | decision_alignment | decision_alignment_graded |")
    assert set(lines[1]) <= set("|-:")
    assert lines[2].startswith("| 1 | scripted vs scripted | 3 | 1.000 [1.000, 1.000] |")
    assert lines[3].startswith("| 2 | scripted[sycophancy=0.8] vs pushy | 3 | 0.333 [")
    assert all(line.count("|") == lines[0].count("|") for line in lines[:4])
    assert "bootstrap 95%" in md


def test_markdown_escapes_pipes_in_labels(tmp_path):
    run = load_run(make_run_dir(tmp_path, "r", sycophantic=False))
    run.summary.shopper = {"kind": "llm", "model": {"model": "a|b"}}
    md = build_leaderboard([run]).to_markdown()
    assert "llm:a\\|b vs scripted" in md


def test_duplicate_labels_get_the_run_id(tmp_path):
    a = make_run_dir(tmp_path, "a", sycophantic=False)
    b = make_run_dir(tmp_path, "b", sycophantic=False)
    labels = [r.label for r in build_leaderboard([load_run(a), load_run(b)]).rows]
    assert labels == ["scripted vs scripted (run-a)", "scripted vs scripted (run-b)"]


def test_format_cell():
    assert format_cell(None) == "-"
    assert format_cell({"mean": None}) == "-"
    assert format_cell({"mean": 0.5, "low": 0.25, "high": 0.75, "n": 4}, episodes=4) == "0.500 [0.250, 0.750]"
    assert format_cell({"mean": 0.5, "low": 0.25, "high": 0.75, "n": 3}, episodes=4) == "0.500 [0.250, 0.750] (n=3)"


def test_run_label_uses_model_name():
    from pathlib import Path

    from salessim.report.leaderboard import RunData

    summary = RunSummary(episodes=0, shopper={"kind": "llm", "model": {"model": "gpt-x"}}, agent={"kind": "scripted"})
    run = RunData(path=Path("x"), meta={}, summary=summary)
    assert run_label(run) == "llm:gpt-x vs scripted"


def test_summary_is_rebuilt_from_scores_when_missing(tmp_path):
    path = make_run_dir(tmp_path, "r", sycophantic=True)
    (path / "summary.json").unlink()
    run = load_run(path)
    assert run.summary.metrics["decision_alignment"].n == 3
    assert run.summary.run_id == "run-r"  # the fallback summary carries the run id of run.json
    assert build_leaderboard([run]).rows[0].metrics["decision_alignment"]["mean"] == pytest.approx(1 / 3, abs=1e-3)


def test_unscored_run_is_a_clear_error(tmp_path):
    path = make_run_dir(tmp_path, "r", sycophantic=True)
    (path / "summary.json").unlink()
    (path / "scores.jsonl").unlink()
    with pytest.raises(SalesSimError, match="has not been scored.*salessim eval"):
        load_run(path)


def test_missing_run_dir_is_an_error(tmp_path):
    with pytest.raises(SalesSimError, match="does not exist"):
        build_report([tmp_path / "nope"], tmp_path / "r.html", store=FakeStore())
    with pytest.raises(SalesSimError, match="no run directory"):
        build_report([], tmp_path / "r.html", store=FakeStore())


# --- HTML: safety -----------------------------------------------------------------------------


def test_embed_json_cannot_close_the_script_block():
    payload = {"t": "</script><script>alert(1)</script><!-- & \u2028"}
    text = embed_json(payload)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == payload


def test_model_text_never_appears_unescaped(report_text):
    # the only <script> elements are the data block and the page script
    parser = _Collector()
    parser.feed(report_text)
    scripts = [attrs for tag, attrs in parser.tags if tag == "script"]
    assert scripts == [{"type": "application/json", "id": "salessim-data"}, {}]
    assert XSS not in report_text and XSS_IMG not in report_text and "<img" not in report_text
    assert "window.__pwned" not in parser.scripts[1]  # the page script holds no run text
    # ...while the text itself travels intact in the data
    data = _data(report_text)
    texts = [m["text"] for e in data["episodes"] for m in e["msgs"]]
    assert any(XSS in t for t in texts)


def test_server_side_text_is_escaped(report_text):
    # persona names and product names hold markup; metric explanations too
    assert "<i>" not in report_text.split('id="salessim-data"')[0]
    assert "<b>bold</b>" not in report_text
    data = _data(report_text)
    assert data["products"]["lap-1"]["name"] == "Aero <b>14</b>"
    assert data["personas"]["pp-student"]["name"] == "Name of pp-student <i>"


def test_page_script_never_parses_data_as_html():
    from importlib import resources

    js = resources.files("salessim.report").joinpath("templates", "report.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in js, sink


def test_self_contained(report_text):
    parser = _Collector()
    parser.feed(report_text)
    for tag, attrs in parser.tags:
        for key in ("src", "href", "action", "data", "poster"):
            value = (attrs.get(key) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//")), (tag, key, value)
        assert not (tag == "link" and attrs.get("rel") == "stylesheet"), "external stylesheet"
        assert not (tag == "script" and attrs.get("src")), "external script"
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", report_text, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", report_text, re.I)
    assert "@import" not in report_text
    assert "default-src 'none'" in report_text  # CSP: the page cannot load anything


def test_images_embedded_once_and_only_presented_products(two_runs, tmp_path):
    store = FakeStore()
    out = build_report(two_runs, tmp_path / "r.html", store=store)
    data = _data(out.read_text())
    presented = {pid for e in data["episodes"] for pid in e["prods"]}
    assert set(data["images"]) == presented == {"lap-1", "lap-2", "hp-1"}
    assert sorted(store.image_calls) == sorted(presented)  # drawn once each
    assert all(url.startswith("data:image/") for url in data["images"].values())
    text = out.read_text()
    for url in data["images"].values():
        assert text.count(url) == 1
    # visual-only attributes are marked
    attrs = {a[0]: a for a in data["products"]["lap-1"]["attrs"]}
    assert attrs["color"][2] is True and attrs["price"][2] is False
    assert attrs["price"][1] == "700 USD"


def test_report_without_store_still_works(two_runs):
    runs = [load_run(p) for p in two_runs]
    text = render_report(runs, store=None)
    data = _data(text)
    assert data["images"] == {} and data["products"] == {}
    assert "No store was available" in text


# --- HTML: content ----------------------------------------------------------------------------


def test_sections_and_plots(report_text):
    assert report_text.count('class="lb-row"') == 2
    assert 'id="metric-bars"' in report_text
    assert report_text.count('<rect class="bar"') >= 6  # 3 metrics x 2 runs
    assert 'class="whisker"' in report_text
    assert "Profile per run across metrics" in report_text
    assert "bought_dealbreaker_violation" in report_text and 'class="bar segment"' in report_text
    assert "overdisclosure: mean per shopper turn" in report_text
    assert 'id="per-turn-note"' not in report_text
    for slice_title in ("Decision alignment by category", "Decision alignment by archetype", "Terminations"):
        assert slice_title in report_text


def test_drill_down_data(report_text):
    data = _data(report_text)
    assert [r["label"] for r in data["runs"]] == ["scripted vs scripted", "scripted[sycophancy=0.8] vs pushy"]
    eps = data["episodes"]
    assert len(eps) == 6
    bad = [e for e in eps if e["r"] == 1 and e["persona"] == "pp-student"][0]
    assert bad["fail"] == "bought_dealbreaker_violation" and bad["da"] == 0.0
    assert bad["dec"] == "buy" and bad["pid"] == "lap-2" and bad["cat"] == "laptops" and bad["arch"] == "student"
    assert {m["name"] for m in bad["metrics"]} == {"decision_alignment", "overdisclosure"}
    assert bad["metrics"][0]["name"] == "decision_alignment"
    roles = [m["role"] for m in bad["msgs"]]
    assert roles[:3] == ["shopper", "agent", "tool"]
    assert bad["msgs"][1]["calls"][0]["name"] == "search_products"
    assert {e["fail"] for e in eps} == {"aligned", "bought_dealbreaker_violation", "left_with_valid_option"}


def test_per_turn_plot_is_omitted_with_a_note(tmp_path):
    path = make_run_dir(tmp_path, "r", sycophantic=False)
    lines = []
    for line in (path / "scores.jsonl").read_text().splitlines():
        row = json.loads(line)
        row["results"].pop("overdisclosure")
        lines.append(json.dumps(row))
    (path / "scores.jsonl").write_text("\n".join(lines) + "\n")
    text = render_report([load_run(path)], store=FakeStore())
    assert 'id="per-turn-note"' in text
    assert "mean per shopper turn" not in text


def test_drill_down_is_capped_with_a_note(two_runs):
    runs = [load_run(p) for p in two_runs]
    text = render_report(runs, store=FakeStore(), max_episodes=4)
    data = _data(text)
    assert len(data["episodes"]) == 4
    assert {e["r"] for e in data["episodes"]} == {0, 1}  # the cap is shared between runs
    assert 'id="cap-note"' in text and "first 4 of 6 episodes" in text
    full = render_report(runs, store=FakeStore())
    assert 'id="cap-note"' not in full


def test_svg_helpers_escape_labels():
    out = svg.interval_bars("<t>", ["<a>"], [0.5], [0.4], [0.6], ["#000"])
    assert "<t>" not in out and "&lt;t&gt;" in out and "&lt;a&gt;" in out
    out = svg.stacked_bars("x", ["<r>"], ["<s>"], [[1]], ["#000"])
    assert "<r>" not in out and "<s>" not in out
    out = svg.line_chart("x", [svg.Series("<l>", "#000", [1, None, 2])])
    assert "<l>" not in out and out.count("<circle") == 2
    assert "n/a" in svg.interval_bars("x", ["a"], [None], [None], [None], ["#000"])


# --- CLI --------------------------------------------------------------------------------------


def _cli(args):
    from salessim.cli import app

    return CliRunner().invoke(app, args)


def test_cli_report_prints_table_and_writes_html(two_runs, tmp_path, monkeypatch):
    import salessim.report.html as html_mod

    monkeypatch.setattr(html_mod, "_default_store", lambda notes: FakeStore())
    monkeypatch.setenv("COLUMNS", "250")
    out = tmp_path / "rep.html"
    res = _cli(["report", *map(str, two_runs), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.is_file()
    assert "SalesSim leaderboard: mean [bootstrap 95% CI]" in res.output
    assert "scripted[sycophancy=0.8] vs pushy" in res.output
    assert "decision_alignment" in res.output and "1.000 [1.000, 1.000]" in res.output
    assert f"report: {out}" in res.output


def test_cli_report_markdown(two_runs, tmp_path, monkeypatch):
    import salessim.report.html as html_mod

    monkeypatch.setattr(html_mod, "_default_store", lambda notes: FakeStore())
    res = _cli(["report", *map(str, two_runs), "--out", str(tmp_path / "r.html"), "--markdown"])
    assert res.exit_code == 0, res.output
    assert "| # | run | n | decision_alignment |" in res.output
    assert "| 2 | scripted[sycophancy=0.8] vs pushy | 3 |" in res.output


def test_cli_missing_run_dir_is_one_line_exit_2(tmp_path, capsys):
    from salessim.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["report", str(tmp_path / "missing"), "--out", str(tmp_path / "r.html")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "does not exist" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r.html").exists()


def test_cli_not_a_run_dir(tmp_path, capsys):
    from salessim.cli import main

    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit) as exc:
        main(["report", str(tmp_path / "empty")])
    assert exc.value.code == 2
    assert "not a SalesSim run directory" in capsys.readouterr().err


def test_cli_out_is_a_directory(two_runs, tmp_path, capsys, monkeypatch):
    import salessim.report.html as html_mod
    from salessim.cli import main

    monkeypatch.setattr(html_mod, "_default_store", lambda notes: FakeStore())
    with pytest.raises(SystemExit) as exc:
        main(["report", str(two_runs[0]), "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert "is a directory" in capsys.readouterr().err


def test_run_level_figures_are_listed_and_escaped(two_runs):
    runs = [load_run(p) for p in two_runs]
    runs[0].summary.lexical = {"tokens": 1200, "pooled": {"mtld": {"mean": 41.5, "low": 40.0, "high": 43.0}},
                                  "unit": "tokens <t>", "budgets": [500, 1000]}
    runs[1].summary.judges = {"trait_fidelity": {"skipped": "no --judge-model"}}
    text = render_report(runs, store=FakeStore())
    table = text.split('class="slices run-level"')[1].split("</table>")[0]
    assert "<td>lexical.tokens</td>" in table and ">1200<" in table
    assert "lexical.pooled.mtld" in table and "41.500 [40.000, 43.000]" in table
    assert "tokens &lt;t&gt;" in table and "<t>" not in table
    assert "500, 1000" in table
    assert "judges.trait_fidelity.skipped" in table and "no --judge-model" in table


def test_large_images_are_shrunk_small_ones_kept():
    import base64
    import io

    from PIL import Image

    from salessim.report.drilldown import image_data_url

    def png(w, h):
        buf = io.BytesIO()
        Image.new("RGB", (w, h), (10, 20, 30)).save(buf, format="PNG")
        return buf.getvalue()

    small = png(64, 48)
    assert image_data_url(small) == "data:image/png;base64," + base64.b64encode(small).decode()
    big = image_data_url(png(1200, 900))
    raw = base64.b64decode(big.split(",", 1)[1])
    assert max(Image.open(io.BytesIO(raw)).size) <= 360
    assert image_data_url(b"") is None
    assert image_data_url(b"not an image").startswith("data:image/png;base64,")


def test_metrics_without_values_are_not_plotted(two_runs):
    runs = [load_run(p) for p in two_runs]
    for run in runs:
        run.summary.metrics["trait_fidelity"] = MetricSummary(mean=None, low=None, high=None, n=0, not_scored=3)
    text = render_report(runs, store=FakeStore())
    assert 'id="unscored-note"' in text and "trait_fidelity" in text.split('id="unscored-note"')[1][:200]
    bars = text.split('id="metric-bars"')[1].split("</div>")[0]
    assert "trait_fidelity" not in bars
    assert "<th class=\"num\">trait_fidelity</th>" in text  # still a leaderboard column
