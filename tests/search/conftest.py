import os

import pytest

from search import engines as search
from tests.factories import ProductFactory

BACKENDS = ["database"] + (["elasticsearch"] if os.environ.get("ELASTICSEARCH_URL") else [])


@pytest.fixture(params=BACKENDS)
def backend(request, settings, db):
    """Each contract test runs against the database's own backend (SQLite FTS5
    or PostgreSQL, whichever the suite runs on) and, where ELASTICSEARCH_URL
    points at a real server, against Elasticsearch."""
    search.breaker.close()
    search._external = None
    if request.param == "elasticsearch":
        settings.ELASTICSEARCH_URL = os.environ["ELASTICSEARCH_URL"]
        external = search.external_backend()
        external.begin_rebuild()  # an empty index behind the alias
        external.finish_rebuild()
    else:
        settings.ELASTICSEARCH_URL = ""
    yield request.param
    search._external = None


@pytest.fixture
def make_product(django_capture_on_commit_callbacks):
    """Create a product and run what its commit would run: the indexing task."""

    def make(**fields):
        with django_capture_on_commit_callbacks(execute=True):
            return ProductFactory(**fields)

    return make
