"""Indexing follows writes: model signals collect the ids of changed products
in the open transaction, and one Celery task per transaction indexes them
after commit (eager in the embedded default). Signals, rather than calls in
each service, because the admin, cascades and bulk edits write too."""

import logging
import threading
import weakref

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from catalog.models import DataProduct, Domain, OutputPort, SchemaField, Tag, Team
from catalog.signals import products_changed
from core import queueing

from . import engines, tasks

logger = logging.getLogger(__name__)


class _PendingIndexing:
    """Product ids changed in one transaction, sent to the task on commit."""

    def __init__(self, product_ids: set[int]):
        self.product_ids = product_ids
        self.sent = False

    def __call__(self) -> None:
        self.sent = True
        product_ids = sorted(self.product_ids)
        try:
            queueing.enqueue(tasks.index_products, product_ids=product_ids)
        except Exception as error:  # the broker is away or silent (QueueUnavailable): keep the database's index current here
            logger.warning("Could not queue search indexing (%s); indexing the database in-process.", error)
            engines.index_products(product_ids, external=False)


# This thread's open transaction's pending indexing, held weakly: Django holds
# the callback until the transaction commits (then it is sent) or until the
# transaction, or the savepoint it was registered in, rolls back (then Django
# drops it and the weak reference dies). So a live, unsent one still runs on
# commit, and more ids can join it: one task per transaction.
_current = threading.local()


def schedule_indexing(product_ids) -> None:
    """Index these products once the current transaction commits (now, outside one)."""
    product_ids = {product_id for product_id in product_ids if product_id is not None}
    if not product_ids:
        return
    reference = getattr(_current, "pending", None)
    pending = reference() if reference is not None else None
    if pending is not None and not pending.sent and transaction.get_connection().in_atomic_block:
        pending.product_ids |= product_ids
        return
    pending = _PendingIndexing(product_ids)
    _current.pending = weakref.ref(pending)
    transaction.on_commit(pending)


def _product_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        schedule_indexing([instance.pk])


def _product_deleted(sender, instance, **kwargs):
    schedule_indexing([instance.pk])  # gone from the database: the task removes it


def _port_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        schedule_indexing([instance.product_id])


def _field_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    schedule_indexing(OutputPort.objects.filter(pk=instance.port_id).values_list("product_id", flat=True))


def _tags_changed(sender, instance, action, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if isinstance(instance, DataProduct):
        schedule_indexing([instance.pk])
    elif isinstance(instance, Tag):
        schedule_indexing(pk_set or instance.products.values_list("pk", flat=True))


def _renamed(sender, instance, created=False, raw=False, **kwargs):
    """A domain or team renamed: its products' documents carry the name."""
    if not created and not raw:
        schedule_indexing(instance.products.values_list("pk", flat=True))


def _products_changed(sender, product_ids, **kwargs):
    schedule_indexing(product_ids)


def connect() -> None:
    products_changed.connect(_products_changed, sender=DataProduct, dispatch_uid="search-products-changed")
    post_save.connect(_product_saved, sender=DataProduct, dispatch_uid="search-product-saved")
    post_delete.connect(_product_deleted, sender=DataProduct, dispatch_uid="search-product-deleted")
    for model in (OutputPort,):
        post_save.connect(_port_changed, sender=model, dispatch_uid="search-port-saved")
        post_delete.connect(_port_changed, sender=model, dispatch_uid="search-port-deleted")
    post_save.connect(_field_changed, sender=SchemaField, dispatch_uid="search-field-saved")
    post_delete.connect(_field_changed, sender=SchemaField, dispatch_uid="search-field-deleted")
    m2m_changed.connect(_tags_changed, sender=DataProduct.tags.through, dispatch_uid="search-tags-changed")
    post_save.connect(_renamed, sender=Domain, dispatch_uid="search-domain-renamed")
    post_save.connect(_renamed, sender=Team, dispatch_uid="search-team-renamed")
