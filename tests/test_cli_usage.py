"""Usage errors through the real console script, as a user meets them: one short line on stderr
that names the option (or command or argument), exit code 2, never a traceback; whatever typer and
click versions are installed (typer >= 0.29 bundles its own click as ``typer._click``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).with_name("salessim")


def salessim(*args: str, cwd=None) -> subprocess.CompletedProcess:
    assert SCRIPT.is_file(), f"the console script {SCRIPT} is missing: pip install -e . first"
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def usage_error(proc: subprocess.CompletedProcess) -> str:
    """The single stderr line of a usage error (after checking exit code 2 and no traceback)."""
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr[-2000:]
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-1000:], proc.stderr[-2000:])
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert len(lines[0]) <= 300, lines[0]
    assert lines[0].startswith("error: ")
    assert "simulating" not in proc.stdout  # nothing started
    return lines[0]


BAD_VALUES = [
    (["run", "--seed", "notanumber"], "--seed"),
    (["run", "--limit", "abc"], "--limit"),
    (["run", "--limit", "0"], "--limit"),
    (["run", "--limit", "-3"], "--limit"),
    (["run", "--concurrency", "0"], "--concurrency"),
    (["run", "--concurrency", "-1"], "--concurrency"),
    (["run", "--max-turns", "0"], "--max-turns"),
    (["run", "--episodes-per-persona", "0"], "--episodes-per-persona"),
    (["run", "--temperature", "hot"], "--temperature"),
    (["eval", "somewhere", "--judge-samples", "0"], "--judge-samples"),
    (["report", "somewhere", "--max-episodes", "0"], "--max-episodes"),
    (["store", "search", "laptop", "--limit", "0"], "--limit"),
    (["personas", "generate", "--n", "many"], "--n"),
    (["sweep", "x.yaml", "--workers", "0"], "--workers"),
    (["sweep", "x.yaml", "--shard-size", "none"], "--shard-size"),
    (["sweep", "x.yaml", "--concurrency", "0"], "--concurrency"),
]


@pytest.mark.parametrize("args,option", BAD_VALUES, ids=[" ".join(a) for a, _ in BAD_VALUES])
def test_bad_option_value_is_one_line_naming_the_option(tmp_path, args, option):
    line = usage_error(salessim(*args, cwd=tmp_path))
    assert option in line
    assert "--help" in line  # says where to look for the valid values
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("args,word", [
    (["run", "--bogus"], "--bogus"),
    (["eval", "x", "--no-such-flag"], "--no-such-flag"),
    (["store", "search", "--nope"], "--nope"),
    (["bogus"], "bogus"),
    (["store", "teleport"], "teleport"),
    (["train", "dance"], "dance"),
])
def test_unknown_option_or_command(tmp_path, args, word):
    line = usage_error(salessim(*args, cwd=tmp_path))
    assert word in line


@pytest.mark.parametrize("args,word", [
    (["eval"], "RUN_DIR"),
    (["report"], "RUN_DIRS"),
    (["import-official"], "FILE"),
    (["import-reference"], "FILE"),
    (["run", "--out"], "--out"),
    (["train", "sft"], "--config"),
    (["sweep"], "CONFIG"),
    (["export", "runs/x"], "--out"),
])
def test_missing_argument_or_option_value(tmp_path, args, word):
    line = usage_error(salessim(*args, cwd=tmp_path))
    assert word.lower() in line.lower()


@pytest.mark.parametrize("args", [[], ["store"], ["personas"], ["train"]])
def test_group_without_command_shows_its_help_without_traceback(args):
    proc = salessim(*args)
    assert "Traceback" not in proc.stderr
    assert "Usage" in proc.stdout + proc.stderr
    assert proc.returncode == 2


def test_error_handling_does_not_import_click():
    """salessim never imports ``click`` itself: typer >= 0.29 does not install it (it bundles its own)."""
    code = ("import builtins\n"
            "real = builtins.__import__\n"
            "def guard(name, globals=None, *a, **k):\n"
            "    caller = (globals or {}).get('__name__', '')\n"
            "    if caller.startswith('salessim') and name.split('.')[0] == 'click':\n"
            "        raise ModuleNotFoundError(\"No module named 'click'\")\n"
            "    return real(name, globals, *a, **k)\n"
            "builtins.__import__ = guard\n"
            "from salessim.cli import main\n"
            "main(['run', '--limit', '0'])\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    line = usage_error(proc)
    assert "--limit" in line
