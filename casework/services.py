"""Write operations on people and cases: one function per use case, each in one transaction,
each leaving an access event. Views and commands call these; they never save models directly.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from . import audit
from .age import AgeEvidenceError
from .choices import CaseStatus
from .models import INTAKE_SECTIONS, AccessAction, Case, CaseNote, CaseReferenceCounter, ConsentRecord, Person


class StaleEdit(Exception):
    """Someone saved the case after this edit started; nothing of this edit was saved."""

    def __init__(self, case_id, current_version):
        self.case_id, self.current_version = case_id, current_version
        super().__init__(f"Case {case_id} is now at version {current_version}.")


def _age_messages():
    return {
        "future_birth_date": ("birth_date", _("The date of birth cannot be in the future.")),
        "future_estimate": ("age_estimate", _("The age estimate cannot be dated in the future.")),
        "reversed_range": ("age_estimate", _("The estimated age range must go from the lower to the higher age (0 to 120).")),
        "incomplete_range": ("age_estimate", _("An estimated age range needs a minimum, a maximum and the date it was estimated.")),
        "missing": ("birth_date", _("Give the date of birth or an estimated age range.")),
        "both": ("age_estimate", _("Give either the date of birth or an estimated age range, not both.")),
    }


def _refresh_age(person, today):
    try:
        person.refresh_age(today)
    except AgeEvidenceError as error:
        field, message = _age_messages().get(error.code, ("birth_date", str(error)))
        raise ValidationError({field: message}, code=error.code) from None


def next_case_reference(office, year):
    """OFFICE-YEAR-NNNNN, numbered per office and year; the counter row is locked while in use."""
    counters = CaseReferenceCounter.objects.filter(office=office, year=year)
    if not counters.update(last=F("last") + 1):
        try:
            with transaction.atomic():
                CaseReferenceCounter.objects.create(office=office, year=year, last=1)
        except IntegrityError:  # another request created it first
            counters.update(last=F("last") + 1)
    return f"{office.code}-{year}-{counters.get().last:05d}"


def _changed(instance, values):
    """The names among `values` whose value differs from what `instance` holds now."""
    return [name for name, value in values.items() if getattr(instance, name) != value]


def _assign(instance, values):
    for name, value in values.items():
        setattr(instance, name, value)


def case_open(*, actor, office, person_fields, case_fields=None, consent=None, today=None):
    """Open a case for a new person. Raises ValidationError, saving nothing, if anything is wrong."""
    today, case_fields = today or timezone.localdate(), case_fields or {}
    with transaction.atomic():
        person = Person()
        _assign(person, person_fields)
        _refresh_age(person, today)
        person.full_clean()
        person.save()
        case = Case(person=person, office=office, opened_on=today, region=office.region, intake_sections=["identity"])
        _assign(case, case_fields)
        case.reference = next_case_reference(office, case.opened_on.year)
        case.full_clean()
        case.save()
        if consent is not None:
            _record_consent(actor, case, consent)
        created = [*person_fields, *case_fields, *(["consent"] if consent else [])]
        audit.record(action=AccessAction.CREATE, target=case, actor=actor, fields=created)
        if actor is not None:
            # Whoever takes the intake works the case until a team is assigned.
            assign_perm("casework.view_case", actor, case)
            assign_perm("casework.change_case", actor, case)
    return case


def case_update(*, actor, case, expected_version, person_fields=None, case_fields=None, consent=None, section=None, today=None):
    """Apply an edit made on `expected_version` of the case; StaleEdit if someone saved since.

    `consent` (ConsentRecord fields) records a new consent in force; `section` names the intake
    section saved, so that the intake draft knows what is done.
    """
    person_fields, case_fields = person_fields or {}, dict(case_fields or {})
    today = today or timezone.localdate()
    with transaction.atomic():
        claimed = Case.objects.filter(pk=case.pk, version=expected_version).update(version=F("version") + 1)
        if not claimed:
            current = Case.objects.filter(pk=case.pk).values_list("version", flat=True).first()
            raise StaleEdit(case.pk, current)
        case = Case.objects.select_related("person").get(pk=case.pk)
        person = case.person
        # Only what really changed is logged: a conflict names those fields, and history too.
        changed = _changed(person, person_fields)
        if changed:
            _assign(person, person_fields)
            _refresh_age(person, today)
            person.full_clean()
            person.save()
        if section in INTAKE_SECTIONS and section not in case.intake_sections:
            case_fields["intake_sections"] = [*case.intake_sections, section]
        changed += _changed(case, case_fields)
        _assign(case, case_fields)
        case.full_clean()
        case.save()
        if consent is not None:
            _record_consent(actor, case, consent)
            changed.append("consent")
        audit.record(action=AccessAction.UPDATE, target=case, actor=actor, fields=changed)
    return case


def _record_consent(actor, case, fields):
    record = ConsentRecord(case=case, recorded_by=actor, **fields)
    record.full_clean()
    if case.person.is_minor:
        missing = [name for name in ConsentRecord.MINOR_FIELDS if not getattr(record, name)]
        if missing:
            message = _("Required for a child or adolescent: record the assent and the guardian's consent apart.")
            raise ValidationError(dict.fromkeys(missing, message))
    record.save()
    if case.in_statistics != record.statistics:
        Case.objects.filter(pk=case.pk).update(in_statistics=record.statistics)
        case.in_statistics = record.statistics
    return record


class IntakeIncomplete(Exception):
    """Intake cannot be completed yet: `missing` lists the sections not saved."""

    def __init__(self, missing):
        self.missing = missing
        super().__init__(f"Intake sections not saved: {', '.join(missing)}")


def consent_allows(case, sector):
    """Whether the case's consent in force (the latest record) lets its identity go to this sector:
    for a referral, or a transfer to another organisation. A consent given while the person was a
    minor (with a guardian) no longer speaks for them once they are 18: it must be asked again."""
    consent = case.consents.order_by("-recorded_at", "-id").first()
    if consent is None or not sector or not consent.allows_sharing_with(sector):
        return False
    return not (consent.guardian_kind and not case.person.is_minor)


def case_complete_intake(*, actor, case, today=None):
    """End the intake draft: every section saved once; the case moves to immediate assistance."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        missing = case.intake_sections_missing()
        if missing:
            raise IntakeIncomplete(missing)
        if case.intake_completed_on is None:
            case.intake_completed_on = today or timezone.localdate()
            if case.status == CaseStatus.INTAKE:
                case.status = CaseStatus.IMMEDIATE_ASSISTANCE
            case.version += 1
            case.save(update_fields=["intake_completed_on", "status", "version", "updated_at"])
            audit.record(action=AccessAction.UPDATE, target=case, actor=actor, fields=["intake_completed_on", "status"])
    return case


class NoteLocked(Exception):
    """Only the author may change a note, and only in its first 24 hours: add a correction instead."""


def note_add(*, actor, case, text, corrects=None):
    """Write a note on the case (a correction names the note it corrects)."""
    with transaction.atomic():
        note = CaseNote(case=case, author=actor, text=text, corrects=corrects)
        note.full_clean()
        note.save()
        audit.record(action=AccessAction.CREATE, target=case, actor=actor, fields=["case_notes"])
    return note


def note_edit(*, actor, note, text, expected_version, now=None):
    """Change a note's text; NoteLocked after 24 hours or for anyone but its author."""
    now = now or timezone.now()
    with transaction.atomic():
        if not note.editable_by(actor, now):
            raise NoteLocked
        claimed = CaseNote.objects.filter(pk=note.pk, version=expected_version).update(version=F("version") + 1)
        if not claimed:
            raise StaleEdit(note.pk, CaseNote.objects.filter(pk=note.pk).values_list("version", flat=True).first())
        note.refresh_from_db()
        note.text, note.edited_at = text, now
        note.full_clean()
        note.save()
        audit.record(action=AccessAction.UPDATE, target=note.case, actor=actor, fields=["case_notes"])
    return note


def person_refresh_age_bands(*, today=None):
    """Recompute the age columns of the people whose band changes this month or earlier.

    Only those few are decrypted, found by the plaintext month of their next band change.
    Returns how many were updated.
    """
    today = today or timezone.localdate()
    due = Person.objects.filter(age_band_changes_in__lte=today.replace(day=1))
    updated = 0
    for person in due.iterator(chunk_size=200):
        with transaction.atomic():
            before = (person.age_band, person.presumed_minor, person.age_band_changes_in)
            person.refresh_age(today)
            if before != (person.age_band, person.presumed_minor, person.age_band_changes_in):
                person.save(update_fields=["age_band", "presumed_minor", "age_band_changes_in", "updated_at"])
                updated += 1
    return updated
