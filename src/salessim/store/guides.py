"""Buying guides: Markdown files per category, chunked by section and retrieved with BM25.

A guide is ``salessim/data/guides/<category>.md``: a ``# Title`` line, then ``## Section`` headings
with paragraphs. Each section becomes one chunk (long sections are split into groups of paragraphs),
with an id such as ``laptops/how-much-ram-do-you-need``.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from salessim.errors import DataError, SalesSimError
from salessim.store.text_index import Bm25Index

GUIDES_DIR = Path(__file__).resolve().parent.parent / "data" / "guides"
MAX_SECTION_CHARS = 1200
MAX_CHUNK_CHARS = 900


class GuideChunk(BaseModel):
    """One retrievable piece of a buying guide (``score`` is the BM25 score of the last lookup)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    category: str
    title: str
    text: str
    score: float = 0.0


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "section"


def parse_guide(markdown: str, category: str, source: str = "") -> list[GuideChunk]:
    """Split a Markdown guide into chunks (one per ``##`` section, long sections by paragraphs)."""
    sections: list[tuple[str, list[str]]] = []
    paragraph: list[str] = []

    def _flush() -> None:
        if paragraph and sections:
            sections[-1][1].append(" ".join(line.strip() for line in paragraph))
        paragraph.clear()

    for line in markdown.splitlines():
        if line.startswith("## "):
            _flush()
            sections.append((line[3:].strip(), []))
        elif line.startswith("# "):
            _flush()
        elif not line.strip():
            _flush()
        else:
            paragraph.append(line)
    _flush()
    if not sections:
        raise DataError(f"{source or category + '.md'}: no '## Section' headings found.",
                        hint="A guide needs at least one '## Title' line followed by paragraphs.")
    chunks: list[GuideChunk] = []
    used: set[str] = set()
    for title, paragraphs in sections:
        if not paragraphs:
            continue
        groups: list[list[str]] = []
        if sum(len(p) for p in paragraphs) <= MAX_SECTION_CHARS:
            groups = [paragraphs]
        else:
            for p in paragraphs:
                if groups and sum(len(x) for x in groups[-1]) + len(p) <= MAX_CHUNK_CHARS:
                    groups[-1].append(p)
                else:
                    groups.append([p])
        base = f"{category}/{_slug(title)}"
        for i, group in enumerate(groups):
            cid = base if i == 0 else f"{base}-{i + 1}"
            while cid in used:
                cid += "-x"
            used.add(cid)
            chunks.append(GuideChunk(id=cid, category=category, title=title, text="\n\n".join(group)))
    return chunks


class GuideIndex:
    """The buying guides of every category, indexed lazily per category for BM25 lookup."""

    def __init__(self, guides_dir: str | Path | None = None, categories: list[str] | None = None):
        self.guides_dir = Path(guides_dir) if guides_dir is not None else GUIDES_DIR
        self._known = list(categories) if categories is not None else None
        self._chunks: dict[str, list[GuideChunk]] = {}
        self._index: dict[str, Bm25Index] = {}

    def categories(self) -> list[str]:
        """Categories that have a guide file."""
        if not self.guides_dir.is_dir():
            return []
        return sorted(p.stem for p in self.guides_dir.glob("*.md"))

    def _check_category(self, category: str) -> None:
        known = self._known if self._known is not None else self.categories()
        if category not in known:
            raise SalesSimError(f"unknown category '{category}'.", hint=f"Known categories: {', '.join(known)}.")

    def chunks(self, category: str) -> list[GuideChunk]:
        """All chunks of a category's guide, in document order (empty when it has no guide)."""
        self._check_category(category)
        if category not in self._chunks:
            path = self.guides_dir / f"{category}.md"
            if not path.is_file():
                self._chunks[category] = []
            else:
                self._chunks[category] = parse_guide(path.read_text(encoding="utf-8"), category, path.name)
        return self._chunks[category]

    def titles(self, category: str) -> list[str]:
        """The section titles of a category's guide, in order, without repeats."""
        return list(dict.fromkeys(c.title for c in self.chunks(category)))

    def lookup(self, query: str, category: str, k: int = 2) -> list[GuideChunk]:
        """The ``k`` chunks of ``category``'s guide that best match ``query`` (best first; only chunks
        sharing at least one word with the query; ties keep document order)."""
        chunks = self.chunks(category)
        if not chunks or k <= 0:
            return []
        index = self._index.get(category)
        if index is None:
            # the title counts twice: headings are the best summary of a section
            index = Bm25Index([f"{c.title} {c.title} {c.text}" for c in chunks])
            self._index[category] = index
        scores = index.scores(query)
        order = sorted((i for i in range(len(chunks)) if scores[i] > 0), key=lambda i: (-float(scores[i]), i))
        return [chunks[i].model_copy(update={"score": round(float(scores[i]), 4)}) for i in order[:k]]
