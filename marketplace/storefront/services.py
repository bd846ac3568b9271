"""A product as its owner edits it on its page or through the API: the
catalog's description, ports and status together with the inputs the owner
declares (lineage), in one transaction."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from access_requests import services as access_services
from access_requests.models import Grant
from catalog import services as catalog_services
from catalog.models import DataProduct, OutputPort
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
def update_product(
    product: DataProduct,
    *,
    by: User,
    inputs: Iterable[InputSpec] | None = None,
    revoke_grants_of_removed_ports: bool = False,
    effective_at: datetime | None = None,
    **changes,
) -> DataProduct:
    """catalog.services.update_product, then the declared inputs when given
    (they replace the declared ones). All or nothing.

    With `effective_at`, the new `ports` are not written now but scheduled
    (catalog.services.schedule_output_ports, with the product's version before
    this edit); the rest is saved now. Access to the ports it removes ends
    when they go.

    With `revoke_grants_of_removed_ports` (the edit page, once the owner has
    confirmed), access to the ports that `ports` removes ends first in the
    owner's name (access_requests.services.end_access_to_port, which every
    deletion of a port runs anyway, unnamed), so their holders read who did it."""
    # `confirmed_removals` (the edit page): the removed ports whose removal the
    # owner confirmed after reading what it does (port_removals). That confirms
    # their breaking change too; any other break still needs `confirm_breaking`.
    confirmed_removals = set(changes.pop("confirmed_removals", ()))
    if effective_at is not None and changes.get("ports") is not None:
        ports, confirm_breaking, version_before = changes.pop("ports"), changes.pop("confirm_breaking", False), product.version
        product = update_product(product, by=by, inputs=inputs, **changes)
        _confirming_removals(
            lambda confirmed: catalog_services.schedule_output_ports(
                product, ports=ports, effective_at=effective_at, by=by, confirm_breaking=confirmed, product_version_before=version_before
            ),
            confirm_breaking,
            confirmed_removals,
        )
        return product
    if revoke_grants_of_removed_ports and changes.get("ports") is not None:
        kept = {spec.name for spec in changes["ports"]}
        for port in product.output_ports.exclude(name__in=kept).select_related("product"):
            access_services.end_access_to_port(port, by=by)
    confirm_breaking = changes.pop("confirm_breaking", False)
    product = _confirming_removals(
        lambda confirmed: catalog_services.update_product(product, by=by, confirm_breaking=confirmed, **changes),
        confirm_breaking,
        confirmed_removals,
    )
    if inputs is not None:
        lineage_services.set_product_inputs(product, by=by, inputs=inputs)
    return product


def _confirming_removals(write, confirm_breaking: bool, confirmed_removals: set[str]):
    """Call `write(confirm_breaking)`. When it refuses a breaking change
    (nothing written: the catalog's writes are atomic) and every break it names
    is a removal the owner confirmed, call it again with the break confirmed."""
    try:
        return write(confirm_breaking)
    except catalog_services.BreakingChange as error:
        if confirm_breaking or not confirmed_removals or not error.changes.keys() <= confirmed_removals:
            raise
        return write(True)


@dataclass
class PortRemoval:
    """What removing one output port would do, for the owner to confirm."""

    port: OutputPort
    port_grantees: list[str] = field(default_factory=list)  # live grants for this port: revoked
    product_grantees: list[str] = field(default_factory=list)  # live grants for the whole product: lose the port
    downstream: list[str] = field(default_factory=list)  # datasets whose lineage reads this port
    upstream: list[str] = field(default_factory=list)  # datasets this port is declared or observed to read

    def __bool__(self) -> bool:
        return bool(self.port_grantees or self.product_grantees or self.downstream or self.upstream)


def port_removals(product: DataProduct, ports: Iterable[OutputPort]) -> list[PortRemoval]:
    """For each port about to be removed, the live grants and lineage it
    touches; only ports that touch something are listed."""
    live = Grant.objects.live().filter(product=product).select_related("user").order_by("user__username")
    product_grantees = sorted({grant.user.get_username() for grant in live if grant.port_id is None})
    removals = []
    for port in ports:
        removal = PortRemoval(
            port=port,
            port_grantees=sorted({grant.user.get_username() for grant in live if grant.port_id == port.pk}),
            product_grantees=product_grantees,
        )
        node = getattr(port, "lineage_node", None)  # a port without a node raises an AttributeError: None
        if node is not None:
            removal.downstream = sorted(
                {edge.downstream.label for edge in node.downstream_edges.select_related("downstream__port__product")}
            )
            removal.upstream = sorted({edge.upstream.label for edge in node.upstream_edges.select_related("upstream__port__product")})
        if removal:
            removals.append(removal)
    return removals
