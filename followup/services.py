"""Follow-up use cases: start a case's plan when care ends (visits from the schedule), and record
what each visit found (an alarm alerts the team and the supervisors and adds a visit)."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import audit
from casework.access import holds
from casework.age import adult_on, assess
from casework.choices import CaseStatus
from casework.models import AccessAction, Case
from casework.services import StaleEdit

from . import reminders
from . import schedule as pure
from .forms import validate_contact_date
from .models import FollowUpPlan, FollowUpSchedule, RecordStatus, Visit, VisitRecord, VisitStatus

# Statuses a case may be in when its care ends and follow-up starts.
BEFORE_FOLLOW_UP = (CaseStatus.IMMEDIATE_ASSISTANCE, CaseStatus.REINTEGRATION_PLANNING, CaseStatus.REINTEGRATION_ACTIVE)


def _check_exit_date(case, care_ended_on, today):
    if care_ended_on > today:
        raise ValidationError({"care_ended_on": _("The end of care cannot be in the future.")})
    if care_ended_on < case.opened_on:
        raise ValidationError({"care_ended_on": _("The end of care cannot be before the case was opened.")})


def adult_schedule_from(case, care_ended_on):
    """The 18th birthday when the person is a minor (or presumed one) at the end of care, else None."""
    evidence = case.person.age_evidence()
    return adult_on(evidence) if assess(evidence, care_ended_on).treated_as_minor else None


def plan_start(*, actor, case, care_ended_on, today=None):
    """The follow-up plan from the end of care: every visit of the person's schedule, in one transaction."""
    if not holds(actor, case, "change_case"):
        raise PermissionDenied
    today = today or timezone.localdate()
    _check_exit_date(case, care_ended_on, today)
    adult_from = adult_schedule_from(case, care_ended_on)
    planned = pure.plan_visits(exit_date=care_ended_on, schedule=FollowUpSchedule.current(), adult_from=adult_from)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if FollowUpPlan.objects.filter(case=locked).exists():
            raise ValidationError(_("This case already has a follow-up plan."))
        plan = FollowUpPlan.objects.create(case=locked, care_ended_on=care_ended_on, adult_from=adult_from, created_by=actor)
        Visit.objects.bulk_create(
            Visit(
                plan=plan,
                case=locked,
                track=visit.track,
                offset_months=visit.offset_months,
                due=visit.due,
                window_opens=visit.window_opens,
                window_closes=visit.window_closes,
                next_reminder_at=reminders.first_reminder_at(visit),
            )
            for visit in planned
        )
        reminders.refresh_next_visit([locked.pk])
        status = CaseStatus.FOLLOW_UP if locked.status in BEFORE_FOLLOW_UP else locked.status
        Case.objects.filter(pk=locked.pk).update(care_ended_on=care_ended_on, status=status, version=F("version") + 1)
        audit.record(action=AccessAction.CREATE, target=locked, actor=actor, fields=["follow_up"], detail=f"{len(planned)} visits")
    return plan


# --- Recording a visit ---------------------------------------------------------------------

FINISHED_BY_RECORD = {True: VisitStatus.DONE, False: VisitStatus.MISSED}


def _lock_visit(visit):
    return Visit.objects.select_for_update().select_related("plan", "case").get(pk=visit.pk)


def visit_record_save(*, actor, visit, values, goals, final, expected_version=None, today=None):
    """Save what a visit found, as a draft or as the record. One transaction; a stale edit (someone
    saved since `expected_version`) saves nothing.

    Recording (`final`) marks the visit done, or missed when the person was not seen, which stops
    its reminders. An alarm (HIGH risk, re-exploitation suspected or confirmed), even in a draft,
    alerts the team and the office's supervisors at once, once per visit, and adds an unscheduled
    visit within the schedule's days unless one is already planned by then.
    """
    if not holds(actor, visit.case, "change_case"):
        raise PermissionDenied
    today = today or timezone.localdate()
    with transaction.atomic():
        visit = _lock_visit(visit)
        validate_contact_date(values.get("contact_on"), earliest=visit.plan.care_ended_on, today=today)
        record = VisitRecord.objects.filter(visit=visit).first()
        if record is None:
            record = VisitRecord(visit=visit, recorded_by=actor, version=0)
        elif record.version != expected_version:
            raise StaleEdit(visit.case_id, record.version)
        if record.status == RecordStatus.FINAL and not final:
            raise ValidationError(_("This visit is already recorded: save the changes as the record, not as a draft."))
        for name, value in values.items():
            setattr(record, name, value)
        record.goals = goals
        record.status = RecordStatus.FINAL if final else RecordStatus.DRAFT
        record.recorded_by, record.updated_at, record.version = actor, timezone.now(), record.version + 1
        record.full_clean(exclude=["visit", "recorded_by"])
        record.save()
        if final:
            Visit.objects.filter(pk=visit.pk).update(status=FINISHED_BY_RECORD[bool(record.seen)], next_reminder_at=None)
        if record.raises_alarm:
            _raise_alarm(actor=actor, visit=visit, today=today)
        reminders.refresh_next_visit([visit.case_id])
        audit.record(action=AccessAction.UPDATE, target=visit.case, actor=actor, fields=["follow_up_record"], detail=record.status)
    return record


def _raise_alarm(*, actor, visit, today):
    """The urgent alert to the team and the office's supervisors (not to whoever recorded it), and
    a visit within the schedule's days unless one is already planned by then."""
    schedule = FollowUpSchedule.current()
    by = pure.unscheduled_visit_due(today, schedule)
    if not Visit.objects.filter(case=visit.case, status=VisitStatus.PLANNED, due__lte=by).exclude(pk=visit.pk).exists():
        unscheduled = Visit.objects.create(
            plan=visit.plan,
            case=visit.case,
            unscheduled=True,
            due=by,
            window_opens=today,
            window_closes=by,
            # The urgent alert is its "due" message: next comes "overdue" if it is not made in time.
            reminder_stages_passed=2,
            next_reminder_at=reminders.lima_midnight(by + timedelta(days=1)),
        )
        audit.record(
            action=AccessAction.CREATE, target=visit.case, actor=actor, fields=["follow_up"], detail=f"unscheduled visit {unscheduled.pk}"
        )
    team = reminders.teams_by_case([visit.case_id])[visit.case_id]
    recipients = team | reminders.supervisors_by_office([visit.case.office_id])[visit.case.office_id]
    recipients.discard(actor.pk)
    reminders.remind([(visit, pure.ReminderKind.URGENT, recipient) for recipient in recipients], now=timezone.now())
