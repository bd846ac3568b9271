"""Celery tasks of the service level objectives: thin, idempotent."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def refresh_slo_statuses() -> int:
    """Periodic: recompute every SLO's status, since time passing moves
    measurements out of their window. Safe to run twice (a breach notifies once)."""
    return len(services.refresh_slo_statuses())
