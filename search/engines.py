"""Search: one interface, three backends (DESIGN.md, "Search").

- SQLite FTS5 (sqlite.py) and PostgreSQL full text (postgresql.py) index into
  the catalog's own database; the one matching the database is always kept
  up to date and is the fallback.
- Elasticsearch (elastic.py), when ELASTICSEARCH_URL is set. If it is
  unreachable or slow, answers come from the database backend, marked
  `degraded`, and a circuit breaker stops trying for a while.

Pages, API and commands call search(), suggest(), index_products(),
remove_products() and rebuild(); nothing else talks to a backend.
"""

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable

import pybreaker
from django.conf import settings
from django.db import connection, transaction
from prometheus_client import Counter, Histogram

from catalog.models import DataProduct
from catalog.visibility import Visibility, visibility_for
from core.users import AnonymousUser, User

from .database import DatabaseBackend
from .documents import documents_for
from .elastic import ElasticsearchBackend
from .locations import products_found_by_location
from .postgresql import PostgreSQLBackend
from .sqlite import SQLiteBackend
from .types import FACET_NAMES, FACETS, SORT_NAMES, SORTS, SearchQuery, SearchResult, SearchUnavailable, Suggestion

__all__ = [
    "FACETS",
    "FACET_NAMES",
    "SORTS",
    "SORT_NAMES",
    "SearchQuery",
    "SearchResult",
    "Suggestion",
    "Visibility",
    "SearchUnavailable",
    "search",
    "suggest",
    "index_products",
    "remove_products",
    "rebuild",
    "visibility_for",
    "database_backend",
    "external_backend",
    "breaker",
]

logger = logging.getLogger(__name__)


breaker = pybreaker.CircuitBreaker(
    fail_max=settings.SEARCH_BREAKER_FAILURES, reset_timeout=settings.SEARCH_BREAKER_RESET_SECONDS, name="elasticsearch"
)


# Read at /metrics (marketplace.metrics). Every answer is timed by the backend
# that gave it; a failed Elasticsearch call is timed too (its timeout is the
# cost of trying) and counted as a fallback.
SEARCH_DURATION = Histogram(
    "marketplace_search_duration_seconds",
    "Time a search backend took to answer, by backend (sqlite, postgresql, elasticsearch), operation (search, suggest) "
    "and outcome (answered, failed).",
    ["backend", "operation", "outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.5),
)
SEARCH_FALLBACKS = Counter(
    "marketplace_search_fallbacks",
    "Searches answered by the database because Elasticsearch failed or its circuit breaker was open (degraded answers).",
    ["operation"],
)


def database_backend() -> DatabaseBackend:
    if connection.vendor == "postgresql":
        return PostgreSQLBackend()
    if connection.vendor == "sqlite":
        return SQLiteBackend()
    raise NotImplementedError(f"No search backend for the {connection.vendor} database.")


_external = None


def external_backend():
    """The Elasticsearch backend when it is configured, else None."""
    global _external
    if settings.SEARCH_BACKEND == "database" or not settings.ELASTICSEARCH_URL:
        return None
    if _external is None or _external.url != settings.ELASTICSEARCH_URL:
        _external = ElasticsearchBackend(
            url=settings.ELASTICSEARCH_URL, index=settings.ELASTICSEARCH_INDEX, timeout=settings.ELASTICSEARCH_TIMEOUT
        )
    return _external


def _ask(method: str, *args):
    """Ask Elasticsearch through the circuit breaker; on failure (or while the
    breaker is open) ask the database backend. Returns (answer, degraded)."""
    external = external_backend()
    if external is not None:
        started = time.perf_counter()
        try:
            answer = breaker.call(getattr(external, method), *args)
        except pybreaker.CircuitBreakerError as error:
            logger.warning("Search falls back to the database: %s", error)  # not asked: nothing to time
        except SearchUnavailable as error:
            SEARCH_DURATION.labels(external.name, method, "failed").observe(time.perf_counter() - started)
            logger.warning("Search falls back to the database: %s", error)
        else:
            SEARCH_DURATION.labels(external.name, method, "answered").observe(time.perf_counter() - started)
            return answer, False
        SEARCH_FALLBACKS.labels(method).inc()
        return _ask_database(method, *args), True
    return _ask_database(method, *args), False


def _ask_database(method: str, *args):
    backend = database_backend()
    started = time.perf_counter()
    answer = getattr(backend, method)(*args)
    SEARCH_DURATION.labels(backend.name, method, "answered").observe(time.perf_counter() - started)
    return answer


def search(query: SearchQuery, *, user: User | AnonymousUser) -> SearchResult:
    """Port locations are in no index (anyone may search, few may see a
    location): the products `user` may find by the location of a port they
    may use are looked up in the database and added to what the index finds."""
    query = dataclasses.replace(query, location_matches=products_found_by_location(user, query.terms))
    result, degraded = _ask("search", query, visibility_for(user))
    result.degraded = result.degraded or degraded
    return result


def suggest(prefix: str, *, user: User | AnonymousUser, limit: int = 8) -> tuple[list[Suggestion], bool]:
    """Products whose names start with or contain the words typed so far, and
    whether the answer is degraded."""
    return _ask("suggest", prefix, visibility_for(user), limit)


def index_products(product_ids: Iterable[int], *, external: bool = True) -> None:
    """Bring these products' search documents up to date with the database;
    products that no longer exist are removed. The database's index first,
    then (unless external=False) Elasticsearch, which raises SearchUnavailable
    when it does not answer: the task retries that part later."""
    product_ids = sorted(set(product_ids))
    documents = documents_for(product_ids)
    gone = sorted(set(product_ids) - {document.product_id for document in documents})
    backend = database_backend()
    with transaction.atomic():  # one commit: FTS5 writes a new segment per commit
        backend.index(documents)
        backend.remove(gone)
    elastic = external_backend() if external else None
    if elastic is not None:
        elastic.index(documents)
        elastic.remove(gone)


def remove_products(product_ids: Iterable[int]) -> None:
    product_ids = sorted(set(product_ids))
    with transaction.atomic():
        database_backend().remove(product_ids)
    external = external_backend()
    if external is not None:
        external.remove(product_ids)


def rebuild(*, batch_size: int = 1000, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild every index from the database; returns the number of products.
    Elasticsearch builds a new index and swaps its alias when complete."""
    ids = list(DataProduct.objects.order_by("pk").values_list("pk", flat=True))
    backend = database_backend()
    external = external_backend()
    if external is not None:
        external.begin_rebuild()
    # Batch by batch, each product's document is replaced in one commit, so
    # searches during a rebuild see every product, old or new.
    for start in range(0, len(ids), batch_size):
        documents = documents_for(ids[start : start + batch_size])
        with transaction.atomic():
            backend.index(documents)
        if external is not None:
            external.write_rebuild(documents)
        if progress:
            progress(len(documents))
    with transaction.atomic():
        backend.prune()
    if external is not None:
        external.finish_rebuild()
    return len(ids)
