from django.db.models import QuerySet

from access_requests.queries import revealed_port_ids
from catalog.models import DataProduct
from catalog.queries import editable_products, visible_products
from core.users import AnonymousUser, User

from . import samples
from .models import Sample, ServiceLevelObjective
from .samples import SampleTable


def slos_of(product: DataProduct) -> QuerySet[ServiceLevelObjective]:
    """A product's objectives with their stored status, product-wide ones first."""
    return ServiceLevelObjective.objects.filter(product=product).select_related("port").order_by("port__name", "indicator", "name", "pk")


def writable_slos(user: User | AnonymousUser) -> QuerySet[ServiceLevelObjective]:
    """Objectives of the products `user` may change: what their pipelines may send measurements for."""
    return ServiceLevelObjective.objects.filter(product__in=editable_products(user).values("pk"))


def visible_slos(user: User | AnonymousUser) -> QuerySet[ServiceLevelObjective]:
    return ServiceLevelObjective.objects.filter(product__in=visible_products(user).values("pk")).select_related("product", "port")


def _columns(port) -> list:
    """A sample's columns are the port's top-level fields (a nested field's values sit inside its parent's)."""
    return [f for f in port.fields.all() if f.parent_id is None]


def visible_samples(user: User | AnonymousUser, product: DataProduct, ports=None) -> dict[int, "SampleTable"]:
    """Each output port's sample as `user` may see it, by port id: sensitive
    columns masked unless they may see that port's real values (revealed_port_ids). Pages and API read
    samples only through here. `ports` may pass the ports already loaded
    (with their fields prefetched) to save queries."""
    ports = list(ports if ports is not None else product.output_ports.prefetch_related("fields"))
    stored = {sample.port_id: sample for sample in Sample.objects.filter(port__in=[port.pk for port in ports])}
    if not stored:
        return {}
    revealed = revealed_port_ids(user, product, stored)
    return {
        port.pk: samples.sample_table(stored[port.pk], _columns(port), reveal=port.pk in revealed) for port in ports if port.pk in stored
    }
