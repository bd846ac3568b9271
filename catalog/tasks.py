"""Celery tasks of the catalog: thin, safe to run twice, delegating to services."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def apply_scheduled_port_changes() -> dict:
    """The beat task: apply the scheduled port changes whose date has come."""
    applied, failed = services.apply_due_changes()
    return {"applied": applied, "failed": failed}
