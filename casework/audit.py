"""Writing and verifying the access log.

Every event carries the SHA-256 of its own content and of the previous event's hash, so an
edited, deleted or reordered row breaks the chain from that row on. Appends are serialised by
updating the single head row first: on PostgreSQL that takes a row lock, on SQLite the write
lock, so two requests never chain onto the same predecessor.
"""

import contextlib
import hashlib
import ipaddress
import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import AccessEvent, AccessLogCheck, AccessLogHead

GENESIS_HASH = "0" * 64
_acting = ContextVar("acting", default=(None, None))


@contextlib.contextmanager
def acting_as(user, ip=None):
    """Attribute events recorded deep in the stack (e.g. a decryption failure) to this user."""
    token = _acting.set((getattr(user, "pk", None), ip))
    try:
        yield
    finally:
        _acting.reset(token)


def _canonical_ip(ip):
    return None if not ip else str(ipaddress.ip_address(str(ip)))


def event_hash(event):
    content = {
        "sequence": event.sequence,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_ref": event.object_ref,
        "fields": list(event.fields),
        "ip": _canonical_ip(event.ip),
        "detail": event.detail,
        "previous": event.previous_hash,
    }
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(encoded.encode("ascii")).hexdigest()


def _advance_head():
    """Lock the head row and take the next sequence number; create the head if it is missing."""
    if not AccessLogHead.objects.filter(pk=1).update(sequence=F("sequence") + 1):
        AccessLogHead.objects.get_or_create(pk=1)
        AccessLogHead.objects.filter(pk=1).update(sequence=F("sequence") + 1)
    return AccessLogHead.objects.get(pk=1)


def record(*, action, target=None, fields=(), actor=None, ip=None, detail="", object_type="", object_id="", object_ref=""):
    """Append one event. `target` is a model instance; only its type, id and reference are kept."""
    if target is not None:
        object_type = target._meta.label_lower
        object_id = str(target.pk)
        object_ref = getattr(target, "reference", "") or ""
    acting_id, acting_ip = _acting.get()
    with transaction.atomic():
        head = _advance_head()
        event = AccessEvent(
            sequence=head.sequence,
            occurred_at=timezone.now(),
            actor_id=actor.pk if actor is not None else acting_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            object_ref=object_ref,
            fields=sorted(fields),
            ip=_canonical_ip(ip or acting_ip),
            detail=detail[:200],
            previous_hash=head.last_hash or GENESIS_HASH,
        )
        event.hash = event_hash(event)
        event.save()
        AccessLogHead.objects.filter(pk=1).update(last_hash=event.hash)
    return event


def record_decryption_failure(error):
    from .models import AccessAction

    record(
        action=AccessAction.DECRYPTION_FAILED,
        object_type=error.label,
        object_id=error.row_id,
        fields=[error.field],
        detail=error.reason,
    )


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows_checked: int
    first_broken_sequence: int | None
    message: str


def verify_chain(progress=None):
    """Walk the log in order; report the first row whose position, link or content is wrong."""
    expected_sequence, previous_hash, checked = 1, GENESIS_HASH, 0

    def broken(sequence, why):
        return ChainReport(False, checked, sequence, f"Row {sequence}: {why}.")

    for event in AccessEvent.objects.order_by("sequence").iterator(chunk_size=2000):
        if event.sequence != expected_sequence:
            return broken(expected_sequence, f"missing or moved (found row {event.sequence} in its place)")
        if event.previous_hash != previous_hash:
            return broken(event.sequence, "does not link to the row before it (rows removed or reordered)")
        if event_hash(event) != event.hash:
            return broken(event.sequence, "its content was changed after it was written")
        previous_hash, expected_sequence, checked = event.hash, expected_sequence + 1, checked + 1
        if progress:
            progress(1)
    head = AccessLogHead.objects.filter(pk=1).first()
    head_sequence = head.sequence if head else 0
    if head_sequence != checked or (checked and head.last_hash != previous_hash):
        return broken(checked + 1, f"the log should hold {head_sequence} rows but ends after {checked} (rows removed from the end)")
    return ChainReport(True, checked, None, f"All {checked} rows are intact.")


def save_chain_report(report):
    return AccessLogCheck.objects.create(
        checked_at=timezone.now(),
        ok=report.ok,
        rows_checked=report.rows_checked,
        first_broken_sequence=report.first_broken_sequence,
        message=report.message,
    )
