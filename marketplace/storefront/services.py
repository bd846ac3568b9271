"""A product as its owner edits it on its page or through the API: the
catalog's description, ports and status together with the inputs the owner
declares (lineage), in one transaction."""

from collections.abc import Iterable

from django.db import transaction

from catalog import services as catalog_services
from catalog.models import DataProduct
from core.users import User
from lineage import services as lineage_services
from lineage.services import InputSpec


@transaction.atomic
def create_product(*, by: User, inputs: Iterable[InputSpec] | None = None, **arguments) -> DataProduct:
    """catalog.services.create_product, then the declared inputs
    (lineage.services.set_product_inputs) when given. All or nothing."""
    product = catalog_services.create_product(by=by, **arguments)
    if inputs is not None:
        lineage_services.set_product_inputs(product, by=by, inputs=inputs)
    return product


@transaction.atomic
def update_product(product: DataProduct, *, by: User, inputs: Iterable[InputSpec] | None = None, **changes) -> DataProduct:
    """catalog.services.update_product, then the declared inputs when given
    (they replace the declared ones). All or nothing."""
    product = catalog_services.update_product(product, by=by, **changes)
    if inputs is not None:
        lineage_services.set_product_inputs(product, by=by, inputs=inputs)
    return product
