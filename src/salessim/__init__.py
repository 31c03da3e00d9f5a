"""SalesSim: a testbed for LLM and multimodal-LLM shopper simulators in online retail."""

__version__ = "0.1.0"
