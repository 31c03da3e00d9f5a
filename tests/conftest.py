"""Fixtures shared by the test modules."""

import pytest


@pytest.fixture(scope="session")
def store():
    """The built-in store (catalog, images, guides), loaded once."""
    from salessim.store import default_store

    return default_store()
