"""Shopper simulators: the scripted, persona-faithful reference shopper and its flaw knobs.

- :class:`ScriptedShopper` — the oracle (no flaws) or a deliberately flawed variant.
- :class:`Flaws`, :func:`parse_flaws` — the flaw probabilities and their ``name=p,...`` parser.
- :func:`make_scripted_shopper` builds one from flaws given as an object, a dict, a text or None.
"""

from salessim.shoppers.flaws import FLAW_NAMES, Flaws, coerce_flaws, parse_flaws
from salessim.shoppers.scripted import ScriptedShopper, make_scripted_shopper

__all__ = ["FLAW_NAMES", "Flaws", "ScriptedShopper", "coerce_flaws", "make_scripted_shopper", "parse_flaws"]
