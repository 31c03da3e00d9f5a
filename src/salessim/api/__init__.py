"""The bottom-layer API every other layer builds on (it imports only ``salessim.schema`` and
``salessim.errors``): what a shopper and a sales agent are, what a metric is, how a run directory
is read and written, what ``summary.json`` holds, and the registry that finds components by name
or ``MODULE:ATTR`` spec. Users extend SalesSim through this API, never by editing the package.

- participants: :class:`Shopper`, :class:`SalesAgent` (protocols), :class:`ShopperBase`,
  :class:`SalesAgentBase` (convenient bases), :class:`Observation`, :class:`ShopperStep`,
  :class:`AgentStep`, :func:`visible_to_shopper`, :func:`visible_to_agent`;
- metrics: :class:`Metric`;
- run directories: :class:`RunDir`; summaries: :class:`RunSummary`;
- the registry: :data:`SHOPPERS`, :data:`AGENTS`, :data:`METRICS`, :data:`IMPORTERS`.
"""

from salessim.api.metric import Metric, as_metric
from salessim.api.participants import (
    AgentStep,
    Observation,
    SalesAgent,
    SalesAgentBase,
    Shopper,
    ShopperBase,
    ShopperStep,
    State,
    visible_to_agent,
    visible_to_shopper,
)
from salessim.api.registry import (
    AGENTS,
    IMPORTERS,
    METRICS,
    REGISTRIES,
    SHOPPERS,
    ComponentRegistry,
    is_spec,
)
from salessim.api.rundir import RunDir
from salessim.api.summary import RunSummary

__all__ = [
    "AGENTS", "AgentStep", "ComponentRegistry", "IMPORTERS", "METRICS", "Metric", "Observation", "REGISTRIES",
    "RunDir", "RunSummary", "SHOPPERS", "SalesAgent", "SalesAgentBase", "Shopper", "ShopperBase", "ShopperStep",
    "State", "as_metric", "is_spec", "visible_to_agent", "visible_to_shopper",
]
