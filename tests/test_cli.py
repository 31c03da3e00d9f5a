"""The command line as a user meets it: help texts, one-line errors with exit code 2, a small run."""

import json
import subprocess
import sys

import pytest


def salessim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "salessim", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def one_line_error(proc):
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


@pytest.mark.parametrize("cmd", [[], ["run"], ["eval"], ["store"], ["personas"], ["report"], ["import-official"],
                                 ["import-reference"], ["play"], ["train"], ["train", "sft"], ["train", "grpo"],
                                 ["sweep"], ["export"], ["plugins"], ["metrics", "list"]])
def test_every_command_has_help(cmd):
    proc = salessim(*cmd, "--help")
    assert proc.returncode == 0 and "Usage" in proc.stdout


def test_missing_run_directory(tmp_path):
    line = one_line_error(salessim("eval", str(tmp_path / "nope")))
    assert "nope" in line and "does not exist" in line


def test_malformed_persona_file(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x1", "archetype": "a", "category": "laptops"}\n')
    line = one_line_error(salessim("run", "--personas", str(bad), "--split", "all", "--out", str(tmp_path / "r")))
    assert "bad.jsonl" in line and "x1" in line


def test_invalid_criterion(tmp_path):
    from salessim.personas import load_personas

    p = load_personas(split="test")[0].model_dump(mode="json")
    p["criteria"][0]["op"] = "~="
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(p) + "\n")
    line = one_line_error(salessim("run", "--personas", str(bad), "--split", "all", "--out", str(tmp_path / "r")))
    assert "bad.jsonl" in line and p["id"] in line and "op" in line


def test_unknown_category(tmp_path):
    from salessim.personas import load_personas

    p = load_personas(split="test")[0].model_dump(mode="json")
    p["category"] = "toasters"
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(p) + "\n")
    line = one_line_error(salessim("run", "--personas", str(bad), "--split", "all", "--out", str(tmp_path / "r")))
    assert "toasters" in line


def test_bad_flaw_and_bad_agent(tmp_path):
    line = one_line_error(salessim("run", "--shopper-flaws", "gullible=0.5", "--out", str(tmp_path / "r")))
    assert "gullible" in line
    line = one_line_error(salessim("run", "--agent", "rude", "--limit", "1", "--out", str(tmp_path / "r2")))
    assert "rude" in line


def test_missing_hf_checkpoint_fails_before_simulating(tmp_path):
    proc = salessim("run", "--shopper", f"hf:{tmp_path / 'nope'}", "--out", str(tmp_path / "r"))
    assert "no checkpoint directory" in one_line_error(proc)
    assert "simulating" not in proc.stdout and not (tmp_path / "r").exists()


def test_small_run_then_eval(tmp_path):
    out = tmp_path / "run"
    proc = salessim("run", "--limit", "6", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "decision alignment" in proc.stdout and "failure kinds" in proc.stdout
    assert len((out / "episodes.jsonl").read_text().splitlines()) == 6
    proc = salessim("eval", str(out))
    assert proc.returncode == 0 and "decision alignment" in proc.stdout
