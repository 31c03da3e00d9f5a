"""The seeded persona generator: archetypes x criteria x Big-Five levels x emotions x profiles.

``generate_personas(n, seed)`` is deterministic for a seed. It

1. splits ``n`` over the categories (laptops 60%, headphones 20%, smartphones 20% by default) and
   evenly over each category's archetypes;
2. marks about ``infeasible_share`` of each archetype's personas to be built *infeasible* on purpose:
   dealbreakers that are each satisfiable but that no single product meets together (drawn from the
   pool, or a numeric dealbreaker tightened just past what the catalog offers), so the aligned move is
   to leave;
3. draws 2-5 criteria from the archetype's pool (1-3 dealbreakers, the rest weighted preferences),
   rejecting draws that are vacuous (met by every product) or trivial (every product ideal, or more
   than a quarter of the category ideal);
4. adds natural-language phrasings per criterion from :mod:`salessim.nlu.phrase` when available;
5. labels each persona (``feasible``, ``ideal_product_ids``) over the whole category catalog and
   splits train/test deterministically, stratified by archetype and feasibility.

Persona ids are stable for a given ``n``/``seed``: ``<category prefix>-<archetype>-<nnnn>``,
e.g. ``lap-student-0007``. Steps 2 and 3 (drawing criteria against the catalog) are in
:mod:`salessim.personas.drawing`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from salessim.errors import SalesSimError
from salessim.nlu.phrase import phrasings
from salessim.personas.archetype import Archetype
from salessim.personas.checks import load_category_schemas
from salessim.personas.drawing import Evaluator, draw_feasible, draw_infeasible
from salessim.personas.labels import compute_labels
from salessim.personas.library import load_archetypes, load_surnames
from salessim.schema import (
    LEVELS,
    TRAITS,
    BigFive,
    CategorySchema,
    Criterion,
    Persona,
    Product,
    Profile,
)
from salessim.store import load_catalog

CATEGORY_ORDER: tuple[str, ...] = ("laptops", "headphones", "smartphones")
CATEGORY_WEIGHTS: dict[str, float] = {"laptops": 3.0, "headphones": 1.0, "smartphones": 1.0}
CATEGORY_PREFIXES: dict[str, str] = {"laptops": "lap", "headphones": "hp", "smartphones": "ph"}
DEFAULT_N = 400
DEFAULT_SEED = 2026
DEFAULT_TEST_FRACTION = 0.5
DEFAULT_INFEASIBLE_SHARE = 0.15
_LEVEL_OFFSETS = (-2, -1, 0, 1, 2)
_LEVEL_OFFSET_WEIGHTS = (0.06, 0.22, 0.44, 0.22, 0.06)

PhraseFn = Callable[..., list[str]]


def category_prefix(category: str) -> str:
    """The short id prefix of a category (``lap``, ``hp``, ``ph``; else its first three letters)."""
    return CATEGORY_PREFIXES.get(category, category[:3])


def nlu_phrasings() -> PhraseFn:
    """``salessim.nlu.phrase.phrasings``, the phrase function personas are generated with."""
    return phrasings


def allocate(n: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Split ``n`` over keys proportionally to ``weights`` (largest remainder, ties in key order)."""
    total = sum(weights.values())
    if n < 0 or total <= 0:
        raise SalesSimError("cannot allocate personas: n must be >= 0 and some weight positive")
    exact = {k: n * w / total for k, w in weights.items()}
    counts = {k: int(math.floor(v)) for k, v in exact.items()}
    order = sorted(weights, key=lambda k: (-(exact[k] - counts[k]), list(weights).index(k)))
    for k in order[: n - sum(counts.values())]:
        counts[k] += 1
    return counts


def _systematic(count: int, fraction: float) -> list[bool]:
    """``count`` flags, ``round(count * fraction)`` of them True, spread evenly."""
    return [math.floor((j + 1) * fraction + 0.5) > math.floor(j * fraction + 0.5) for j in range(count)]


@dataclass(frozen=True)
class Slot:
    """One persona to generate: its archetype, its index within the archetype and the target label."""

    archetype: Archetype
    index: int
    infeasible: bool

    @property
    def persona_id(self) -> str:
        """The stable persona id, e.g. ``lap-student-0007``."""
        return f"{category_prefix(self.archetype.category)}-{self.archetype.id}-{self.index:04d}"


def plan(n: int, archetypes: Sequence[Archetype], categories: Sequence[str], rng: random.Random,
         infeasible_share: float = DEFAULT_INFEASIBLE_SHARE) -> list[Slot]:
    """The list of personas to generate: ``n`` spread over categories, archetypes and target labels."""
    weights = {c: CATEGORY_WEIGHTS.get(c, 1.0) for c in categories}
    per_category = allocate(n, weights)
    slots: list[Slot] = []
    ordered: list[tuple[Archetype, int]] = []
    for category in categories:
        archs = [a for a in archetypes if a.category == category]
        if not archs:
            raise SalesSimError(f"no archetypes for category '{category}'")
        per_arch = allocate(per_category[category], {a.id: 1.0 for a in archs})
        ordered.extend((a, per_arch[a.id]) for a in archs)
    flags = _systematic(n, infeasible_share)
    pos = 0
    for arch, count in ordered:
        local = flags[pos: pos + count]
        pos += count
        rng.shuffle(local)
        slots.extend(Slot(arch, i, local[i]) for i in range(count))
    return slots


# ---------------------------------------------------------------------------------- personas


def _level(tendency: str, rng: random.Random) -> str:
    offset = rng.choices(_LEVEL_OFFSETS, weights=_LEVEL_OFFSET_WEIGHTS)[0]
    return LEVELS[min(len(LEVELS) - 1, max(0, LEVELS.index(tendency) + offset))]


def _profile(arch: Archetype, rng: random.Random, surnames: Sequence[str]) -> Profile:
    t = arch.profile
    levels = list(t.knowledge_levels)
    knowledge = rng.choices(levels, weights=[t.knowledge_levels[k] for k in levels])[0]
    name = f"{rng.choice(t.names)} {rng.choice(list(surnames))}" if surnames else rng.choice(t.names)
    return Profile(name=name, age=rng.randint(*t.age), background=rng.choice(t.backgrounds),
                   knowledge_level=knowledge, speaking_style=rng.choice(t.speaking_styles))


def _add_phrasings(criteria: list[Criterion], category: str, knowledge: str, phrase: PhraseFn | None,
                   seed: int, persona_id: str) -> list[Criterion]:
    if phrase is None:
        return criteria
    out = []
    for i, c in enumerate(criteria):
        rng = random.Random(f"salessim-phrase/{seed}/{persona_id}/{i}")
        texts = [t for t in phrase(c, category, knowledge, rng, n=3) if isinstance(t, str) and t.strip()]
        out.append(c.model_copy(update={"phrasings": list(dict.fromkeys(texts))}))
    return out


def generate_persona(slot: Slot, seed: int, products: Sequence[Product], *, surnames: Sequence[str] = (),
                     schema: CategorySchema | None = None, phrase: PhraseFn | None = None,
                     evaluator: Evaluator | None = None) -> Persona:
    """Generate the persona of one ``slot`` (deterministic for ``seed`` and the slot's persona id)."""
    arch = slot.archetype
    pid = slot.persona_id
    rng = random.Random(f"salessim-persona/{seed}/{pid}")
    ev = evaluator or Evaluator([p for p in products if p.category == arch.category])
    if not ev.products:
        raise SalesSimError(f"the catalog has no products of category '{arch.category}'")
    profile = _profile(arch, rng, surnames)
    big_five = BigFive(**{t: _level(getattr(arch.big_five, t), rng) for t in TRAITS})
    emotion = rng.choice(arch.emotions)
    goal = rng.choice(arch.goals)
    uses = rng.sample(arch.uses, k=min(len(arch.uses), rng.choice((2, 3))))
    criteria = draw_infeasible(arch, rng, ev, schema) if slot.infeasible else None
    if criteria is None:
        criteria = draw_feasible(arch, rng, ev)
    criteria = _add_phrasings(criteria, arch.category, profile.knowledge_level, phrase, seed, pid)
    persona = Persona(id=pid, archetype=arch.id, category=arch.category, profile=profile, big_five=big_five,
                      emotion=emotion, goal=goal, uses=uses, criteria=criteria)
    feasible, ideal = compute_labels(persona, ev.products)
    return persona.model_copy(update={"feasible": feasible, "ideal_product_ids": ideal})


def assign_splits(personas: Sequence[Persona], test_fraction: float, rng: random.Random) -> list[Persona]:
    """Split train/test, stratified by archetype and feasibility (order of ``personas`` is kept)."""
    if not 0.0 <= test_fraction <= 1.0:
        raise SalesSimError(f"test fraction must be between 0 and 1, got {test_fraction}")
    f = test_fraction

    def rnd(x: float) -> int:
        """Systematic rounding of a cumulative count's share."""
        return math.floor(x * f + 0.5 + 1e-9)

    def fl(x: int) -> int:
        """Floor of a count's share."""
        return math.floor(x * f + 1e-9)

    def ce(x: int) -> int:
        """Ceiling of a count's share."""
        return math.ceil(x * f - 1e-9)

    by_arch: dict[str, tuple[list[int], list[int]]] = {}
    for i, p in enumerate(personas):
        cell = by_arch.setdefault(p.archetype, ([], []))
        cell[0 if p.feasible is False else 1].append(i)
    # test counts per archetype (t) and per archetype's infeasible personas (s): each the floor or
    # ceiling of its share, the infeasible total and the overall total rounded like the whole
    plan_: dict[str, list[int]] = {}
    i_cum = k_cum = s_done = t_done = 0
    for arch, (infeasible, feasible) in by_arch.items():
        i, k = len(infeasible), len(infeasible) + len(feasible)
        i_cum += i
        k_cum += k
        s = rnd(i_cum) - s_done
        s_done += s
        lo, hi = max(fl(k), s + fl(k - i)), min(ce(k), s + ce(k - i))
        t = min(max(rnd(k_cum) - t_done, lo), hi)
        t_done += t
        plan_[arch] = [s, t]
    target = rnd(len(personas))
    while t_done != target:  # settle rounding drift left by the clamps (s may move by one)
        step = 1 if t_done < target else -1
        for arch, (infeasible, feasible) in by_arch.items():
            i, k = len(infeasible), len(infeasible) + len(feasible)
            s, t = plan_[arch]
            if not fl(k) <= t + step <= ce(k):
                continue
            options = [x for x in (s, s + step, s - step)
                       if fl(i) <= x <= ce(i) and fl(k - i) <= t + step - x <= ce(k - i)]
            if options:
                plan_[arch] = [options[0], t + step]
                t_done += step
                break
        else:
            break
    split: dict[int, str] = {}
    for arch, (infeasible, feasible) in by_arch.items():
        s, t = plan_[arch]
        infeasible, feasible = list(infeasible), list(feasible)
        rng.shuffle(infeasible)
        rng.shuffle(feasible)
        for j, idx in enumerate(infeasible):
            split[idx] = "test" if j < s else "train"
        for j, idx in enumerate(feasible):
            split[idx] = "test" if j < t - s else "train"
    return [p.model_copy(update={"split": split[i]}) for i, p in enumerate(personas)]


def load_catalog_products(categories: Sequence[str]) -> dict[str, list[Product]]:
    """Products of ``categories`` from the built-in store catalog."""

    catalog = load_catalog()
    return {c: list(catalog.products(c)) for c in categories}


def check_parameters(n: int, test_fraction: float = DEFAULT_TEST_FRACTION,
                     infeasible_share: float = DEFAULT_INFEASIBLE_SHARE) -> None:
    """Raise :class:`SalesSimError` for a count or share out of range."""
    if n < 1:
        raise SalesSimError(f"the number of personas must be at least 1, got {n}")
    if not 0.0 <= test_fraction <= 1.0:
        raise SalesSimError(f"the test fraction must be between 0 and 1, got {test_fraction}")
    if not 0.0 <= infeasible_share <= 1.0:
        raise SalesSimError(f"the infeasible share must be between 0 and 1, got {infeasible_share}")


def resolve_categories(categories: Sequence[str] | None, archetypes: Sequence[Archetype]) -> list[str]:
    """The categories to generate for: all with archetypes (laptops, headphones, smartphones first)
    when ``categories`` is None, else ``categories`` checked against the archetypes."""
    known = [c for c in CATEGORY_ORDER if any(a.category == c for a in archetypes)]
    known += sorted({a.category for a in archetypes} - set(known))
    if categories is None:
        chosen = known
    else:
        chosen = list(dict.fromkeys(categories))
        unknown = [c for c in chosen if c not in known]
        if unknown:
            raise SalesSimError(f"unknown or archetype-less categories: {', '.join(unknown)}",
                                hint=f"Choose from: {', '.join(known)}.")
    if not chosen:
        raise SalesSimError("no categories to generate personas for")
    return chosen


def generate_personas(n: int = DEFAULT_N, seed: int = DEFAULT_SEED, *, categories: Sequence[str] | None = None,
                      test_fraction: float = DEFAULT_TEST_FRACTION,
                      infeasible_share: float = DEFAULT_INFEASIBLE_SHARE,
                      archetypes: Sequence[Archetype] | None = None, surnames: Sequence[str] | None = None,
                      products_by_category: Mapping[str, Sequence[Product]] | None = None,
                      with_phrasings: bool = True,
                      progress: Callable[[int, int], None] | None = None) -> list[Persona]:
    """Generate ``n`` labelled, split personas, deterministically for ``seed``.

    ``categories`` defaults to every category with archetypes (laptops, headphones, smartphones);
    ``products_by_category`` defaults to the built-in catalog; phrasings come from
    :mod:`salessim.nlu.phrase` when ``with_phrasings`` (else they stay empty).
    ``progress(done, total)`` is called after each persona.
    """
    check_parameters(n, test_fraction, infeasible_share)
    archetypes = list(archetypes) if archetypes is not None else load_archetypes()
    surnames = list(surnames) if surnames is not None else (load_surnames() if archetypes else [])
    categories = resolve_categories(categories, archetypes)
    if products_by_category is None:
        products_by_category = load_catalog_products(categories)
    schemas = load_category_schemas()
    phrase = nlu_phrasings() if with_phrasings else None
    rng = random.Random(seed)
    slots = plan(n, archetypes, categories, rng, infeasible_share)
    evaluators = {c: Evaluator([p for p in products_by_category.get(c, []) if p.category == c]) for c in categories}
    personas = []
    for done, slot in enumerate(slots, start=1):
        category = slot.archetype.category
        personas.append(generate_persona(slot, seed, evaluators[category].products, surnames=surnames,
                                         schema=schemas.get(category), phrase=phrase,
                                         evaluator=evaluators[category]))
        if progress is not None:
            progress(done, len(slots))
    return assign_splits(personas, test_fraction, rng)


def summarize(personas: Sequence[Persona]) -> dict[str, dict[str, int]]:
    """Counts per category (and ``all``): total, feasible, infeasible, unlabeled, test, train."""
    out: dict[str, dict[str, int]] = {}
    for p in personas:
        for key in (p.category, "all"):
            row = out.setdefault(key, {"total": 0, "feasible": 0, "infeasible": 0, "unlabeled": 0, "test": 0, "train": 0})
            row["total"] += 1
            row["feasible" if p.feasible else "unlabeled" if p.feasible is None else "infeasible"] += 1
            if p.split in ("test", "train"):
                row[p.split] += 1
    if "all" in out:
        out["all"] = out.pop("all")
    return out
