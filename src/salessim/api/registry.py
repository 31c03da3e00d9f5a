"""The registry: how SalesSim finds shoppers, sales agents, metrics and importers.

One mechanism for the four kinds of components (:data:`SHOPPERS`, :data:`AGENTS`, :data:`METRICS`,
:data:`IMPORTERS`); a component is named in a run config, on the command line or in a sweep by a
**spec**:

- a **name**: a built-in (``scripted``, ``pushy``, ``llm``, ``decision_alignment``, ``official``),
  one added with :meth:`ComponentRegistry.register`, or one an installed package declares under
  the entry-point group of its kind (``salessim.shoppers``, ``salessim.agents``,
  ``salessim.metrics``, ``salessim.importers``)::

      [project.entry-points."salessim.agents"]
      polite = "my_pkg.bots:PoliteAgent"

- a ``MODULE:ATTR`` spec: any importable object (``my_pkg.bots:PoliteAgent``), no installation
  needed when the module is importable (on ``sys.path`` or the current directory).

Built-ins are ``module:attr`` strings imported on first use, so importing this module (the
bottom layer) imports no higher layer. A spec that cannot be found or imported is a
:class:`~salessim.errors.SalesSimError` naming it, what was tried and how to fix it.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from salessim.errors import SalesSimError

SPEC_HINT = "Use a registered name, or MODULE:ATTR for your own (e.g. my_pkg.bots:MyAgent)."


def is_spec(text: str) -> bool:
    """True when ``text`` is a ``MODULE:ATTR`` spec (a dotted module, a colon, an attribute)."""
    if ":" not in text:
        return False
    module, _, attr = text.partition(":")
    return bool(module) and bool(attr) and all(p.isidentifier() for p in module.split(".")) and all(
        p.isidentifier() for p in attr.split("."))


def load_spec(spec: str, *, what: str = "object", where: str | None = None) -> Any:
    """Import ``MODULE:ATTR`` and return the attribute. The current directory is searched too,
    as ``python -m`` would."""
    module_name, _, attr = spec.partition(":")
    cwd = str(Path.cwd())
    added = cwd not in sys.path
    if added:
        sys.path.insert(0, cwd)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SalesSimError(f"cannot import module {module_name!r} of the {what} {spec!r} ({exc})", where=where,
                            hint="Install the package that provides it, or run from the directory that holds it.") from None
    except Exception as exc:  # noqa: BLE001 - a plug-in's own import-time failure, shown in one line
        raise SalesSimError(f"importing {module_name!r} for the {what} {spec!r} failed: "
                            f"{type(exc).__name__}: {exc}", where=where) from None
    finally:
        if added and cwd in sys.path:
            sys.path.remove(cwd)
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise SalesSimError(f"module {module_name!r} has no attribute {attr!r} (the {what} {spec!r})",
                                where=where, hint="Check the spelling after the colon.")
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class Entry:
    """A registry entry: its name, where it comes from (``built-in``, ``entry point (dist)``,
    ``registered``) and its target (an object, or a ``module:attr`` string not imported yet)."""

    name: str
    origin: str
    target: Any


class ComponentRegistry:
    """The components of one kind, by name (see the module docstring)."""

    def __init__(self, kind: str, group: str, builtins: dict[str, str]):
        self.kind = kind
        self.group = group
        self._builtins = dict(builtins)
        self._registered: dict[str, Any] = {}
        self._loaded: dict[str, Any] = {}

    def register(self, name: str, target: Any) -> None:
        """Add (or replace) ``name``: an object, or a ``module:attr`` string imported on first use."""
        self._registered[name] = target
        self._loaded.pop(name, None)

    def entries(self) -> dict[str, Entry]:
        """Every name known: built-ins, then installed plug-ins, then registered ones (a later
        source replaces an earlier one of the same name)."""
        out = {name: Entry(name, "built-in", target) for name, target in self._builtins.items()}
        try:
            points = metadata.entry_points(group=self.group)
        except Exception:  # noqa: BLE001 - broken package metadata must not break SalesSim
            points = []
        for ep in points:
            dist = getattr(getattr(ep, "dist", None), "name", None)
            out[ep.name] = Entry(ep.name, f"entry point ({dist})" if dist else "entry point", ep)
        for name, target in self._registered.items():
            out[name] = Entry(name, "registered", target)
        return out

    def names(self) -> list[str]:
        return list(self.entries())

    def get(self, spec: str, *, where: str | None = None) -> Any:
        """The object ``spec`` names: a registry name or ``MODULE:ATTR``."""
        if spec in self._loaded:
            return self._loaded[spec]
        entries = self.entries()
        if spec in entries:
            target = entries[spec].target
            if isinstance(target, metadata.EntryPoint):
                try:
                    obj = target.load()
                except Exception as exc:  # noqa: BLE001 - a plug-in's failure, in one line
                    raise SalesSimError(f"the {self.kind} {spec!r} ({entries[spec].origin}: {target.value}) cannot be "
                                        f"loaded: {type(exc).__name__}: {exc}", where=where,
                                        hint="Reinstall or fix that package.") from None
            elif isinstance(target, str):
                obj = load_spec(target, what=self.kind, where=where)
            else:
                obj = target
        elif is_spec(spec):
            obj = load_spec(spec, what=self.kind, where=where)
        else:
            known = ", ".join(entries) or "(none)"
            raise SalesSimError(f"unknown {self.kind} {spec!r}", where=where,
                                hint=f"Known {self.kind}s: {known}. {SPEC_HINT}")
        self._loaded[spec] = obj
        return obj

    def origin(self, spec: str) -> str:
        """Where ``spec`` comes from, for listings."""
        entry = self.entries().get(spec)
        return entry.origin if entry else ("spec" if is_spec(spec) else "unknown")


def call_with(factory: Callable[..., Any], params: dict[str, Any], **context: Any) -> Any:
    """Call a plug-in class or factory with its ``params`` as keyword arguments, plus those of
    ``context`` (``store``, ``config``) that its signature names."""
    try:
        sig = inspect.signature(factory)
    except (TypeError, ValueError):
        return factory(**params)
    extra = {k: v for k, v in context.items() if k not in params and k in sig.parameters}
    try:
        sig.bind(**params, **extra)
    except TypeError as exc:
        raise SalesSimError(f"the parameters {sorted(params)} do not fit {getattr(factory, '__qualname__', factory)}"
                            f"{sig}: {exc}", where="params",
                            hint="Give the arguments it needs under `params:` in the run config (or "
                                 "--shopper-param/--agent-param), and check the spec names a class or factory.") from None
    return factory(**params, **extra)


SHOPPERS = ComponentRegistry("shopper", "salessim.shoppers", {
    "scripted": "salessim.shoppers.factories:scripted_shopper",
    "llm": "salessim.shoppers.factories:llm_shopper",
    "hf": "salessim.shoppers.factories:hf_shopper",
})
AGENTS = ComponentRegistry("agent", "salessim.agents", {
    "scripted": "salessim.agents.factories:scripted_agent",
    "pushy": "salessim.agents.factories:pushy_agent",
    "llm": "salessim.agents.factories:llm_agent",
})
METRICS = ComponentRegistry("metric", "salessim.metrics", {
    "decision_alignment": "salessim.metrics.decision:METRIC",
    "dealbreaker_disclosure": "salessim.metrics.dealbreaker_disclosure:METRIC",
    "dealbreaker_disclosure_topic": "salessim.metrics.dealbreaker_disclosure:TOPIC_METRIC",
    "overdisclosure": "salessim.metrics.overdisclosure:METRIC",
    "overdisclosure_topic": "salessim.metrics.overdisclosure:TOPIC_METRIC",
    "lexical_diversity": "salessim.metrics.diversity:METRIC",
    "persuasion": "salessim.metrics.persuasion:METRIC",
    "drift": "salessim.metrics.drift:METRIC",
    "simulator_errors": "salessim.metrics.sim_errors:METRIC",
    "ideal_match": "salessim.metrics.ideal_match:METRIC",
    "sell": "salessim.metrics.sell:METRIC",
    "trait_fidelity": "salessim.metrics.judge_specs:TRAIT_FIDELITY",
    "comprehension_realism": "salessim.metrics.judge_specs:COMPREHENSION_REALISM",
    "naturalness": "salessim.metrics.judge_specs:NATURALNESS",
    "judge_decision_alignment": "salessim.metrics.judge_specs:JUDGE_DECISION_ALIGNMENT",
})
IMPORTERS = ComponentRegistry("importer", "salessim.importers", {
    "official": "salessim.importers.official:import_official",
})
REGISTRIES = {"shoppers": SHOPPERS, "agents": AGENTS, "metrics": METRICS, "importers": IMPORTERS}
