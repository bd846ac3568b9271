"""The catalog's announcements that concern the people using a product.

An output port about to be deleted (by catalog.services.set_output_ports, or
a cascade when its product goes): its own grants are revoked and its open
requests refused first (access_requests.services.end_access_to_port), so
that none outlives the port as one for the whole product.

A change to the ports' contracts is told to its audience (`_audience`): every
holder of a live grant covering a changed port (a grant for that port, or for
the whole product), of the ports their grant covers, and every follower of the
product (catalog.Follow) not already told as a grant holder, of all of them.
Nobody is told twice of one change, and a follower is not told of their own
change. The same diff (`_contract_ports`), breaking changes marked, goes into
every notice:
- `contract_changed` (set_output_ports): the change is published (or a
  scheduled one took effect); a removed port's own grants were revoked as it
  went, and their holders told so. Every change is announced, not only
  breaking ones: a consumer may care that a field was added, and the subject
  says when something breaks.
- `contract_change_scheduled` (schedule_output_ports): told ahead, with the date.
- `scheduled_change_withdrawn` (cancel_scheduled_change, apply_due_changes
  when a change failed): the change they were told of will not happen.
"""

from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.urls import reverse

from catalog import queries as catalog_queries
from catalog.models import DataProduct, OutputPort, ScheduledPortChange
from catalog.signals import contract_change_scheduled, contract_changed, scheduled_change_withdrawn
from notifications.services import notify

from .models import Grant
from .services import end_access_to_port


@receiver(pre_delete, sender=OutputPort)
def end_access_to_deleted_port(sender, instance: OutputPort, **kwargs) -> None:
    end_access_to_port(instance)


def _audience(product: DataProduct, port_ids: dict[str, int | None], *, by=None) -> list[tuple[object, str, list[str]]]:
    """Who hears of a change to the ports named in `port_ids` (each name →
    the port's id now, None for a port that does not exist now): (user,
    reason, port names they hear of), reason "grant" or "follow"."""
    told: dict[int, tuple] = {}
    for grant in Grant.objects.live().filter(product=product).select_related("user").order_by("pk"):
        covered = [name for name, port_id in port_ids.items() if grant.port_id is None or grant.port_id == port_id]
        if covered:
            user, _, names = told.setdefault(grant.user_id, (grant.user, "grant", []))
            names.extend(name for name in covered if name not in names)
    by_id = getattr(by, "pk", None)
    for user in catalog_queries.followers_to_tell(product):
        if user.pk not in told and user.pk != by_id:
            told[user.pk] = (user, "follow", list(port_ids))
    return [(user, reason, [name for name in port_ids if name in names]) for user, reason, names in told.values()]


def _tell(product: DataProduct, ports: dict[str, dict], *, kind: str, context: dict, by=None) -> None:
    """Notify the audience of a change to `ports` (name → `_contract_ports`
    item), each of the ports they hear of, in one notice each."""
    port_ids = {name: item["port_id"] for name, item in ports.items()}
    groups: dict[tuple, list] = {}
    for user, reason, names in _audience(product, port_ids, by=by):
        groups.setdefault((reason, tuple(names)), []).append(user)
    url = reverse("catalog:product_history", args=[product.slug])
    for (reason, names), users in groups.items():
        covered = [ports[name] for name in names]
        notify(
            users,
            kind=kind,
            context={
                "product": product,
                "ports": covered,
                "breaking": any(item["breaking"] for item in covered),
                "reason": reason,
                **context,
            },
            url=url,
        )


def _contract_ports(product: DataProduct, change: ScheduledPortChange) -> dict[str, dict]:
    """A scheduled change's ports as the notices show them: {port_id, name,
    version, removed, changes, breaking} per changed port."""
    current = dict(product.output_ports.values_list("name", "pk"))
    versions = {port.get("name"): port.get("version", "") for port in change.ports}
    return {
        name: {
            "port_id": current.get(name),
            "name": name,
            "version": versions.get(name, ""),
            "removed": name not in versions,
            "changes": changes,
            "breaking": any(item["breaking"] for item in changes),
        }
        for name, changes in change.changes.items()
    }


@receiver(contract_changed)
def notify_contract_changed(sender, product, versions, by=None, scheduled=None, **kwargs) -> None:
    ports = {
        version.port_name: {
            "port_id": version.port_id,
            "name": version.port_name,
            "version": version.version,
            "removed": version.removed,
            "changes": version.changes,
            "breaking": version.breaking,
        }
        for version in versions
    }
    _tell(product, ports, kind="contract.changed", context={"by": by, "scheduled": scheduled}, by=by)


@receiver(contract_change_scheduled)
def notify_contract_change_scheduled(sender, change, by=None, **kwargs) -> None:
    _tell(
        change.product,
        _contract_ports(change.product, change),
        kind="contract.change_scheduled",
        context={"by": by, "change": change},
        by=by,
    )


@receiver(scheduled_change_withdrawn)
def notify_scheduled_change_withdrawn(sender, change, by=None, **kwargs) -> None:
    _tell(
        change.product,
        _contract_ports(change.product, change),
        kind="contract.change_cancelled",
        context={"by": by, "change": change},
        by=by,
    )
