"""The run directory: ``run.json`` (config, versions, hashes, seeds), ``episodes.jsonl`` (the
checkpoint: one finished episode per line, appended as it finishes), ``scores.jsonl`` and
``summary.json``."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import ValidationError

from salessim.errors import SalesSimError
from salessim.schema import Episode, EpisodeScores

RUN_JSON = "run.json"
EPISODES = "episodes.jsonl"
SCORES = "scores.jsonl"
SUMMARY = "summary.json"


def write_json_atomic(path: Path, data) -> None:
    """Write JSON through a temporary file and a rename, so a crash never leaves half a file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
    os.replace(tmp, path)


class RunDir:
    """Reads and writes one run directory."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    @property
    def run_json(self) -> Path:
        return self.path / RUN_JSON

    @property
    def episodes_path(self) -> Path:
        return self.path / EPISODES

    def require(self) -> "RunDir":
        """Fail with a clear error unless this is a run directory."""
        if not self.path.is_dir():
            raise SalesSimError(f"run directory {self.path} does not exist",
                                hint="Pass the --out directory of a `salessim run`.")
        if not self.run_json.is_file():
            raise SalesSimError(f"{self.path} has no {RUN_JSON}: it is not a SalesSim run directory",
                                hint="Pass the --out directory of a `salessim run`.")
        return self

    def read_meta(self) -> dict:
        try:
            return json.loads(self.run_json.read_text())
        except json.JSONDecodeError as exc:
            raise SalesSimError(f"{self.run_json}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc

    def write_meta(self, meta: dict) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.run_json, meta)

    def read_episodes(self, *, repair: bool = False) -> list[Episode]:
        """All finished episodes. A torn last line (the process died mid-write) is dropped, and with
        ``repair`` cut from the file; a bad line elsewhere is an error naming the line."""
        path = self.episodes_path
        if not path.exists():
            return []
        raw = path.read_bytes()
        lines = raw.split(b"\n")
        episodes: list[Episode] = []
        good_bytes = 0
        for i, line in enumerate(lines):
            is_last = i == len(lines) - 1
            if not line.strip():
                good_bytes += len(line) + (0 if is_last else 1)
                continue
            try:
                episodes.append(Episode.model_validate_json(line))
            except (ValidationError, ValueError) as exc:
                if is_last or all(not rest.strip() for rest in lines[i + 1:]):
                    if repair:
                        with open(path, "r+b") as fh:
                            fh.truncate(good_bytes)
                    break
                raise SalesSimError(f"{path}: line {i + 1}: not a valid episode ({str(exc).splitlines()[0]})") from exc
            good_bytes += len(line) + (0 if is_last else 1)
        return episodes

    def rewrite_episodes(self, episodes: list[Episode]) -> None:
        """Replace episodes.jsonl atomically (used by --retry-errors)."""
        tmp = self.episodes_path.with_suffix(".jsonl.tmp")
        with open(tmp, "w") as fh:
            for ep in episodes:
                fh.write(ep.model_dump_json() + "\n")
        os.replace(tmp, self.episodes_path)

    def append_episode(self, fh, episode: Episode) -> None:
        fh.write(episode.model_dump_json() + "\n")
        fh.flush()

    def write_scores(self, scores: list[EpisodeScores]) -> None:
        tmp = (self.path / SCORES).with_suffix(".jsonl.tmp")
        with open(tmp, "w") as fh:
            for s in scores:
                fh.write(s.model_dump_json() + "\n")
        os.replace(tmp, self.path / SCORES)

    def read_scores(self) -> list[EpisodeScores]:
        path = self.path / SCORES
        if not path.exists():
            return []
        return [EpisodeScores.model_validate_json(l) for l in path.read_text().splitlines() if l.strip()]

    def write_summary(self, summary: dict) -> None:
        write_json_atomic(self.path / SUMMARY, summary)

    def read_summary(self) -> dict | None:
        path = self.path / SUMMARY
        return json.loads(path.read_text()) if path.exists() else None
