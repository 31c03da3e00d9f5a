"""The offline store: catalog, attribute schemas, search, buying guides, product pictures and the
tools the sales agent and the shopper call. Deterministic; no LLM inside."""

from salessim.store.catalog import (
    Catalog,
    load_catalog,
    load_categories,
    load_product_file,
)
from salessim.store.guides import GuideChunk, GuideIndex
from salessim.store.search import FilterError, ProductSearch, SearchHit, SearchResult
from salessim.store.tools import Store, StoreTools, default_store, load_store

__all__ = [
    "Catalog", "FilterError", "GuideChunk", "GuideIndex", "ProductSearch", "SearchHit", "SearchResult",
    "Store", "StoreTools", "default_store", "load_catalog", "load_categories", "load_product_file", "load_store",
]
