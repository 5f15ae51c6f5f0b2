"""Key rotation: re-encrypt field values and recompute blind-index tokens under the active keys.

The walk goes model by model, in primary-key order, in batches, and reads only the primary key
and the ciphertext columns. A value whose key id is not the active one is decrypted and
encrypted again with the same associated data (model, field, row id), so it stays bound to its
row. The write is a compare-and-swap: the UPDATE only matches if the row still holds the
ciphertexts that were read, so an edit saved meanwhile is never overwritten (the row is counted
as skipped and a later run picks it up if it still needs it). Nothing is remembered between
runs: what is done is simply no longer under an old key, so a rerun, or a run after an
interruption, only does what is left.

Blind-index tokens are recomputed for every person holding a token under an old index key.

Counts only leave this module: never a value, never a key.
"""

import dataclasses
import sys
from collections import Counter
from dataclasses import dataclass

from django.apps import apps
from django.db import transaction
from django.utils.translation import gettext
from tqdm import tqdm

from . import audit
from .encryption import BlindIndex, DecryptionError
from .fields import RowBoundCiphertext, encrypted_fields
from .keys import blind_index, field_cipher
from .models import AccessAction, Person, PersonSearchToken
from .search import sync_search_tokens

DEFAULT_BATCH_SIZE = 500
UNREADABLE_KEY_ID = "?"  # what --verify shows for a value whose format it does not know


class _NoProgress:
    def update(self, n=1):
        pass

    def close(self):
        pass


def no_progress(description, total):
    """A progress bar that shows nothing (what the walks take when none is given)."""
    return _NoProgress()


def progress_bar(description, total, *, disable):
    """A tqdm bar on stderr counting rows, for the commands that walk every encrypted value."""
    return tqdm(total=total, desc=description, unit=" " + gettext("rows"), file=sys.stderr, disable=disable)


@dataclass
class RotationReport:
    """What a rotation did (or, in a dry run, would do). Counted per value, not per row."""

    dry_run: bool = False
    reencrypted: int = 0
    skipped: int = 0  # changed concurrently between the read and the write
    unchanged: int = 0  # already under the active key
    unreadable: int = 0  # under a key that is not configured, or failing authentication
    people_reindexed: int = 0
    tokens_replaced: int = 0  # tokens under an old blind-index key that were dropped
    people_failed: int = 0  # people whose tokens could not be recomputed (a name did not decrypt)

    @property
    def changed(self):
        return not self.dry_run and bool(self.reencrypted or self.people_reindexed)

    @property
    def failed(self):
        return bool(self.unreadable or self.people_failed)

    def add(self, other):
        for name in ("reencrypted", "skipped", "unchanged", "unreadable", "people_reindexed", "tokens_replaced", "people_failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def audit_detail(self):
        return (
            f"reencrypted={self.reencrypted} skipped={self.skipped} unchanged={self.unchanged} "
            f"unreadable={self.unreadable} people_reindexed={self.people_reindexed} "
            f"tokens_replaced={self.tokens_replaced} people_failed={self.people_failed}"
        )


@dataclass
class KeyCensus:
    """How many values sit under each key id, per "app.model.field", and tokens per index key id."""

    fields: dict = dataclasses.field(default_factory=dict)  # "casework.person.phone" -> Counter({"k1": 3})
    tokens: Counter = dataclasses.field(default_factory=Counter)
    field_key_ids: tuple = ()
    field_active_key: str = ""
    token_key_ids: tuple = ()
    token_active_key: str = ""

    @property
    def unknown_field_keys(self):
        return sorted({key_id for counts in self.fields.values() for key_id in counts} - set(self.field_key_ids))

    @property
    def unknown_token_keys(self):
        return sorted(set(self.tokens) - set(self.token_key_ids))


def encrypted_models():
    """(model, its encrypted fields) for every installed model that stores encrypted values."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        # Only the model's own columns: a parent's are walked with the parent.
        fields = [field for field in encrypted_fields(model) if field.model is model]
        if fields:
            found.append((model, fields))
    return found


def _batches(queryset, batch_size, *columns):
    """Rows of `queryset` as tuples (pk first), in primary-key order, a batch at a time.

    Keyset pagination (pk > last seen) rather than OFFSET: rows written behind the cursor, such
    as the ones this walk updates, never shift what the next batch holds.
    """
    queryset = queryset.order_by("pk")
    last = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        rows = list(page.values_list("pk", *columns)[:batch_size])
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def reencrypt(cipher, field, pk, stored):
    """The value of `stored` encrypted again under the active key, bound to the same row."""
    plaintext = cipher.decrypt(stored, context=field.context, row_id=str(pk))
    return cipher.encrypt(plaintext, context=field.context, row_id=str(pk))


def _rotate_row(model, fields, pk, stored_values, *, cipher, report, dry_run):
    old, new = {}, {}
    for field, stored in zip(fields, stored_values, strict=True):
        if stored is None:
            continue
        key_id = cipher.key_id_of(stored)
        if key_id == cipher.keyring.active_id:
            report.unchanged += 1
        elif key_id is None or key_id not in cipher.keyring:
            report.unreadable += 1
        elif dry_run:
            report.reencrypted += 1
        else:
            try:
                new[field.name] = RowBoundCiphertext(reencrypt(cipher, field, pk, stored))
            except DecryptionError as error:
                audit.record_decryption_failure(error)
                report.unreadable += 1
                continue
            old[field.name] = RowBoundCiphertext(stored)
    if not new:
        return
    # Compare-and-swap: only if every value read is still there. One statement, so a save that
    # changed any of them in between makes it match no row, and that save is kept as it is.
    if model._base_manager.filter(pk=pk, **old).update(**new):
        report.reencrypted += len(new)
    else:
        report.skipped += len(new)


def _rotate_fields(model, fields, *, batch_size, dry_run, report, progress):
    cipher = field_cipher()
    bar = progress(model._meta.label, model._base_manager.count())
    try:
        for rows in _batches(model._base_manager.all(), batch_size, *(field.attname for field in fields)):
            # One transaction per batch: fewer commits than one per row, and short enough that
            # an editor waiting on one of these rows waits only for this batch. The batch's
            # counts join the report once it is committed, so the report never counts a write
            # that was rolled back.
            batch = RotationReport(dry_run=dry_run)
            with transaction.atomic():
                for pk, *stored_values in rows:
                    _rotate_row(model, fields, pk, stored_values, cipher=cipher, report=batch, dry_run=dry_run)
            report.add(batch)
            bar.update(len(rows))
    finally:
        bar.close()


def _stale_token_counts(person_ids, active_id):
    tokens = PersonSearchToken.objects.filter(person_id__in=person_ids).values_list("person_id", "token")
    return Counter(person_id for person_id, token in tokens if BlindIndex.key_id_of(token) != active_id)


def _reindex_person(person_id, *, active_id, report):
    """Recompute one person's tokens with the person's row locked, so a concurrent save waits."""
    with transaction.atomic():
        # On PostgreSQL the lock serialises this with a save of the same person (which also
        # syncs the tokens); on SQLite the database's single writer does the same.
        person = Person._base_manager.select_for_update().filter(pk=person_id).first()
        if person is None:  # deleted meanwhile
            return
        stale = _stale_token_counts([person_id], active_id)[person_id]
        if not stale:  # a save meanwhile already wrote them under the active key
            return
        try:
            sync_search_tokens(person)  # decrypts every name before it writes any token
        except DecryptionError:  # already recorded as an access event by the field
            report.people_failed += 1
            return
    report.people_reindexed += 1
    report.tokens_replaced += stale


def _rotate_tokens(*, batch_size, dry_run, report, progress):
    active_id = blind_index().keyring.active_id
    done = set()
    bar = progress(PersonSearchToken._meta.label, PersonSearchToken.objects.count())
    try:
        for rows in _batches(PersonSearchToken.objects.all(), batch_size, "person_id", "token"):
            stale_people = sorted({person_id for _, person_id, token in rows if BlindIndex.key_id_of(token) != active_id} - done, key=str)
            if dry_run:
                report.people_reindexed += len(stale_people)
                report.tokens_replaced += sum(_stale_token_counts(stale_people, active_id).values())
            else:
                for person_id in stale_people:
                    _reindex_person(person_id, active_id=active_id, report=report)
            done.update(stale_people)
            bar.update(len(rows))
    finally:
        bar.close()


def rotate_keys(*, batch_size=DEFAULT_BATCH_SIZE, dry_run=False, progress=None):
    """Bring every encrypted value and blind-index token under the active keys.

    `progress(description, total)` returns a bar with update(n) and close(). With `dry_run`,
    counts what would change and writes nothing. Records one access event (counts only) when
    something changed, even if the run stops half way.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    progress = progress or no_progress
    report = RotationReport(dry_run=dry_run)
    try:
        for model, fields in encrypted_models():
            _rotate_fields(model, fields, batch_size=batch_size, dry_run=dry_run, report=report, progress=progress)
        _rotate_tokens(batch_size=batch_size, dry_run=dry_run, report=report, progress=progress)
    finally:
        if report.changed:
            audit.record(action=AccessAction.KEY_ROTATION, detail=report.audit_detail())
    return report


def key_census(*, batch_size=DEFAULT_BATCH_SIZE, progress=None):
    """Count values per key id, per field, and tokens per index key id. Reads only; decrypts nothing."""
    progress = progress or no_progress
    cipher, index = field_cipher(), blind_index()
    census = KeyCensus(
        field_key_ids=cipher.keyring.key_ids,
        field_active_key=cipher.keyring.active_id,
        token_key_ids=index.keyring.key_ids,
        token_active_key=index.keyring.active_id,
    )
    for model, fields in encrypted_models():
        counts = {field: Counter() for field in fields}
        bar = progress(model._meta.label, model._base_manager.count())
        try:
            for rows in _batches(model._base_manager.all(), batch_size, *(field.attname for field in fields)):
                for _, *stored_values in rows:
                    for field, stored in zip(fields, stored_values, strict=True):
                        if stored is not None:
                            counts[field][cipher.key_id_of(stored) or UNREADABLE_KEY_ID] += 1
                bar.update(len(rows))
        finally:
            bar.close()
        for field in fields:
            census.fields[f"{field.context.label}.{field.name}"] = counts[field]
    bar = progress(PersonSearchToken._meta.label, PersonSearchToken.objects.count())
    try:
        for rows in _batches(PersonSearchToken.objects.all(), batch_size, "token"):
            census.tokens.update(BlindIndex.key_id_of(token) for _, token in rows)
            bar.update(len(rows))
    finally:
        bar.close()
    return census


@dataclass
class DecryptionCheck:
    """How many encrypted values were read, and how many did not decrypt, per "app.model.field"."""

    values: Counter = dataclasses.field(default_factory=Counter)
    failures: Counter = dataclasses.field(default_factory=Counter)

    @property
    def total(self):
        return sum(self.values.values())

    @property
    def failed(self):
        return sum(self.failures.values())

    @property
    def ok(self):
        return not self.failed


def check_decryption(*, batch_size=DEFAULT_BATCH_SIZE, progress=None):
    """Decrypt every encrypted value of every model with the configured keys; count the failures.

    A value fails when its key is not configured, when it does not authenticate (altered, or moved
    to another row or field) or when it does not decode. Reads only and records nothing, not even
    the failures, so that checking a restored database leaves it exactly as the backup made it.
    The plaintext is thrown away at once.
    """
    progress = progress or no_progress
    cipher = field_cipher()
    check = DecryptionCheck()
    for model, fields in encrypted_models():
        names = [f"{field.context.label}.{field.name}" for field in fields]
        bar = progress(model._meta.label, model._base_manager.count())
        try:
            for rows in _batches(model._base_manager.all(), batch_size, *(field.attname for field in fields)):
                for pk, *stored_values in rows:
                    for field, name, stored in zip(fields, names, stored_values, strict=True):
                        if stored is None:
                            continue
                        check.values[name] += 1
                        try:
                            field.decode(cipher.decrypt(stored, context=field.context, row_id=str(pk)))
                        except (DecryptionError, ValueError):  # ValueError: bytes that are not text, a date or JSON
                            check.failures[name] += 1
                bar.update(len(rows))
        finally:
            bar.close()
    return check
