"""Tests of the tokenizer and the lexical diversity / similarity measures, with hand-computed cases."""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from fractions import Fraction

import pytest

from salessim.metrics.lexical import (
    cross_similarity,
    distinct_n,
    equal_budget,
    hdd,
    mtld,
    pooled_diversity,
)
from salessim.metrics.text import tokenize

WORDS = [f"w{i}" for i in range(400)]


def varied_tokens(n: int, seed: int = 0, vocab: int = 300) -> list[str]:
    """Zipf-ish text: a few frequent words and a long tail, like real language."""
    rng = random.Random(seed)
    weights = [1.0 / (r + 1) for r in range(vocab)]
    return rng.choices(WORDS[:vocab], weights=weights, k=n)


# ---------------------------------------------------------------------------------------------
# tokenize
# ---------------------------------------------------------------------------------------------


def test_tokenize_basic_rules():
    assert tokenize("Hello, World!") == ["hello", "world"]
    assert tokenize("I can't go; it's fine.") == ["i", "can't", "go", "it's", "fine"]
    assert tokenize("I don\u2019t know") == ["i", "don't", "know"]  # typographic apostrophe
    assert tokenize("under $800, maybe $1,299.99?") == ["under", "800", "maybe", "1299.99"]
    assert tokenize("a 1.5 kg, 2.5GHz i7 with 16GB") == ["a", "1.5", "kg", "2.5ghz", "i7", "with", "16gb"]
    assert tokenize("1,2,3 go") == ["1", "2", "3", "go"]  # not thousands separators
    assert tokenize("a wi-fi, budget-friendly 16-inch") == ["a", "wi-fi", "budget-friendly", "16-inch"]
    assert tokenize("great--really 'quoted' shoppers'") == ["great", "really", "quoted", "shoppers"]
    assert tokenize("snake_case :) \U0001F600 ... ") == ["snake", "case"]
    assert tokenize("ÉCOLE Café") == ["école", "café"]
    assert tokenize("ends with 3.5.") == ["ends", "with", "3.5"]
    assert tokenize("") == []
    assert tokenize("?!.") == []


# ---------------------------------------------------------------------------------------------
# MTLD
# ---------------------------------------------------------------------------------------------


def test_mtld_hand_example_partial_factor():
    # tokens: a a b c d   (threshold 0.72)
    # forward : a -> 1/1; a -> 1/2 = 0.5 <= 0.72: factor 1, reset.
    #           b -> 1/1; c -> 2/2; d -> 3/3 = 1. leftover TTR 1 -> partial (1-1)/0.28 = 0.
    #           factors = 1, MTLD_fwd = 5 / 1 = 5
    # backward: d c b a a: 1/1, 2/2, 3/3, 4/4, 4/5 = 0.8 > 0.72, never a full factor.
    #           partial = (1 - 0.8) / (1 - 0.72) = 0.2 / 0.28 = 5/7; MTLD_bwd = 5 / (5/7) = 7
    # MTLD = (5 + 7) / 2 = 6
    assert mtld(["a", "a", "b", "c", "d"]) == pytest.approx(6.0)


def test_mtld_hand_example_full_factors():
    # x y x y x y: forward x 1/1, y 2/2, x 2/3 = 0.667 <= 0.72 -> factor 1 (reset);
    #   y 1/1, x 2/2, y 2/3 -> factor 2 (reset); nothing left. MTLD_fwd = 6 / 2 = 3.
    # backward is the same pattern (y x y x y x) -> 3. MTLD = 3.
    assert mtld("x y x y x y".split()) == pytest.approx(3.0)


def test_mtld_hand_example_mixed():
    # a b c a b c d  (threshold 0.72)
    # forward : a 1/1, b 2/2, c 3/3, a 3/4 = 0.75, b 3/5 = 0.6 <= 0.72 -> factor 1 (reset);
    #           c 1/1, d 2/2 -> leftover TTR 1, partial 0. factors = 1 -> 7 / 1 = 7
    # backward: d c b a c b a: 1/1, 2/2, 3/3, 4/4, c 4/5 = 0.8, b 4/6 = 0.667 -> factor 1;
    #           a 1/1 -> partial 0. factors = 1 -> 7
    # MTLD = 7
    assert mtld("a b c a b c d".split()) == pytest.approx(7.0)


def test_mtld_threshold_parameter():
    # a a b b with threshold 0.5: forward a 1/1, a 1/2 = 0.5 <= 0.5 -> factor; b 1/1, b 1/2 -> factor.
    # 4 / 2 = 2 in both directions.
    assert mtld(["a", "a", "b", "b"], threshold=0.5) == pytest.approx(2.0)
    # a b a b with threshold 0.5: forward 1/1, 2/2, 2/3, 2/4 = 0.5 -> factor 1, nothing left: 4/1 = 4.
    assert mtld(["a", "b", "a", "b"], threshold=0.5) == pytest.approx(4.0)
    with pytest.raises(ValueError):
        mtld(["a"], threshold=1.0)
    with pytest.raises(ValueError):
        mtld(["a"], threshold=0.0)


def test_mtld_edge_cases():
    assert mtld([]) == 0.0
    # all distinct: no factor at all -> defined as the length
    assert mtld(["a"]) == 1.0
    assert mtld(WORDS[:50]) == 50.0
    # one word repeated: a factor every 2 tokens -> 100 / 50 = 2
    assert mtld(["the"] * 100) == pytest.approx(2.0)


def test_mtld_properties():
    varied = varied_tokens(1000, seed=1)
    assert mtld(varied) > 10 * mtld(["buy"] * 1000)  # about 27.6 vs 2
    assert mtld(WORDS) > mtld(varied)
    # MTLD is (nearly) length-independent: the text twice scores about the same
    assert mtld(varied + varied) == pytest.approx(mtld(varied), rel=0.1)
    # accepts tuples too
    assert mtld(tuple(varied)) == mtld(varied)


def test_mtld_is_fast():
    tokens = varied_tokens(2000, seed=2)
    best = math.inf
    for _ in range(5):
        t0 = time.perf_counter()
        mtld(tokens)
        best = min(best, time.perf_counter() - t0)
    assert best < 0.010, f"mtld on 2,000 tokens took {best * 1000:.1f} ms"


# ---------------------------------------------------------------------------------------------
# HD-D
# ---------------------------------------------------------------------------------------------


def hdd_by_comb(tokens: list[str], s: int) -> float:
    """Direct combinatorial HD-D with exact fractions, the reference for hdd()."""
    n = len(tokens)
    total = Fraction(0)
    for f in Counter(tokens).values():
        total += 1 - Fraction(math.comb(n - f, s), math.comb(n, s))
    return float(total / s)


def test_hdd_hand_example():
    # a a b c, sample of 2 from N = 4: C(4,2) = 6
    # P(a) = 1 - C(2,2)/6 = 5/6; P(b) = P(c) = 1 - C(3,2)/6 = 1/2; sum = 11/6; / 2 = 11/12
    assert hdd(["a", "a", "b", "c"], sample_size=2) == pytest.approx(11 / 12)
    assert hdd(["a", "a", "b", "c"], sample_size=2) == pytest.approx(hdd_by_comb(["a", "a", "b", "c"], 2))


@pytest.mark.parametrize("n,seed", [(42, 0), (60, 1), (137, 2), (500, 3)])
def test_hdd_matches_math_comb(n, seed):
    tokens = varied_tokens(n, seed=seed, vocab=60)
    assert hdd(tokens) == pytest.approx(hdd_by_comb(tokens, 42), rel=1e-9)


def test_hdd_edges_and_properties():
    # shorter than the sample: undefined -> None
    assert hdd(["a"] * 41) is None
    assert hdd([]) is None
    # sample of the whole text: every type is surely drawn -> plain TTR
    toks = ["a", "b", "a", "c"]
    assert hdd(toks, sample_size=4) == pytest.approx(3 / 4)
    # one word repeated -> exactly one type in any sample -> 1/42
    assert hdd(["buy"] * 300) == pytest.approx(1 / 42)
    # all distinct -> every sampled token is new -> 1
    assert hdd(WORDS) == pytest.approx(1.0)
    varied = hdd(varied_tokens(800, seed=4))
    assert 1 / 42 < varied < 1.0
    with pytest.raises(ValueError):
        hdd(toks, sample_size=0)


# ---------------------------------------------------------------------------------------------
# distinct-n
# ---------------------------------------------------------------------------------------------


def test_distinct_n_by_hand():
    lists = [["i", "want", "a", "laptop"], ["i", "want", "a", "phone"]]
    # unigrams: 8 total; distinct {i, want, a, laptop, phone} = 5 -> 5/8
    assert distinct_n(lists, 1) == pytest.approx(5 / 8)
    # bigrams: 3 + 3 = 6; distinct {i want, want a, a laptop, a phone} = 4 -> 4/6
    assert distinct_n(lists, 2) == pytest.approx(4 / 6)
    # bigrams do not cross lists: "laptop i" is never counted
    assert distinct_n([["a", "b"], ["a", "b"]], 2) == pytest.approx(1 / 2)
    assert distinct_n([["a", "b", "a", "b"]], 2) == pytest.approx(2 / 3)
    # lists shorter than n contribute nothing; nothing at all -> 0.0
    assert distinct_n([["a"], ["b", "c", "d"]], 3) == pytest.approx(1.0)
    assert distinct_n([["a"]], 2) == 0.0
    assert distinct_n([], 1) == 0.0


def test_distinct_n_refuses_flat_list():
    with pytest.raises(TypeError):
        distinct_n(["a", "b"], 1)
    with pytest.raises(ValueError):
        distinct_n([["a"]], 0)


# ---------------------------------------------------------------------------------------------
# pooled diversity and equal budgets
# ---------------------------------------------------------------------------------------------

TEMPLATES = [
    "hi i am looking for a {a} laptop under {p} dollars",
    "does it have a {a} screen and good battery life",
    "i need something {a} for {u} and maybe some {u2}",
    "what about the {a} one is it worth {p}",
    "ok i will buy it thanks",
]
ADJ = ["light", "cheap", "fast", "quiet", "sturdy", "bright", "compact", "powerful", "stylish", "rugged"]
USES = ["gaming", "school", "photo editing", "travel", "spreadsheets", "music", "coding", "movies"]


def episodes(n: int, varied: bool, seed: int = 0) -> list[list[str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        if varied:
            # varied personas: each episode has its own vocabulary
            words = rng.sample(WORDS, 40)
            turns = [" ".join(rng.choices(words, k=rng.randint(8, 14))) for _ in range(5)]
        else:
            turns = [
                t.format(a=rng.choice(ADJ[:2]), p=rng.choice(["500", "600"]), u=USES[0], u2=USES[1])
                for t in TEMPLATES
            ]
        out.append(turns)
    return out


def test_pooled_diversity_is_deterministic_and_exact_budget():
    eps = episodes(30, varied=True, seed=1)
    r1 = pooled_diversity(eps, token_budget=500, draws=5, seed=7)
    r2 = pooled_diversity(eps, token_budget=500, draws=5, seed=7)
    assert r1 == r2
    assert r1["draws"] == 5 and len(r1["values"]) == 5
    assert r1["measure"] == "mtld" and r1["token_budget"] == 500
    assert r1["mean"] == pytest.approx(sum(r1["values"]) / 5)
    assert r1["std"] > 0  # different shuffles, different values
    r3 = pooled_diversity(eps, token_budget=500, draws=5, seed=8)
    assert r3["values"] != r1["values"]
    # exactly token_budget tokens are measured: a counting measure sees the budget
    counted = pooled_diversity(eps, token_budget=333, draws=3, measure=lambda toks: float(len(toks)))
    assert counted["values"] == [333.0, 333.0, 333.0] and counted["std"] == 0.0
    assert counted["measure"] == "<lambda>"


def test_pooled_diversity_separates_alike_from_varied_personas():
    alike = episodes(40, varied=False, seed=2)
    varied = episodes(40, varied=True, seed=3)
    budget = equal_budget(alike, varied)
    assert budget == min(
        sum(len(tokenize(t)) for ep in alike for t in ep), sum(len(tokenize(t)) for ep in varied for t in ep)
    )
    for measure in ("mtld", "hdd", "distinct-1", "distinct-2"):
        low = pooled_diversity(alike, budget, draws=4, measure=measure)
        high = pooled_diversity(varied, budget, draws=4, measure=measure)
        assert low["mean"] < high["mean"], measure


def test_pooled_diversity_accepts_flat_turns_and_validates():
    turns = ["one two three", "four five", "six"]
    r = pooled_diversity(turns, token_budget=6, draws=2, measure="distinct-1")
    assert r["values"] == [1.0, 1.0]
    assert r["tokens_available"] == 6
    with pytest.raises(ValueError, match="fewer than token_budget"):
        pooled_diversity(turns, token_budget=7)
    with pytest.raises(ValueError, match="undefined"):
        pooled_diversity(turns, token_budget=6, measure="hdd")  # below HD-D's 42-token sample
    with pytest.raises(ValueError, match="unknown diversity measure"):
        pooled_diversity(turns, token_budget=3, measure="ttr")
    with pytest.raises(TypeError):
        pooled_diversity("one two three", token_budget=3)
    with pytest.raises(ValueError):
        pooled_diversity(turns, token_budget=3, draws=0)


def test_equal_budget():
    assert equal_budget([["a b c", "d"]], ["x y"]) == 2
    assert equal_budget([], ["x y"]) == 0


# ---------------------------------------------------------------------------------------------
# cross similarity
# ---------------------------------------------------------------------------------------------


def cosine_by_hand(texts_by_group, max_n=1):
    vecs = []
    for group in texts_by_group:
        c = Counter()
        for t in group:
            toks = tokenize(t)
            for k in range(1, max_n + 1):
                c.update(tuple(toks[i : i + k]) for i in range(len(toks) - k + 1))
        if c:
            vecs.append(c)
    sims = []
    for i in range(len(vecs)):
        for j in range(i + 1, len(vecs)):
            dot = sum(v * vecs[j].get(k, 0) for k, v in vecs[i].items())
            ni = math.sqrt(sum(v * v for v in vecs[i].values()))
            nj = math.sqrt(sum(v * v for v in vecs[j].values()))
            sims.append(dot / (ni * nj))
    return sum(sims) / len(sims)


def test_cross_similarity_by_hand():
    # groups: A = "a a b" -> (a:2, b:1); B = "a c" -> (a:1, c:1)
    # cos = (2*1) / (sqrt(5) * sqrt(2)) = 2 / sqrt(10) = 0.632456
    assert cross_similarity([["a a b"], ["a c"]]) == pytest.approx(2 / math.sqrt(10))
    # identical groups -> 1; disjoint words -> 0
    assert cross_similarity([["x y"], ["x y"], ["y x"]]) == pytest.approx(1.0)
    assert cross_similarity([["x"], ["y"], ["z"]]) == pytest.approx(0.0)
    # a group's texts are summed: ["a", "a b"] == "a a b"
    assert cross_similarity([["a", "a b"], ["a c"]]) == pytest.approx(2 / math.sqrt(10))


@pytest.mark.parametrize("max_n", [1, 2])
def test_cross_similarity_matches_pairwise(max_n):
    groups = episodes(12, varied=True, seed=5)[:6] + episodes(6, varied=False, seed=6)
    assert cross_similarity(groups, max_n=max_n) == pytest.approx(cosine_by_hand(groups, max_n), rel=1e-9)


def test_cross_similarity_alike_higher_and_edges():
    alike = cross_similarity(episodes(20, varied=False, seed=7))
    varied = cross_similarity(episodes(20, varied=True, seed=8))
    assert alike > varied
    # bigrams make word-order differences count
    assert cross_similarity([["a b"], ["b a"]], max_n=2) < cross_similarity([["a b"], ["b a"]], max_n=1)
    # empty groups are left out; fewer than two groups -> nan
    assert cross_similarity([["a b"], [], ["!!"], ["a b"]]) == pytest.approx(1.0)
    assert math.isnan(cross_similarity([["a b"]]))
    assert math.isnan(cross_similarity([]))
    with pytest.raises(TypeError):
        cross_similarity(["a b", "c d"])


def test_docstring_examples():
    import doctest

    import salessim.metrics.lexical as lexical
    import salessim.metrics.text as text

    for module in (lexical, text):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__
