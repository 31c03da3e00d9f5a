"""Importers: bring conversations produced elsewhere into SalesSim run directories so that they can
be scored by SalesSim's metrics (``salessim import-official``)."""

from salessim.importers.official import import_official, read_records

__all__ = ["import_official", "read_records"]
