"""Celery tasks of search: thin, idempotent, taking ids."""

import logging

from celery import shared_task

from . import engines

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=8, acks_late=True)
def index_products(self, *, product_ids: list[int]) -> None:
    """Bring the search documents of these products up to date (or remove
    them if they are gone). Safe to run twice. When Elasticsearch does not
    answer, a worker retries with backoff; run eagerly (in a web request) it
    does not wait: the database's index is current and `reindex` catches
    Elasticsearch up."""
    try:
        engines.index_products(product_ids)
    except engines.SearchUnavailable as error:
        if self.request.is_eager:
            logger.warning("Elasticsearch missed products %s (%s); run manage.py reindex once it is back.", product_ids, error)
            return
        raise self.retry(exc=error, countdown=min(300, 5 * 2**self.request.retries)) from error
