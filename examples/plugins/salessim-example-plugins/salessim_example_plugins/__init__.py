"""An example SalesSim plug-in package: :class:`~salessim_example_plugins.bots.ImpatientShopper`,
:class:`~salessim_example_plugins.bots.CheapestFirstAgent` and the metric
:data:`~salessim_example_plugins.metrics.TURNS_TO_DECISION`. Install it with
``pip install -e examples/plugins/salessim-example-plugins`` and name them ``impatient``,
``cheapest_first`` and ``turns_to_decision``; or, without installing, by ``MODULE:ATTR``."""
