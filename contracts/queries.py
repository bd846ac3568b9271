"""Reads of the stored descriptors for the product page and the product API.
Callers check that the reader may see the product."""

from datetime import date

from django.utils import timezone

from catalog.models import DataProduct

from .models import PortContract, ProductDescriptor
from .people import SupportAndTeam, support_and_team


def current_contract_documents(product: DataProduct) -> list[tuple[str, dict]]:
    """(port name, current ODCS document) of each of `product`'s ports that has one, in port name order."""
    current: dict[int, PortContract] = {}
    for contract in (
        PortContract.objects.filter(port__product=product).select_related("port").order_by("port__name", "port_id", "-created_at", "-pk")
    ):
        current.setdefault(contract.port_id, contract)
    return [(contract.port.name, contract.document) for contract in current.values()]


def support_and_team_of(product: DataProduct, *, today: date | None = None) -> SupportAndTeam:
    """The support channels, prices and team members `product`'s ODPS
    descriptor and its ports' current ODCS contracts name (contracts.people);
    team members who left by `today` (default: the local date) are past members."""
    descriptor = ProductDescriptor.objects.filter(product=product).values_list("document", flat=True).first()
    return support_and_team(descriptor, current_contract_documents(product), today=today or timezone.localdate())
