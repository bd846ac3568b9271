"""The outbox's model, moved here from access_requests with its table and
rows as they were: state only (core.moves)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from core.moves import relabel_content_types


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("access_requests", "0007_audit_chain_triggers"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("request.submitted", "A request awaits your decision"),
                                    ("request.approved", "Your request was approved"),
                                    ("request.rejected", "Your request was rejected"),
                                    ("request.withdrawn", "A request was withdrawn"),
                                    ("grant.revoked", "Your access was revoked"),
                                    ("grant.expired", "Your access expired"),
                                    ("step.reminder", "A request still awaits your decision"),
                                    ("step.escalated", "A request in your domain is overdue"),
                                    ("slo.breached", "A data product breached its SLO"),
                                ],
                                max_length=30,
                            ),
                        ),
                        ("subject", models.CharField(max_length=200)),
                        ("body", models.TextField()),
                        (
                            "url",
                            models.CharField(blank=True, help_text="Where the notification leads, a path on this site.", max_length=300),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "delivered_at",
                            models.DateTimeField(
                                blank=True, help_text="When the e-mail went out (or was found to have no address to go to).", null=True
                            ),
                        ),
                        (
                            "delivery_attempts",
                            models.PositiveIntegerField(
                                default=0, help_text="Deliveries begun (claims taken), including any that died mid-send."
                            ),
                        ),
                        ("last_error", models.TextField(blank=True)),
                        (
                            "claimed_until",
                            models.DateTimeField(
                                blank=True, help_text="A sender is e-mailing it until then; after that its claim has lapsed.", null=True
                            ),
                        ),
                        (
                            "claim_token",
                            models.CharField(blank=True, help_text="Who holds the claim: only they may mark it delivered.", max_length=32),
                        ),
                        (
                            "recipient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="notifications", to=settings.AUTH_USER_MODEL
                            ),
                        ),
                        (
                            "request",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to="access_requests.accessrequest",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "access_requests_notification",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["recipient", "read_at"], name="access_requ_recipie_2a8d1b_idx"),
                            models.Index(
                                condition=models.Q(("delivered_at", None)), fields=["created_at"], name="notification_undelivered"
                            ),
                        ],
                    },
                ),
            ],
        ),
        relabel_content_types("access_requests", "notifications", ["notification"]),
    ]
