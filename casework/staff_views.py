"""Supervisors' staff screens: the caseloads of their offices, and each person's staff profile."""

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from . import staffing, teams
from .access import offices_supervised_by
from .capacity import capacity_report, failed_by_rule, small_count
from .charts import horizontal_bars
from .choices import Discipline, Language, Region, TeamRule
from .forms import CodesField
from .models import StaffProfile
from .roles import Role, has_role
from .statistics import protect

TRAINING_WARNING_DAYS = 90


class StaffProfileForm(forms.ModelForm):
    disciplines = CodesField(label=_("Disciplines"), choices=Discipline.choices, widget=forms.CheckboxSelectMultiple)
    languages = CodesField(label=_("Languages"), choices=Language.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = StaffProfile
        fields = [
            "gender",
            "disciplines",
            "sector",
            "region",
            "languages",
            "specialisation_trained_on",
            "child_specialised",
            "caseload_cap",
            "active",
        ]
        widgets = {"specialisation_trained_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def clean_specialisation_trained_on(self):
        trained_on = self.cleaned_data["specialisation_trained_on"]
        if trained_on and trained_on > timezone.localdate():
            raise ValidationError(_("The training date cannot be in the future."))
        return trained_on


def _supervised_staff(user):
    offices = offices_supervised_by(user)
    if not offices.exists():
        raise PermissionDenied
    return staffing.staff_with_caseloads().filter(office__in=offices)


def training_state(trained_on, today, months):
    """ "expired", "expiring" (lapses within 90 days) or "" for a training date, under the policy's validity."""
    if trained_on is None or trained_on < teams.months_before(today, months):
        return "expired"
    lapses_soon = trained_on < teams.months_before(today + datetime.timedelta(days=TRAINING_WARNING_DAYS), months)
    return "expiring" if lapses_soon else ""


@login_required
@require_safe
def staff_list(request):
    """People per office with their open cases against their cap, and training about to lapse."""
    staff = _supervised_staff(request.user).order_by("office__code", "-active", "user__last_name", "user__username")
    today = timezone.localdate()
    months = staffing.policy_for(None).training_months
    rows = [(profile, training_state(profile.specialisation_trained_on, today, months)) for profile in staff.select_related("office")]
    return render(request, "casework/staff_list.html", {"rows": rows})


@login_required
def staff_edit(request, user_id):
    profile = _supervised_staff(request.user).filter(user_id=user_id).first()
    if profile is None:
        raise Http404
    form = StaffProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        staffing.staff_profile_save(actor=request.user, profile=form.instance)
        messages.success(request, _("Staff profile saved. Teams this person is on have been re-checked."))
        return redirect("staff_list")
    return render(request, "casework/staff_edit.html", {"form": form, "profile": profile})


@login_required
@require_safe
def capacity(request):
    """Specialised staff per region, lapsing training, and failed team proposals: aggregates for supervisors and auditors."""
    if not (offices_supervised_by(request.user).exists() or has_role(request.user, Role.AUDITOR)):
        raise PermissionDenied
    report = capacity_report(today=timezone.localdate(), training_months=staffing.policy_for(None).training_months)
    disciplines = sorted({discipline for region in report for discipline, _group in region.specialised})
    k = settings.STATISTICS_MIN_CELL
    failed = failed_by_rule(report)
    # The chart shows each rule's total over the regions: protect the regions' counts against it.
    failed_shown = {
        rule: protect({region.region: region.failed[rule] for region in report if rule in region.failed}, k=k) for rule in failed
    }
    rule_rows = [(TeamRule(rule).label, failed[rule], small_count(failed[rule])) for rule in TeamRule.values if failed[rule]]
    chart = horizontal_bars(rule_rows, title=str(_("Team proposals that failed in the last 12 months, by rule")), suppressed_below=k)
    regions = [
        (
            Region(region.region).label,
            [(Discipline(code).label, *counts) for code, *counts in region.cells(disciplines)],
            small_count(region.expiring),
            [(TeamRule(rule).label, failed_shown[rule][region.region]) for rule in sorted(region.failed)],
        )
        for region in report
    ]
    context = {"regions": regions, "chart": chart if rule_rows else None, "k": k}
    return render(request, "casework/capacity.html", context)
