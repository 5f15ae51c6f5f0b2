"""The case's follow-up screens: start the plan when care ends, its visits and their windows with
the timeline of what they found, and the record of one visit (with the person's safe contact)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from casework.access import case_for, holds
from casework.choices import SafeChannel, labels
from casework.forms import add_service_errors
from casework.services import StaleEdit

from . import reminders, services
from . import schedule as pure
from .charts import score_chart
from .forms import GoalFormSet, VisitRecordForm, goals_of
from .models import Dimension, FollowUpPlan, RecordStatus, Visit, VisitRecord

STATE_LABELS = {
    "LATER": gettext_lazy("later"),
    "UPCOMING": gettext_lazy("coming up"),
    "OPEN": gettext_lazy("due now"),
    "OVERDUE": gettext_lazy("overdue"),
}


class StartForm(forms.Form):
    care_ended_on = forms.DateField(
        label=gettext_lazy("Date care ended (left the shelter or intensive services)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _visit_rows(plan, today):
    """Each visit with where today falls against its window (the pure rule reads only the window)."""
    rows = []
    for visit in plan.visits.all():
        state = pure.window_state(visit, today) if visit.status == "PLANNED" else ""
        rows.append((visit, STATE_LABELS.get(state, ""), state))
    return rows


@login_required
def case_follow_up(request, case_id):
    case = case_for(request.user, case_id, fields=["follow_up"])
    plan = FollowUpPlan.objects.filter(case=case).first()
    can_record = holds(request.user, case, "change_case")
    can_start = plan is None and can_record
    form = StartForm(request.POST or None) if can_start else None
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied
        if plan is not None:  # started meanwhile, from another tab or by a colleague
            messages.info(request, _("This case already has a follow-up plan."))
            return redirect("case_follow_up", case_id=case.pk)
        if form.is_valid():
            try:
                services.plan_start(actor=request.user, case=case, care_ended_on=form.cleaned_data["care_ended_on"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Follow-up plan started. The visits and their windows are below."))
                return redirect("case_follow_up", case_id=case.pk)
    today = timezone.localdate()
    context = {
        "case": case,
        "plan": plan,
        "form": form,
        "rows": _visit_rows(plan, today) if plan else [],
        "can_record": holds(request.user, case, "change_case"),
    }
    if plan:
        context.update(_timeline(plan))
    return render(request, "followup/case_follow_up.html", context)


def _timeline(plan):
    """The recorded visits, newest first, and the chart of their scores over time."""
    recorded = list(VisitRecord.objects.filter(visit__plan=plan, status=RecordStatus.FINAL).select_related("visit").order_by("-contact_on"))
    chart = score_chart([(record.contact_on, record.scores) for record in recorded], Dimension.choices)
    return {"recorded": recorded, "chart": chart}


def _case_visit(request, case_id, visit_id):
    case = case_for(request.user, case_id, fields=["follow_up_record", "safe_contact"])
    visit = Visit.objects.filter(case=case, pk=visit_id).select_related("plan").first()
    if visit is None:
        raise Http404
    return case, visit


@login_required
def visit_record(request, case_id, visit_id):
    """Record what a visit found, or save a draft. The person's safe contact is shown above the form."""
    case, visit = _case_visit(request, case_id, visit_id)
    record = VisitRecord.objects.filter(visit=visit).first()
    can_edit = holds(request.user, case, "change_case")
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = VisitRecordForm(data, record=record) if record else VisitRecordForm(data)
    goals = GoalFormSet(data, initial=record.goals if record else None, prefix="goals")
    conflict = False
    if data is not None:
        final = request.POST.get("action") != "draft"
        form_valid, goals_valid = form.is_valid(), _goals_valid(form, goals)
        if form_valid and goals_valid and (not final or form.check_complete()):
            try:
                saved = services.visit_record_save(
                    actor=request.user,
                    visit=visit,
                    values=form.record_values(),
                    goals=goals_of(goals),
                    final=final,
                    expected_version=form.cleaned_data.get("version"),
                )
            except StaleEdit as stale:
                conflict = True
                fresh = request.POST.copy()
                fresh["version"] = stale.current_version
                form = VisitRecordForm(fresh)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _record_message(saved, final))
                return (
                    redirect("visit_record", case_id=case.pk, visit_id=visit.pk)
                    if not final
                    else redirect("case_follow_up", case_id=case.pk)
                )
    person = case.person
    context = {
        "case": case,
        "visit": visit,
        "record": record,
        "form": form,
        "goals": goals,
        "can_edit": can_edit,
        "conflict": conflict,
        "person": person,
        "safe_channels": labels(SafeChannel.choices, person.safe_channels),
    }
    return render(request, "followup/visit_record.html", context, status=409 if conflict else 200)


def _goals_valid(form, goals):
    """Whether the goal rows are valid; their errors are also listed in the form's summary."""
    if goals.is_valid():
        return True
    for number, goal_form in enumerate(goals.forms, start=1):
        for error in goal_form.errors.get("goal", []):
            form.add_error(None, _("Goal %(number)s: %(error)s") % {"number": number, "error": error})
    for error in goals.non_form_errors():
        form.add_error(None, error)
    return False


def _record_message(record, final):
    if not final:
        return _("Draft saved. The visit is not recorded until you record it.")
    if record.raises_alarm:
        return _("Visit recorded. The team and the supervisor have been alerted, and a visit within 7 days has been added.")
    return _("Visit recorded.")


@require_safe
def reminders_health(request):
    """For monitoring, without signing in: whether the reminder sweep keeps up. Counts and ages
    only, never anything about a case; 503 when it is stale."""
    health = reminders.sweep_health()
    return JsonResponse({"status": "stale" if health["stale"] else "ok", **health}, status=503 if health["stale"] else 200)
