"""Keep a team's auth group in step with its memberships.

Memberships are edited through catalog.services, the admin's inlines, and
deleted by cascades when a user or team goes; the signals cover all three.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import TeamMembership


@receiver(post_save, sender=TeamMembership)
def add_member_to_team_group(sender, instance: TeamMembership, **kwargs) -> None:
    instance.team.group.user_set.add(instance.user_id)


@receiver(post_delete, sender=TeamMembership)
def remove_member_from_team_group(sender, instance: TeamMembership, **kwargs) -> None:
    try:
        instance.team.group.user_set.remove(instance.user_id)
    except TeamMembership.team.RelatedObjectDoesNotExist:
        pass  # the team itself is being deleted
