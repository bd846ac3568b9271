"""Celery tasks: thin, idempotent, taking ids and delegating."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def expire_grants() -> int:
    return services.expire_grants()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_reminders() -> dict:
    reminded, escalated = services.send_reminders()
    return {"reminded": reminded, "escalated": escalated}
