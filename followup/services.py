"""Follow-up use cases: start a case's plan when care ends (visits from the schedule)."""

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

from . import schedule as pure
from .models import FollowUpPlan, FollowUpSchedule, Visit

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
            )
            for visit in planned
        )
        status = CaseStatus.FOLLOW_UP if locked.status in BEFORE_FOLLOW_UP else locked.status
        Case.objects.filter(pk=locked.pk).update(care_ended_on=care_ended_on, status=status, version=F("version") + 1)
        audit.record(action=AccessAction.CREATE, target=locked, actor=actor, fields=["follow_up"], detail=f"{len(planned)} visits")
    return plan
