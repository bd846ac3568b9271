"""Keep a team's auth group in step with its memberships, and tell the apps
above the catalog what changed without the catalog importing them.

Memberships are edited through catalog.services, the admin's inlines, and
deleted by cascades when a user or team goes; the receivers cover all three.

`ports_changed` and `products_changed` are the catalog's own announcements:
lineage renames a port's node when its location changes (ports_changed), and
search re-indexes products whose stored fields were changed in bulk, which
model signals do not see (products_changed). The apps listening connect in
their AppConfig.ready, so arrows still run one way.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from .models import TeamMembership

# Sent with `product=` after catalog.services.set_output_ports replaced its ports.
ports_changed = Signal()

# Sent with `product=`, `versions=` (catalog.PortVersion, one per port that
# existed and whose contract changed or that was removed), `by=` and
# `scheduled=` (the ScheduledPortChange applied, or None) from
# set_output_ports: access_requests tells the port's grant holders and the
# product's followers.
contract_changed = Signal()

# Sent with `change=` (a pending catalog.ScheduledPortChange) and `by=` from
# schedule_output_ports: its consumers are told ahead of its date.
contract_change_scheduled = Signal()

# Sent with `change=` (cancelled or failed) and `by=` (None when it failed)
# from cancel_scheduled_change and apply_due_changes: those told of it hear
# that it will not happen.
scheduled_change_withdrawn = Signal()

# Sent with `product_ids=` after an update() changed products' stored fields
# (their SLO status, say) without saving the models one by one.
products_changed = Signal()


@receiver(post_save, sender=TeamMembership)
def add_member_to_team_group(sender, instance: TeamMembership, **kwargs) -> None:
    instance.team.group.user_set.add(instance.user_id)


@receiver(post_delete, sender=TeamMembership)
def remove_member_from_team_group(sender, instance: TeamMembership, **kwargs) -> None:
    try:
        instance.team.group.user_set.remove(instance.user_id)
    except TeamMembership.team.RelatedObjectDoesNotExist:
        pass  # the team itself is being deleted
