"""Screens: route a case's needs to services, and follow each referral from proposal to its end."""

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from casework.access import case_for, holds, offices_supervised_by
from casework.charts import horizontal_bars
from casework.choices import Gender, Language, Region, ServiceType, joined_labels
from casework.forms import add_service_errors
from casework.roles import Role, has_role

from . import gaps, services
from .models import Referral, ReferralOutcome, ReferralStatus, Service
from .routing import Reason, Rule

REASON_LABELS = {
    Reason.AGE: gettext_lazy("fits the age"),
    Reason.GENDER: gettext_lazy("serves this gender"),
    Reason.EXPLOITATION: gettext_lazy("serves this form of exploitation"),
    Reason.SAME_REGION: gettext_lazy("in the same region"),
    Reason.NEIGHBOUR: gettext_lazy("in a neighbouring region"),
    Reason.NATIONAL: gettext_lazy("national"),
    Reason.PLACES_LEFT: gettext_lazy("places left"),
    Reason.LANGUAGE: gettext_lazy("speaks the person's language"),
    Reason.SPECIALISED: gettext_lazy("specialised in trafficking"),
    Reason.ACCEPTS_UNDOCUMENTED: gettext_lazy("accepts people without documents"),
    Reason.ACCESSIBLE: gettext_lazy("accessible"),
}
RULE_LABELS = {
    Rule.INACTIVE: gettext_lazy("not active"),
    Rule.AGE_BELOW_MIN: gettext_lazy("age %(age)s below minimum %(min_age)s"),
    Rule.AGE_ABOVE_MAX: gettext_lazy("age %(age)s above maximum %(max_age)s"),
    Rule.GENDER: gettext_lazy("does not serve this gender"),
    Rule.EXPLOITATION: gettext_lazy("does not serve this form of exploitation"),
    Rule.REGION: gettext_lazy("does not serve this region"),
    Rule.CAPACITY: gettext_lazy("full (%(capacity)s places)"),
    Rule.DOCUMENTS: gettext_lazy("needs identity documents"),
    Rule.ACCESSIBILITY: gettext_lazy("not accessible"),
}


def near_miss_text(miss):
    """ "age 19 above maximum 17": the one rule a service fails."""
    detail = {key: ("?" if value is None else value) for key, value in miss.detail.items()}
    try:
        return str(RULE_LABELS[miss.rule]) % detail
    except (KeyError, TypeError):
        return str(RULE_LABELS[miss.rule]).split("%")[0].strip()


def _case_for_referrals(user, case_id):
    case = case_for(user, case_id, fields=["referrals"])
    if not holds(user, case, "change_case"):
        raise PermissionDenied
    return case


@login_required
def case_services(request, case_id):
    """Every need of the case with the services that fit it, best first, and those that almost do."""
    case = _case_for_referrals(request.user, case_id)
    result, by_id = services.route_case(case=case)
    needs = dict(ServiceType.choices)
    rows = [
        {
            "need": need.need,
            "label": needs.get(need.need, need.need),
            "offers": [(by_id[offer.service_id], [REASON_LABELS[reason] for reason in offer.reasons]) for offer in need.offers],
            "near_misses": [(by_id[miss.service_id], near_miss_text(miss)) for miss in need.near_misses if miss.service_id in by_id],
        }
        for need in result.needs
    ]
    referrals = list(case.referrals.select_related("service", "service__provider").order_by("-proposed_at"))
    referred = {referral.service_id for referral in referrals if referral.status in services.ACTIVE}
    context = {"case": case, "rows": rows, "routed_as_minor": result.routed_as_minor, "referrals": referrals, "referred": referred}
    return render(request, "referrals/case_services.html", context)


@login_required
@require_POST
def referral_new(request, case_id):
    case = _case_for_referrals(request.user, case_id)
    service_id = request.POST.get("service", "")
    service = Service.objects.filter(pk=service_id, active=True).first() if service_id.isdigit() else None
    need = request.POST.get("need", "")
    if service is None or need not in case.needs:
        raise Http404
    try:
        referral = services.referral_propose(
            actor=request.user, case=case, service=service, need=need, shares_personal_data=request.POST.get("share") == "on"
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("case_services", case_id=case.pk)
    return redirect("referral_detail", referral_id=referral.pk)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class OverrideForm(VersionForm):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


OUTCOME_CHOICES = [("", "—"), *ReferralOutcome.choices]


def _choice(label, choices):
    return forms.ChoiceField(label=label, choices=choices, widget=forms.RadioSelect)


class _OutcomeNoteForm(VersionForm):
    """A move that may need a reason (DOMAIN.md section 5) and may carry a note; services check the reason."""

    note = forms.CharField(label=gettext_lazy("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AnswerForm(_OutcomeNoteForm):
    answer = _choice(
        gettext_lazy("The provider's answer"), [("accepted", gettext_lazy("Accepted")), ("declined", gettext_lazy("Declined"))]
    )
    outcome = forms.ChoiceField(label=gettext_lazy("Reason, when declined"), choices=OUTCOME_CHOICES, required=False)
    field_order = ["answer", "outcome", "note"]


class CloseForm(_OutcomeNoteForm):
    end = _choice(gettext_lazy("How it ended"), [("completed", gettext_lazy("Completed")), ("withdrawn", gettext_lazy("Withdrawn"))])
    outcome = forms.ChoiceField(label=gettext_lazy("Reason, when withdrawn"), choices=OUTCOME_CHOICES, required=False)
    field_order = ["end", "outcome", "note"]


class WithdrawForm(VersionForm):
    outcome = forms.ChoiceField(label=gettext_lazy("Why it is withdrawn"), choices=OUTCOME_CHOICES)


def message_preview(referral):
    """What the provider receives: the identity only when it may be shared; never contact details."""
    case, person = referral.case, referral.case.person
    lines = [
        (_("Service needed"), ServiceType(referral.need).label),
        (_("Our reference"), case.reference),
        (_("Region"), Region(case.region).label),
    ]
    if referral.shares_personal_data:
        lines += [(_("Name"), f"{person.given_names} {person.family_names}".strip())]
    lines += [
        (_("Age band"), person.get_age_band_display()),
        (_("Gender"), Gender(person.gender).label),
    ]
    if person.languages:
        lines.append((_("Languages"), joined_labels(Language.choices, person.languages)))
    return lines


def _referral_for(user, referral_id):
    referral = Referral.objects.select_related("service", "service__provider", "override").filter(pk=referral_id).first()
    if referral is None:
        raise Http404
    referral.case = _case_for_referrals(user, referral.case_id)
    return referral


@login_required
def referral_detail(request, referral_id):
    referral = _referral_for(request.user, referral_id)
    initial = {"version": referral.version}
    forms_by_action = {
        "override": OverrideForm(initial=initial),
        "answer": AnswerForm(initial=initial),
        "close": CloseForm(initial=initial),
        "withdraw": WithdrawForm(initial=initial),
    }
    if request.method == "POST":
        action = request.POST.get("action", "")
        form_class = {"override": OverrideForm, "answer": AnswerForm, "close": CloseForm, "withdraw": WithdrawForm}.get(action, VersionForm)
        form = form_class(request.POST)
        forms_by_action[action] = form
        if form.is_valid():
            response = _act(request, referral, action, form)
            if response is not None:
                return response
    sharing_allowed = not referral.shares_personal_data or services.sharing_allowed(referral)
    context = {
        "referral": referral,
        "case": referral.case,
        "preview": message_preview(referral) if referral.status == ReferralStatus.PROPOSED else None,
        "sharing_allowed": sharing_allowed,
        "forms": forms_by_action,
        "version": referral.version,
    }
    return render(request, "referrals/referral_detail.html", context)


def _act(request, referral, action, form):
    if form.cleaned_data["version"] != referral.version:
        return _changed_meanwhile(request, referral)
    data = form.cleaned_data
    try:
        if action == "send":
            services.referral_send(actor=request.user, referral=referral)
            messages.success(request, _("Referral marked as sent."))
        elif action == "override":
            services.referral_request_override(actor=request.user, referral=referral, reason=data["reason"])
            messages.success(request, _("Exception requested. The referral is sent when a supervisor approves it."))
        elif action == "answer":
            accepted = data["answer"] == "accepted"
            services.referral_answer(actor=request.user, referral=referral, accepted=accepted, outcome=data["outcome"], note=data["note"])
            messages.success(request, _("The provider's answer is recorded."))
        elif action == "withdraw":
            services.referral_close(actor=request.user, referral=referral, completed=False, outcome=data["outcome"])
            messages.success(request, _("Referral withdrawn."))
        elif action == "close":
            completed = data["end"] == "completed"
            services.referral_close(actor=request.user, referral=referral, completed=completed, outcome=data["outcome"], note=data["note"])
            messages.success(request, _("Referral closed."))
        else:
            return None
    except services.ConsentMissing:
        form.add_error(None, _("The person has not consented to share their identity with this sector. Ask for an exception."))
        return None
    except services.NoPlaceLeft:
        form.add_error(None, _("The service has no place left: its last place was just taken."))
        return None
    except ValidationError as error:
        if not hasattr(error, "error_dict"):  # the referral moved on meanwhile: show it as it is now
            return _changed_meanwhile(request, referral, error.messages)
        add_service_errors(form, error)
        return None
    return redirect("referral_detail", referral_id=referral.pk)


def _changed_meanwhile(request, referral, problems=None):
    for problem in problems or [_("Someone else changed this referral meanwhile. Look at it again.")]:
        messages.error(request, problem)
    return redirect("referral_detail", referral_id=referral.pk)


class PeriodForm(forms.Form):
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    until = forms.DateField(label=gettext_lazy("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end of the period is before its start."))
        return data


def _may_read_aggregates(user):
    if not (offices_supervised_by(user).exists() or has_role(user, Role.AUDITOR)):
        raise PermissionDenied


@login_required
@require_safe
def gap_report(request):
    """Needs nothing served, by need, age band, gender and region over a period; small counts hidden."""
    _may_read_aggregates(request.user)
    today = timezone.localdate()
    form = PeriodForm(request.GET or None, initial={"since": today - datetime.timedelta(days=365), "until": today})
    period = form.cleaned_data if form.is_bound and form.is_valid() else {}
    since, until = period.get("since") or today - datetime.timedelta(days=365), period.get("until") or today
    rows = gaps.gap_table(since=since, until=until)
    chart = horizontal_bars(gaps.by_need(rows), title=str(_("Service gaps by need")), suppressed_below=settings.STATISTICS_MIN_CELL)
    context = {
        "form": form,
        "rows": rows,
        "chart": chart if rows else None,
        "since": since,
        "until": until,
        "k": settings.STATISTICS_MIN_CELL,
    }
    return render(request, "referrals/gap_report.html", context)
