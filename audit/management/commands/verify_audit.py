"""Walk the audit trail's hash chain, hold it to the signed checkpoints, and
report the first problem."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit import checkpoints, trail
from audit.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Verify the audit trail: every signed checkpoint (signature, and the chain of checkpoints), every event's "
        "hash against its content and the previous event's hash with no gaps, and each checkpointed event against "
        "the hash its checkpoint signed. Exits non-zero naming the first problem. Events after the last checkpoint "
        "are reported as not yet anchored, which is not a failure."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        total = AuditEvent.objects.count()
        verbose = options["verbosity"] >= 1

        def progress(checked: int) -> None:
            if verbose and total > 10_000:
                self.stdout.write(f"  checked {checked:,} of {total:,} events")

        report = trail.verify_trail(progress=progress)
        if report.broken is not None:
            intact = report.checked if report.broken.intact is None else report.broken.intact
            raise CommandError(f"Audit trail broken at {report.broken} ({intact:,} events before it are intact).")
        if not verbose:
            return
        self.stdout.write(
            self.style.SUCCESS(f"Audit trail intact: {report.checked:,} events verified in {time.monotonic() - started:.2f} s.")
        )
        if report.checkpoints:
            last = report.checkpoints[-1]
            self.stdout.write(
                f"Checkpoints: {len(report.checkpoints):,} signed, in order, checked with the key "
                f"{checkpoints.key_id(checkpoints.verify_key())}; the last, {last} of {last.created_at}, "
                f"anchors events #1–#{last.sequence}."
            )
        else:
            self.stdout.write(f"Checkpoints: none found in storage ({_where_checkpoints_are()}).")
        if report.unanchored:
            first = report.anchored_through + 1
            self.stdout.write(
                f"Not yet anchored: {report.unanchored:,} events (#{first}–#{report.last_sequence}) are newer than the last "
                "checkpoint; until the next one they could be removed unnoticed."
            )
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"Warning: {warning}"))


def _where_checkpoints_are() -> str:
    storage = settings.STORAGES["audit_checkpoints"]
    location = storage.get("OPTIONS", {}).get("location")
    return f"{location}" if location else storage["BACKEND"]
