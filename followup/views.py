"""The case's follow-up screen: start the plan when care ends, then its visits and their windows."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.access import case_for, holds

from . import schedule as pure
from . import services
from .models import FollowUpPlan

STATE_LABELS = {
    "LATER": gettext_lazy("later"),
    "UPCOMING": gettext_lazy("coming up"),
    "OPEN": gettext_lazy("due now"),
    "OVERDUE": gettext_lazy("overdue"),
}


class StartForm(forms.Form):
    care_ended_on = forms.DateField(
        label=gettext_lazy("Date care ended (left the shelter or intensive services)"),
        widget=forms.DateInput(attrs={"type": "date"}),
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
    can_start = plan is None and holds(request.user, case, "change_case")
    form = StartForm(request.POST or None) if can_start else None
    if request.method == "POST":
        if not can_start:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.plan_start(actor=request.user, case=case, care_ended_on=form.cleaned_data["care_ended_on"])
            except ValidationError as error:
                for field, errors in error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]:
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Follow-up plan started. The visits and their windows are below."))
                return redirect("case_follow_up", case_id=case.pk)
    today = timezone.localdate()
    context = {"case": case, "plan": plan, "form": form, "rows": _visit_rows(plan, today) if plan else []}
    return render(request, "followup/case_follow_up.html", context)
