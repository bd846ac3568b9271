"""Signed checkpoints of the audit chain, held outside the database.

The hash chain alone cannot stop someone who may write the database: they can
recompute every hash after a change, or drop the tail and move the head back.
So, as AWS CloudTrail does with its digest files, the head of the chain is
signed from time to time with an Ed25519 key that the database never holds,
and the signed digest is kept in storage of its own (a directory by default,
the `audit_checkpoints` entry of STORAGES). Each digest names the last
sequence, that event's hash, the time, and the previous checkpoint's
signature, so the checkpoints form a chain of their own: a removed or forged
checkpoint breaks it. `audit.verify_trail` holds the events to the
checkpoints.

A checkpoint is written every AUDIT_CHECKPOINT_EVERY events (after the commit
that reaches the multiple, see `audit.record`), every
AUDIT_CHECKPOINT_INTERVAL_SECONDS by Celery beat, and by
`manage.py checkpoint_audit`. Failing to write one never fails the change that
asked for it: it is logged, and the next checkpoint covers the events.
"""

import base64
import binascii
import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

from .models import AuditChainHead

logger = logging.getLogger(__name__)

STORAGE_ALIAS = "audit_checkpoints"
FORMAT = "marketplace-audit-checkpoint/1"
NAME_PATTERN = re.compile(r"^audit-checkpoint-(\d+)\.json$")


class CheckpointInvalid(Exception):
    """A checkpoint that cannot be trusted: unreadable, badly signed, or out of its chain."""


# --- keys --------------------------------------------------------------------


def _read_setting(text_setting: str, file_setting: str) -> tuple[bytes, str] | None:
    """The PEM named by a pair of settings (the text itself, or a file), and where it came from."""
    text = getattr(settings, text_setting, "")
    if text:
        return text.encode(), text_setting
    path = getattr(settings, file_setting, "")
    if not path:
        return None
    try:
        return Path(path).read_bytes(), f"{file_setting} ({path})"
    except OSError as error:
        raise ImproperlyConfigured(
            f"{file_setting}: cannot read {path} ({error.strerror}). "
            "`manage.py create_audit_key` makes a key pair (`make run` does for the demo)."
        ) from None


def signing_key() -> Ed25519PrivateKey:
    """The private key that signs checkpoints: AUDIT_SIGNING_KEY (PEM) or AUDIT_SIGNING_KEY_FILE."""
    found = _read_setting("AUDIT_SIGNING_KEY", "AUDIT_SIGNING_KEY_FILE")
    if found is None:
        raise ImproperlyConfigured("No audit signing key: set AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE.")
    pem, source = found
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"{source} is not an unencrypted PEM private key: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{source} must be an Ed25519 key, not {type(key).__name__}.")
    return key


def verify_key() -> Ed25519PublicKey:
    """The public key that checks checkpoints: AUDIT_VERIFY_KEY (PEM) or AUDIT_VERIFY_KEY_FILE,
    else the public half of the signing key."""
    found = _read_setting("AUDIT_VERIFY_KEY", "AUDIT_VERIFY_KEY_FILE")
    if found is None:
        return signing_key().public_key()
    pem, source = found
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"{source} is not a PEM public key: {error}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ImproperlyConfigured(f"{source} must be an Ed25519 key, not {type(key).__name__}.")
    return key


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short fingerprint of a public key, written into each digest so a reader sees which key signed it."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def new_key_pair() -> tuple[bytes, bytes]:
    """A fresh Ed25519 key pair as (private PEM, public PEM)."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private_pem, public_pem


# --- checkpoints ---------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """One signed digest: the chain ended at event `sequence`, whose hash was `hash`."""

    number: int
    sequence: int
    hash: str
    created_at: str
    previous_signature: str
    key_id: str
    signature: str
    name: str

    def digest(self) -> dict:
        return {
            "format": FORMAT,
            "number": self.number,
            "sequence": self.sequence,
            "hash": self.hash,
            "created_at": self.created_at,
            "previous_signature": self.previous_signature,
            "key_id": self.key_id,
        }

    def __str__(self) -> str:
        return f"checkpoint #{self.number} ({self.name})"


def _signed_bytes(digest: dict) -> bytes:
    return json.dumps(digest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def file_name(number: int) -> str:
    return f"audit-checkpoint-{number:08d}.json"


def storage():
    return storages[STORAGE_ALIAS]


def _numbered_names() -> list[tuple[int, str]]:
    """The checkpoint files in storage, by number. Other files are ignored."""
    try:
        _, files = storage().listdir("")
    except FileNotFoundError:
        return []  # nothing written yet: the directory appears with the first checkpoint
    numbered = []
    for name in files:
        match = NAME_PATTERN.match(name)
        if match:
            numbered.append((int(match.group(1)), name))
    return sorted(numbered)


def parse(name: str, content: bytes) -> Checkpoint:
    """A checkpoint from its stored bytes, without checking its signature."""
    try:
        document = json.loads(content)
        digest, signature = document["digest"], document["signature"]
        if digest.get("format") != FORMAT:
            raise CheckpointInvalid(f"{name}: not a checkpoint of format {FORMAT}")
        return Checkpoint(
            number=int(digest["number"]),
            sequence=int(digest["sequence"]),
            hash=str(digest["hash"]),
            created_at=str(digest["created_at"]),
            previous_signature=str(digest["previous_signature"]),
            key_id=str(digest["key_id"]),
            signature=str(signature),
            name=name,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise CheckpointInvalid(f"{name}: unreadable ({type(error).__name__}: {error})") from None


def read(name: str) -> Checkpoint:
    with storage().open(name, "rb") as stored:
        return parse(name, stored.read())


def check_signature(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> None:
    try:
        signature = base64.b64decode(checkpoint.signature, validate=True)
        public_key.verify(signature, _signed_bytes(checkpoint.digest()))
    except (InvalidSignature, binascii.Error, ValueError):
        raise CheckpointInvalid(
            f"{checkpoint}: the signature does not verify with the audit verify key (edited, or forged with another key)"
        ) from None


def load_verified(public_key: Ed25519PublicKey | None = None) -> list[Checkpoint]:
    """Every checkpoint in storage, each checked: a good signature, numbers
    running 1, 2, 3… without a gap, each naming its predecessor's signature,
    sequences never going back. Raises CheckpointInvalid at the first that
    fails."""
    numbered = _numbered_names()
    if not numbered:
        return []
    public_key = public_key or verify_key()
    checkpoints: list[Checkpoint] = []
    for number, name in numbered:
        checkpoint = read(name)
        if checkpoint.number != number:
            raise CheckpointInvalid(f"{name}: its digest says checkpoint #{checkpoint.number} (renamed)")
        check_signature(checkpoint, public_key)
        expected_number = checkpoints[-1].number + 1 if checkpoints else 1
        if number != expected_number:
            missing = f"#{expected_number}" if number == expected_number + 1 else f"#{expected_number}–#{number - 1}"
            raise CheckpointInvalid(f"checkpoint {missing} missing from storage (the next one found is #{number})")
        previous = checkpoints[-1] if checkpoints else None
        if checkpoint.previous_signature != (previous.signature if previous else ""):
            raise CheckpointInvalid(
                f"{checkpoint}: does not name the signature of the checkpoint before it (the checkpoint chain was spliced)"
            )
        if previous and checkpoint.sequence < previous.sequence:
            raise CheckpointInvalid(f"{checkpoint}: goes back from event #{previous.sequence} to #{checkpoint.sequence}")
        checkpoints.append(checkpoint)
    return checkpoints


def latest() -> Checkpoint | None:
    numbered = _numbered_names()
    return read(numbered[-1][1]) if numbered else None


def events_not_anchored() -> tuple[int, Checkpoint | None]:
    """How many events the chain holds past the latest checkpoint (all of
    them before the first), and that checkpoint. Reads the chain's head row
    and the newest checkpoint, without verifying signatures: a number for
    monitoring, not a verification (verify_audit is that)."""
    head = AuditChainHead.objects.filter(pk=1).values_list("sequence", flat=True).first() or 0
    checkpoint = latest()
    return max(head - (checkpoint.sequence if checkpoint else 0), 0), checkpoint


def write_checkpoint(*, now=None) -> Checkpoint | None:
    """Sign the chain's head as it is committed now and store the digest.
    Returns None when there is nothing new to sign (no events, or none since
    the last checkpoint), or when another process wrote the same checkpoint
    number first. Refuses to sign a head behind the last checkpoint: that is
    a truncated chain, for verify_audit to report, not to bless."""
    key = signing_key()
    # The last checkpoint first, the head second: the head only moves forward,
    # so a checkpoint another process writes in between is never ahead of it.
    previous = latest()
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None or head.sequence == 0:
        return None
    if previous is not None:
        if head.sequence < previous.sequence:
            logger.error(
                "Audit checkpoint not written: the chain's head is at #%s, behind %s at #%s. Run manage.py verify_audit.",
                head.sequence,
                previous,
                previous.sequence,
            )
            return None
        if head.sequence == previous.sequence:
            return None
    number = previous.number + 1 if previous else 1
    digest = {
        "format": FORMAT,
        "number": number,
        "sequence": head.sequence,
        "hash": head.hash,
        "created_at": (now or timezone.now()).astimezone(UTC).isoformat(timespec="seconds"),
        "previous_signature": previous.signature if previous else "",
        "key_id": key_id(key.public_key()),
    }
    signature = base64.b64encode(key.sign(_signed_bytes(digest))).decode()
    name = file_name(number)
    content = json.dumps({"digest": digest, "signature": signature}, indent=2, sort_keys=True) + "\n"
    saved = storage().save(name, ContentFile(content.encode()))
    if saved != name:
        # Another process stored this number first; ours would fork the checkpoint chain.
        storage().delete(saved)
        logger.info("Audit checkpoint #%s was written by another process first.", number)
        return None
    checkpoint = parse(name, content.encode())
    logger.info("Audit trail: %s signs the chain through event #%s.", checkpoint, checkpoint.sequence)
    return checkpoint


def write_checkpoint_after_commit() -> None:
    """For `transaction.on_commit`: the change is committed already, so a
    failure here (no key, storage down) is logged and never reaches the
    request. The next checkpoint, by count or by the hour, covers the events."""
    try:
        write_checkpoint()
    except Exception:
        logger.exception("Audit checkpoint not written; the next one will cover these events.")
