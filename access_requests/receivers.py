"""The catalog's announcements that concern the people using a product.

`contract_changed` (catalog.services.set_output_ports): every holder of a live
grant covering a changed port (a grant for that port, or for the whole
product) is notified with the changes, breaking ones marked. A removed port's
own grants have lost their port by then (SET_NULL), so they count as grants
for the product and their holders hear of it too. Every change is announced,
not only breaking ones: a consumer may care that a field was added, and the
subject says when something breaks.
"""

from django.dispatch import receiver
from django.urls import reverse

from catalog.signals import contract_changed
from notifications.services import notify

from .models import Grant


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
