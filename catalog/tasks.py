"""Celery tasks of the catalog: thin, idempotent, taking ids."""

from celery import shared_task

from . import search


@shared_task(autoretry_for=(search.SearchUnavailable,), retry_backoff=True, retry_backoff_max=300, max_retries=8, acks_late=True)
def index_products(*, product_ids: list[int]) -> None:
    """Bring the search documents of these products up to date (or remove
    them if they are gone). Safe to run twice."""
    search.index_products(product_ids)
