"""Indexing follows writes, and a missing Redis or Elasticsearch never breaks a write."""

import pytest
from django.db import transaction

from marketplace.celery import app as celery_app
from search import engines as search
from search.indexing import schedule_indexing
from search.types import SearchQuery
from tests.factories import ProductFactory, UserFactory
from tests.net import free_port as closed_port

pytestmark = pytest.mark.django_db


def names(text):
    return [hit.name for hit in search.search(SearchQuery(text=text), user=UserFactory()).hits]


def test_nothing_is_indexed_before_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ProductFactory(name="Play events")

    assert names("play") == []
    assert len(callbacks) == 1  # one indexing task for the whole transaction, however many rows changed
    callbacks[0]()
    assert names("play") == ["Play events"]


def test_a_write_succeeds_and_is_searchable_when_the_broker_is_down(django_capture_on_commit_callbacks):
    changes = {
        "broker_url": f"redis://127.0.0.1:{closed_port()}/0",
        "task_always_eager": False,
        "broker_connection_timeout": 0.5,
        "task_publish_retry": False,
    }
    saved = {key: celery_app.conf[key] for key in changes}
    celery_app.conf.update(changes)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ProductFactory(name="Play events")
    finally:
        celery_app.conf.update(saved)  # pools are left open: eager calls still take a producer from them

    assert names("play") == ["Play events"]


def test_a_write_succeeds_when_elasticsearch_is_down(settings, django_capture_on_commit_callbacks):
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port()}"
    search._external = None
    search.breaker.close()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ProductFactory(name="Play events")
        result = search.search(SearchQuery(text="play"), user=UserFactory())
    finally:
        search._external = None
        search.breaker.close()

    assert [hit.name for hit in result.hits] == ["Play events"]
    assert result.degraded is True


def test_reindex_rebuilds_the_index_from_the_database(django_capture_on_commit_callbacks):
    from django.core.management import call_command

    ProductFactory(name="Play events")  # never committed: not indexed
    assert names("play") == []

    call_command("reindex", verbosity=0)

    assert names("play") == ["Play events"]


@pytest.mark.django_db(transaction=True)
def test_cached_facet_counts_are_never_served_after_the_index_changed():
    from django.core.cache import cache

    cache.clear()
    ProductFactory(name="Royalty statements", tags=["royalties"])
    user = UserFactory()
    first = search.search(SearchQuery(text="royalty"), user=user)

    ProductFactory(name="Royalty rates", tags=["royalties"])
    second = search.search(SearchQuery(text="royalty"), user=user)

    assert (first.total, second.total) == (1, 2)
    assert [v.count for v in second.facets["tag"]] == [2]


def _pending_ids(callbacks) -> list[set[int]]:
    return [set(callback.product_ids) for callback in callbacks]


def test_writes_in_one_transaction_queue_one_indexing_task_with_every_product(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            schedule_indexing([1])
            with transaction.atomic():  # a savepoint that is kept
                schedule_indexing([2, 3])
            schedule_indexing([3, 4])

    assert _pending_ids(callbacks) == [{1, 2, 3, 4}]


def test_products_written_after_a_rolled_back_savepoint_are_still_indexed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            with pytest.raises(RuntimeError), transaction.atomic():
                schedule_indexing([1])
                raise RuntimeError("rolled back")
            schedule_indexing([2])

    assert _pending_ids(callbacks) == [{2}]


def test_a_rolled_back_transaction_leaves_nothing_to_the_next_one(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            schedule_indexing([1])
            raise RuntimeError("rolled back")
        with transaction.atomic():
            schedule_indexing([2])

    assert _pending_ids(callbacks) == [{2}]


def test_a_transaction_after_a_committed_one_queues_its_own_indexing_task(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as first:
        product = ProductFactory(name="Play events")
    with django_capture_on_commit_callbacks(execute=False) as second:
        with transaction.atomic():
            schedule_indexing([product.pk])

    assert first[0].sent is True
    assert _pending_ids(second) == [{product.pk}]
