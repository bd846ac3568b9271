"""The catalog's announcements that concern the people using a product.

An output port about to be deleted (by catalog.services.set_output_ports, or
a cascade when its product goes): its own grants are revoked and its open
requests refused first (access_requests.services.end_access_to_port), so
that none outlives the port as one for the whole product.

`contract_changed` (catalog.services.set_output_ports): every holder of a live
grant covering a changed port (a grant for that port, or for the whole
product) is notified with the changes, breaking ones marked. A removed port's
own grants were revoked as it went, and their holders told so. Every change is announced,
not only breaking ones: a consumer may care that a field was added, and the
subject says when something breaks.
"""

from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.urls import reverse

from catalog.models import OutputPort
from catalog.signals import contract_changed
from notifications.services import notify

from .models import Grant
from .services import end_access_to_port


@receiver(pre_delete, sender=OutputPort)
def end_access_to_deleted_port(sender, instance: OutputPort, **kwargs) -> None:
    end_access_to_port(instance)


@receiver(contract_changed)
def notify_grant_holders(sender, product, versions, by=None, **kwargs) -> None:
    live = list(Grant.objects.live().filter(product=product).select_related("user", "port"))
    if not live:
        return
    url = reverse("catalog:product_history", args=[product.slug])
    recipients: dict[int, tuple] = {}
    for grant in live:
        covered = [version for version in versions if grant.port_id is None or grant.port_id == version.port_id]
        if covered:
            user, seen = recipients.setdefault(grant.user_id, (grant.user, []))
            seen.extend(version for version in covered if version not in seen)
    for user, covered in recipients.values():
        notify(
            [user],
            kind="contract.changed",
            context={"product": product, "versions": covered, "breaking": any(version.breaking for version in covered), "by": by},
            url=url,
        )
