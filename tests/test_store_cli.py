"""``salessim store`` commands: output, files written, and one-line errors with exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml
from typer.testing import CliRunner

from salessim.cli.store_cmd import app, parse_filter_options
from salessim.errors import SalesSimError

runner = CliRunner()


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESSIM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "200")


def run(*args: str):
    return runner.invoke(app, list(args))


def test_help_for_every_command():
    for command in ("search", "show", "image", "categories", "validate"):
        result = run(command, "--help")
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output
    assert "search" in run("--help").output


def test_search_table():
    result = run("search", "light laptop", "--filter", "max_price=900", "-f", "os=Windows,ChromeOS", "--limit", "3")
    assert result.exit_code == 0, result.output
    assert "laptops matches" in result.output and "lap-" in result.output and "score" in result.output
    assert "color" not in result.output


def test_search_other_category_empty_query():
    result = run("search", "--category", "headphones", "-f", "wireless=false", "-n", "20")
    assert result.exit_code == 0, result.output
    assert "hph-" in result.output and "wireless=no" in result.output and "wireless=yes" not in result.output


def test_show_marks_visual_attributes():
    result = run("show", "lap-001")
    assert result.exit_code == 0, result.output
    assert "color" in result.output and "visual only" in result.output and "ram_gb" in result.output


def test_image_writes_png(tmp_path):
    out = tmp_path / "pics" / "p.png"
    result = run("image", "phn-001", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG")


def test_categories_and_validate():
    result = run("categories")
    assert result.exit_code == 0 and "laptops" in result.output and "color*" in result.output
    result = run("validate")
    assert result.exit_code == 0 and result.output.startswith("OK:")


def test_errors_raise_salessim_error(tmp_path):
    assert isinstance(run("show", "nope").exception, SalesSimError)
    assert isinstance(run("search", "x", "-c", "shoes").exception, SalesSimError)
    assert isinstance(run("search", "x", "-f", "color=red").exception, SalesSimError)
    assert isinstance(run("image", "nope").exception, SalesSimError)
    bad = tmp_path / "cat"
    bad.mkdir()
    (bad / "laptops.yaml").write_text(yaml.safe_dump([{"id": "lap-017", "category": "laptops", "name": "x",
                                                       "description": "y", "attributes": {"ram_gb": "sixteen"}}]))
    exc = run("validate", "--catalog-dir", str(bad)).exception
    assert isinstance(exc, SalesSimError) and "laptops.yaml: lap-017: ram_gb: expected a number" in str(exc)


def test_parse_filter_options():
    assert parse_filter_options(["max_price=800", "brand=Dell,HP", "os = Windows"]) == \
        {"max_price": "800", "brand": ["Dell", "HP"], "os": "Windows"}
    for bad in ("max_price", "=3", "os="):
        with pytest.raises(SalesSimError, match="expected KEY=VALUE"):
            parse_filter_options([bad])


@pytest.mark.parametrize("argv, message", [
    (["store", "search", "x", "--filter", "colour=red"], "shown only in product pictures"),
    (["store", "show", "lap-0001"], "unknown product id 'lap-0001'"),
])
def test_main_prints_one_line_and_exits_2(argv, message, tmp_path):
    env = {**os.environ, "SALESSIM_CACHE_DIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", "from salessim.cli import main; main()", *argv],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
