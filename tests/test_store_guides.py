"""Buying guides: chunking and BM25 lookup of the right section."""

from __future__ import annotations

import pytest

from salessim.errors import DataError, SalesSimError
from salessim.store import GuideChunk, GuideIndex
from salessim.store.guides import MAX_SECTION_CHARS, parse_guide


@pytest.fixture(scope="module")
def guides() -> GuideIndex:
    return GuideIndex()


def test_every_category_has_a_guide_with_several_sections(guides):
    assert guides.categories() == ["headphones", "laptops", "smartphones"]
    for category in guides.categories():
        chunks = guides.chunks(category)
        assert len(guides.titles(category)) >= 10
        assert len({c.id for c in chunks}) == len(chunks)
        assert all(c.category == category and c.id.startswith(category + "/") for c in chunks)
        assert all(0 < len(c.text) <= MAX_SECTION_CHARS for c in chunks)


@pytest.mark.parametrize("category, query, expected", [
    ("laptops", "how much RAM do I need", "laptops/how-much-ram-do-you-need"),
    ("laptops", "mac or windows or chromebook", "laptops/choosing-an-operating-system"),
    ("laptops", "which graphics card for gaming", "laptops/graphics-and-gaming"),
    ("laptops", "laptop for my college classes as a student", "laptops/laptops-for-students"),
    ("laptops", "tablet mode with a pen", "laptops/2-in-1-detachable-and-touch-screens"),
    ("headphones", "earbuds for running at the gym", "headphones/sport-gym-and-water-resistance"),
    ("headphones", "does noise cancelling help on planes", "headphones/noise-cancelling"),
    ("headphones", "wired vs wireless", "headphones/wired-or-wireless"),
    ("smartphones", "iphone or android", "smartphones/ios-iphone-or-android"),
    ("smartphones", "are more megapixels better for photos", "smartphones/cameras-and-megapixels"),
    ("smartphones", "do phones still have a headphone jack", "smartphones/headphone-jack"),
])
def test_lookup_finds_the_right_section(guides, category, query, expected):
    found = guides.lookup(query, category, k=2)
    assert found and found[0].id == expected, [c.id for c in found]
    assert isinstance(found[0], GuideChunk) and found[0].score > 0
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)


def test_lookup_limits_and_misses(guides):
    assert len(guides.lookup("battery", "laptops", k=1)) == 1
    assert guides.lookup("zzzz qqqq", "laptops") == []
    assert guides.lookup("battery", "laptops", k=0) == []
    assert guides.lookup("battery", "laptops") == guides.lookup("battery", "laptops")


def test_unknown_category(guides):
    with pytest.raises(SalesSimError, match="unknown category 'shoes'"):
        guides.lookup("x", "shoes")


def test_parse_guide_splits_long_sections():
    para = "Word " * 150
    md = f"# Guide\n\n## Long one\n\n{para}\n\n{para}\n\n{para}\n\n## Short\n\nJust this.\n"
    chunks = parse_guide(md, "toys")
    assert [c.id for c in chunks] == ["toys/long-one", "toys/long-one-2", "toys/long-one-3", "toys/short"]
    assert chunks[1].title == "Long one"
    with pytest.raises(DataError, match="no '## Section' headings"):
        parse_guide("# Title only\n\nText.\n", "toys")


def test_custom_guides_dir(tmp_path):
    (tmp_path / "laptops.md").write_text("# G\n\n## Fans\n\nQuiet fans matter at night.\n")
    index = GuideIndex(tmp_path, categories=["laptops", "headphones"])
    assert index.lookup("quiet fans", "laptops")[0].id == "laptops/fans"
    assert index.chunks("headphones") == []
