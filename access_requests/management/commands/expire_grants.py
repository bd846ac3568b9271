"""End every grant past its end now (what the periodic task does)."""

from django.core.management.base import BaseCommand

from access_requests import services


class Command(BaseCommand):
    help = "Mark grants past their end as expired and take their permissions away (the beat task does this every few minutes)."

    def handle(self, *args, **options):
        ended = services.expire_grants()
        self.stdout.write(f"{ended} grant(s) expired.")
