"""Walk the audit trail's hash chain and report the first broken event."""

import time

from django.core.management.base import BaseCommand, CommandError

from access_requests import audit
from access_requests.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Verify the audit trail: every event's hash matches its content and the previous event's hash, "
        "with no gaps. Exits non-zero naming the first bad event."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        total = AuditEvent.objects.count()
        verbose = options["verbosity"] >= 1

        def progress(checked: int) -> None:
            if verbose and total > 10_000:
                self.stdout.write(f"  checked {checked:,} of {total:,} events")

        checked, broken = audit.verify(progress=progress)
        if broken is not None:
            raise CommandError(f"Audit trail broken at {broken} ({checked:,} events before it are intact).")
        if verbose:
            self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {checked:,} events verified in {time.monotonic() - started:.2f} s."))
