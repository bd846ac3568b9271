"""Celery tasks of the audit trail."""

from celery import shared_task

from . import checkpoints


@shared_task(acks_late=True, reject_on_worker_lost=True)
def checkpoint_audit_trail() -> int | None:
    """Sign the audit chain's head (hourly, from beat): the number of the
    checkpoint written, or None when no event came since the last one."""
    checkpoint = checkpoints.write_checkpoint()
    return checkpoint.number if checkpoint else None
