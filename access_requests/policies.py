"""The policies a fresh install starts with: stewards also review
confidential, restricted and personal data, whose grants are shorter.
They are data: admins change them in the Django admin."""

DEFAULT_POLICIES = [
    # applies_to, steward approval?, longest grant (days), reminder after (h), escalate after (h)
    ("public", False, 365, 48, 120),
    ("internal", False, 365, 48, 120),
    ("confidential", True, 180, 24, 72),
    ("restricted", True, 90, 24, 72),
    ("personal-data", True, 90, 24, 72),
]


def create_default_policies(policy_model) -> int:
    """Create the default policies that are missing (never changes existing
    ones). Takes the model so that migrations can pass their historical one."""
    created = 0
    for applies_to, steward, longest, reminder, escalate in DEFAULT_POLICIES:
        _, was_created = policy_model.objects.get_or_create(
            applies_to=applies_to,
            defaults={
                "requires_owner_approval": True,
                "requires_steward_approval": steward,
                "max_duration_days": longest,
                "reminder_after_hours": reminder,
                "escalate_after_hours": escalate,
            },
        )
        created += was_created
    return created
