"""Sales agents: the scripted, catalog-grounded agent and the pushy persuasion probe.

- :class:`ScriptedSalesAgent` (``strategy="helpful"`` or ``"pushy"``)
- :func:`make_scripted_agent` builds one from a strategy name.
"""

from salessim.agents.scripted import STRATEGIES, ScriptedSalesAgent, make_scripted_agent

__all__ = ["STRATEGIES", "ScriptedSalesAgent", "make_scripted_agent"]
