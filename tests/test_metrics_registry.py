"""The metric registry: built-in metrics are always there, whatever was registered first; a
user's metric of a built-in's name replaces it; defaults keep the built-in order."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests import readme_figures


def fresh(code: str) -> dict:
    """Run ``code`` in a fresh interpreter (the registry is process-wide) and return its JSON output."""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


PRELUDE = ("import json\n"
           "from salessim.metrics.registry import Metric, register, all_metrics, get_metrics\n"
           "from salessim.schema import MetricResult\n"
           "def mine(e, p, s):\n    return MetricResult(metric='mine', version='1', value=1.0)\n")


def test_register_before_first_use_keeps_every_builtin_metric():
    out = fresh(PRELUDE + "register(Metric('mine', '1', mine, 'a user metric'))\n"
                          "print(json.dumps({'all': sorted(all_metrics()), 'default': [m.name for m in get_metrics()]}))")
    baseline = fresh(PRELUDE + "print(json.dumps({'all': sorted(all_metrics()), "
                               "'default': [m.name for m in get_metrics()]}))")
    assert "decision_alignment" in baseline["all"] and len(baseline["default"]) >= 5
    assert set(out["all"]) == set(baseline["all"]) | {"mine"}
    assert out["default"] == baseline["default"] + ["mine"]  # built-ins first, in their order


def test_user_metric_of_a_builtin_name_replaces_it_whenever_registered():
    out = fresh(PRELUDE + "register(Metric('decision_alignment', '9', mine, 'mine instead'))\n"
                          "m = all_metrics()['decision_alignment']\n"
                          "print(json.dumps({'version': m.version, 'first': get_metrics()[0].name}))")
    assert out == {"version": "9", "first": "decision_alignment"}


def test_readme_figures_check_can_fail(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text("| what | figure | other |\n|---|---|---|\n| the thing | 0.500 | **+1.5 points** |\n")
    monkeypatch.setattr(readme_figures, "README", readme)
    assert readme_figures.readme_figure("the thing") == 0.5
    assert readme_figures.readme_figure("the thing", 2) == 1.5
    readme_figures.assert_near_readme(0.52, "the thing")
    with pytest.raises(AssertionError, match="README.md says 0.500"):
        readme_figures.assert_near_readme(0.6, "the thing")
    with pytest.raises(AssertionError, match="expected one table row"):
        readme_figures.readme_figure("no such row")
