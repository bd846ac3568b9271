"""Sign the audit chain's head now and store the checkpoint."""

from django.core.management.base import BaseCommand

from audit import checkpoints


class Command(BaseCommand):
    help = (
        "Write a signed checkpoint of the audit chain (what the hourly task and every AUDIT_CHECKPOINT_EVERY "
        "events do). Nothing is written when no event came since the last checkpoint."
    )

    def handle(self, *args, **options):
        checkpoint = checkpoints.write_checkpoint()
        if checkpoint is None:
            latest = checkpoints.latest()
            where = f"{latest} covers event #{latest.sequence}" if latest else "the trail has no events"
            self.stdout.write(f"No checkpoint written: nothing new to sign ({where}).")
            return
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {checkpoint}: signs the chain through event #{checkpoint.sequence} ({checkpoint.hash[:12]}…).")
        )
