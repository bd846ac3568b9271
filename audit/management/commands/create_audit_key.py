"""Make the Ed25519 key pair that signs audit checkpoints."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit import checkpoints


class Command(BaseCommand):
    help = (
        "Create an Ed25519 key pair for signing audit checkpoints: the private key at PATH (mode 0600) and the "
        "public key at PATH with .pub. Without --out, the demo pair under var/ that DEBUG uses. An existing key is "
        "kept, never overwritten."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", help="Where to write the private key (default: the demo key under var/, with DEBUG on only).")

    def handle(self, *args, **options):
        if options["out"]:
            private_path = Path(options["out"])
        elif settings.DEBUG:
            private_path = Path(settings.AUDIT_DEMO_SIGNING_KEY_FILE)
        else:
            raise CommandError("With DEBUG off, say where the key goes: --out PATH (and keep it off the database host).")
        public_path = private_path.with_suffix(".pub")
        if private_path.exists():
            self.stdout.write(f"Audit signing key kept: {private_path} exists (public key: {public_path}).")
            return
        private_pem, public_pem = checkpoints.new_key_pair()
        private_path.parent.mkdir(parents=True, exist_ok=True)
        # Created with mode 0600 from the start: never readable by others, not even for a moment.
        descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as private_file:
            private_file.write(private_pem)
        public_path.write_bytes(public_pem)
        self.stdout.write(
            f"Audit signing key created: {private_path} (private, mode 0600) and {public_path} (public). "
            + (
                "It is a demo key for this machine; in production set AUDIT_SIGNING_KEY from a secrets manager."
                if not options["out"]
                else "Give the private key to the application (AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE) and the public key to whoever verifies (AUDIT_VERIFY_KEY)."
            )
        )
