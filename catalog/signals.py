"""Keep a team's auth group in step with its memberships, and a deleted
port's lineage node from keeping its location's name.

Memberships are edited through catalog.services, the admin's inlines, and
deleted by cascades when a user or team goes; the signals cover all three.
"""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from .models import OutputPort, TeamMembership
from .services import forget_port_location


@receiver(post_save, sender=TeamMembership)
def add_member_to_team_group(sender, instance: TeamMembership, **kwargs) -> None:
    instance.team.group.user_set.add(instance.user_id)


@receiver(post_delete, sender=TeamMembership)
def remove_member_from_team_group(sender, instance: TeamMembership, **kwargs) -> None:
    try:
        instance.team.group.user_set.remove(instance.user_id)
    except TeamMembership.team.RelatedObjectDoesNotExist:
        pass  # the team itself is being deleted


@receiver(pre_delete, sender=OutputPort)
def forget_deleted_port_location(sender, instance: OutputPort, **kwargs) -> None:
    """A deleted port's lineage node stays as an external dataset: not under
    its location's name. Ports go through catalog.services and by cascades
    when their product is deleted (the admin); the signal covers both."""
    forget_port_location(instance)
