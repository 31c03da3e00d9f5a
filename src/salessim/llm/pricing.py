"""Prices per model and token/cost accounting per role.

The price table maps model-name glob patterns to USD per 1M input/output tokens. The built-in
table (``salessim/data/prices.yaml``) holds *example* list prices; users extend or override it
with their own YAML files (``SALESSIM_PRICES`` or an explicit path). A model no pattern matches
costs 0 and is flagged ``price_known=False`` so reports can say the total is incomplete.

:class:`UsageTracker` sums :class:`ChatResponse` objects into :class:`salessim.schema.Usage`
records per role (shopper, agent, judge).
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable

import yaml

from salessim.errors import DataError
from salessim.llm.protocol import ChatResponse
from salessim.schema.episode import Usage

PRICES_ENV = "SALESSIM_PRICES"


@dataclass(frozen=True)
class ModelPrice:
    """The price of one model-name pattern, in USD per 1M tokens."""

    pattern: str
    input_per_m: float
    output_per_m: float
    source: str = "builtin"

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        """USD cost of a call with these token counts."""
        return (prompt_tokens * self.input_per_m + completion_tokens * self.output_per_m) / 1e6


@dataclass(frozen=True)
class CostEstimate:
    """The cost of one call and whether it rests on a known price."""

    cost_usd: float
    price_known: bool
    pattern: str | None = None


def _specificity(pattern: str) -> int:
    """How many literal (non-wildcard) characters a pattern has."""
    return sum(1 for ch in pattern if ch not in "*?[]")


class PriceTable:
    """An ordered stack of price layers; later layers override earlier ones.

    Within a layer the most specific matching pattern wins; a match in a later layer (a user
    file) beats any match in an earlier one (the built-in examples).
    """

    def __init__(self, layers: Iterable[list[ModelPrice]] = ()):
        self.layers: list[list[ModelPrice]] = [list(layer) for layer in layers]

    def extended(self, prices: list[ModelPrice]) -> "PriceTable":
        """A new table with ``prices`` layered on top of this one."""
        return PriceTable([*self.layers, prices])

    def lookup(self, model: str) -> ModelPrice | None:
        """The price entry for ``model``, or ``None`` when no pattern matches."""
        if not model:
            return None
        names = [model.lower()]
        if "/" in model:
            names.append(model.split("/", 1)[1].lower())
        for layer in reversed(self.layers):
            matches = [
                entry for entry in layer
                if any(fnmatch.fnmatchcase(name, entry.pattern.lower()) for name in names)
            ]
            if matches:
                return max(matches, key=lambda e: _specificity(e.pattern))
        return None

    def cost(self, model: str, prompt_tokens: int, completion_tokens: int) -> CostEstimate:
        """Estimated cost of one call; 0 with ``price_known=False`` for unknown models."""
        entry = self.lookup(model)
        if entry is None:
            return CostEstimate(0.0, False, None)
        return CostEstimate(entry.cost(prompt_tokens, completion_tokens), True, entry.pattern)


def parse_price_file(data: object, *, source: str) -> list[ModelPrice]:
    """Validate the parsed YAML of a price file (``models: {pattern: {input, output}}``)."""
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise DataError("a price file needs a 'models' mapping of pattern -> {input, output}",
                        where=source, hint="See salessim/data/prices.yaml for the format.")
    prices = []
    for pattern, spec in data["models"].items():
        if not isinstance(spec, dict) or "input" not in spec or "output" not in spec:
            raise DataError(f"model pattern {pattern!r} needs numeric 'input' and 'output' "
                            "(USD per 1M tokens)", where=source)
        try:
            inp, out = float(spec["input"]), float(spec["output"])
        except (TypeError, ValueError):
            raise DataError(f"model pattern {pattern!r}: 'input' and 'output' must be numbers",
                            where=source) from None
        if inp < 0 or out < 0:
            raise DataError(f"model pattern {pattern!r}: prices cannot be negative", where=source)
        prices.append(ModelPrice(str(pattern), inp, out, source))
    return prices


def load_price_file(path: str | Path) -> list[ModelPrice]:
    """Read one user price file; a missing or malformed file raises :class:`DataError`."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataError("price file not found", where=str(path),
                        hint=f"Fix the path (from the config or ${PRICES_ENV}).")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataError(f"not valid YAML: {exc}", where=str(path)) from None
    return parse_price_file(data, source=str(path))


@lru_cache(maxsize=1)
def builtin_prices() -> tuple[ModelPrice, ...]:
    """The example prices shipped in ``salessim/data/prices.yaml``."""
    text = (resources.files("salessim") / "data" / "prices.yaml").read_text(encoding="utf-8")
    return tuple(parse_price_file(yaml.safe_load(text), source="salessim/data/prices.yaml"))


def load_price_table(paths: Iterable[str | Path] | str | Path | None = None,
                     *, use_env: bool = True) -> PriceTable:
    """The built-in table, then files from ``$SALESSIM_PRICES`` (``os.pathsep``-separated),
    then ``paths``; each later file overrides the earlier ones."""
    table = PriceTable([list(builtin_prices())])
    files: list[str | Path] = []
    env = os.environ.get(PRICES_ENV, "") if use_env else ""
    files.extend(p for p in env.split(os.pathsep) if p.strip())
    if isinstance(paths, (str, Path)):
        files.append(paths)
    elif paths is not None:
        files.extend(paths)
    for file in files:
        table = table.extended(load_price_file(file))
    return table


def usage_of(response: ChatResponse) -> Usage:
    """One call as a :class:`Usage` record (a cache hit counts as a cached call costing 0;
    ``retries`` = the call's transport attempts after the first)."""
    return Usage(
        calls=1,
        prompt_tokens=response.usage.prompt_tokens,
        completion_tokens=response.usage.completion_tokens,
        cost_usd=0.0 if response.cached else response.cost_usd,
        cached_calls=1 if response.cached else 0,
        retries=max(0, response.attempts - 1),
    )


def sum_usage(records: Iterable[Usage]) -> Usage:
    """The sum of several :class:`Usage` records."""
    total = Usage()
    for record in records:
        total = total.add(record)
    return total


class UsageTracker:
    """Accumulates usage per role over an episode or a run.

    ``track(role, response)`` after every call; ``by_role()`` gives the ``Episode.usage``
    mapping. ``unpriced_models`` lists models whose cost could not be estimated.
    """

    def __init__(self) -> None:
        self._usage: dict[str, Usage] = {}
        self.unpriced_models: set[str] = set()

    def track(self, role: str, response: ChatResponse) -> None:
        """Add one response to ``role``'s totals."""
        self._usage[role] = self._usage.get(role, Usage()).add(usage_of(response))
        if not response.price_known and not response.cached:
            self.unpriced_models.add(response.model or "<unknown>")

    def add(self, role: str, usage: Usage) -> None:
        """Add an already built :class:`Usage` record to ``role``'s totals."""
        self._usage[role] = self._usage.get(role, Usage()).add(usage)

    def by_role(self) -> dict[str, Usage]:
        """A copy of the totals, keyed by role."""
        return {role: usage.model_copy() for role, usage in self._usage.items()}

    def total(self) -> Usage:
        """All roles summed."""
        return sum_usage(self._usage.values())
