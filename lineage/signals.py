"""Lineage follows the catalog's ports: a port's node is named by its
location, and a deleted port's node stays as an external dataset, no longer
under its location's name (lineage.services)."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from catalog.models import DataProduct, OutputPort
from catalog.signals import ports_changed

from .services import forget_port_location, sync_port_nodes


@receiver(ports_changed, sender=DataProduct)
def follow_port_locations(sender, product: DataProduct, **kwargs) -> None:
    """The product's ports were replaced (catalog.services.set_output_ports):
    give each its node, named by its location."""
    sync_port_nodes(product)


@receiver(pre_delete, sender=OutputPort)
def forget_deleted_port_location(sender, instance: OutputPort, **kwargs) -> None:
    """A deleted port's lineage node stays as an external dataset: not under
    its location's name. Ports go through catalog.services and by cascades
    when their product is deleted (the admin); the signal covers both."""
    forget_port_location(instance)
