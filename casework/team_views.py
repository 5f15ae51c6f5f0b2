"""The team screen: the solver's proposal with its reasons, swaps re-checked, confirm or ask for an override."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import staffing, teams
from .access import case_for, cases_visible_to
from .choices import Discipline, Gender, Language, Region, Sector, TeamRule, joined_labels
from .models import ReviewStatus


class TeamForm(forms.Form):
    members = forms.TypedMultipleChoiceField(label=gettext_lazy("Members"), coerce=int, widget=forms.CheckboxSelectMultiple)
    lead = forms.TypedChoiceField(label=gettext_lazy("Lead: interviews and visits the person"), coerce=int, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=gettext_lazy("Why this team should stand although it breaks a rule"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Only for an exception: a supervisor of the office decides."),
    )

    def __init__(self, *args, staff_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = staff_choices
        self.fields["lead"].choices = staff_choices

    def clean(self):
        cleaned = super().clean()
        if "members" in cleaned and "lead" in cleaned and cleaned["lead"] not in cleaned["members"]:
            self.add_error("lead", _("The lead must be one of the members."))
        return cleaned


def staff_label(profile, caseload):
    """Name, disciplines, gender, sector and load: what the person choosing a team needs."""
    name = profile.user.get_full_name() or profile.user.get_username()
    facts = [
        joined_labels(Discipline.choices, profile.disciplines),
        Gender(profile.gender).label,
        Sector(profile.sector).label,
        _("%(cases)d of %(cap)d cases") % {"cases": caseload, "cap": profile.caseload_cap},
    ]
    if profile.child_specialised:
        facts.append(_("child-specialised"))
    return f"{name} · " + " · ".join(str(fact) for fact in facts if fact)


def _left_out(excluded):
    counts = ", ".join(f"{count} ({TeamRule(rule).label})" for rule, count in sorted(excluded.items()))
    return _("left out: %(counts)s") % {"counts": counts}


def _one_more_person(hints):
    kinds = [" · ".join(str(MISSING_PARTS[key](value)) for key, value in hint.items() if key in MISSING_PARTS) for hint in hints]
    return _("one more person would make it possible: %(kinds)s") % {"kinds": _(" or ").join(kinds)}


# How each key of the solver's "missing" data reads (casework.teams; keys not listed are not shown).
MISSING_PARTS = {
    "discipline": lambda value: joined_labels(Discipline.choices, [value]),
    "disciplines": lambda value: joined_labels(Discipline.choices, value),
    "gender": lambda value: joined_labels(Gender.choices, [value]),
    "specialisation": lambda value: _("specialised in children and adolescents"),
    "language": lambda value: _("speaking %(language)s") % {"language": joined_labels(Language.choices, [value])},
    "months": lambda value: _("trained in the last %(months)d months") % {"months": value},
    "region": lambda value: _("in %(region)s") % {"region": joined_labels(Region.choices, [value])},
    "min_members": lambda value: _("at least %(count)d members") % {"count": value},
    "max_members": lambda value: _("at most %(count)d members") % {"count": value},
    "min_sectors": lambda value: _("at least %(count)d sectors") % {"count": value},
    "eligible": lambda value: _("%(count)d eligible") % {"count": value},
    "needed": lambda value: _("a team of %(count)d would be needed") % {"count": value},
    "lead": lambda value: _("the lead is not one of the members"),
    "excluded": _left_out,
    "combined": _one_more_person,
}


def describe(unmet, usernames=None):
    """One rule that is not met, in the user's language: the rule, then what was missing."""
    rule = TeamRule(unmet["rule"]).label
    missing = unmet.get("missing") or {}
    if "member" in missing:  # a rule of one person: who
        return f"{rule}: {(usernames or {}).get(missing['member'], _('a member'))}"
    parts = [str(MISSING_PARTS[key](value)) for key, value in missing.items() if key in MISSING_PARTS]
    return f"{rule}: {_('missing')} {' · '.join(parts)}" if parts else str(rule)


def _rule_labels(rules):
    return ", ".join(str(TeamRule(rule).label) for rule in rules)


def _unmet_dicts(unmet):
    return [{"rule": item.rule.value, "missing": item.missing} for item in unmet]


def _choices(case, policy, extra_ids):
    """The people who may be chosen: eligible staff of the region, and whoever is on the team already."""
    candidate_ids = [candidate.id for candidate in staffing.candidates_for(case, policy)]
    profiles = staffing.staff_with_caseloads(exclude_case=case).filter(user_id__in={*candidate_ids, *extra_ids})
    return [(profile.user_id, staff_label(profile, profile.caseload)) for profile in profiles.order_by("caseload", "user_id")]


@login_required
def case_team(request, case_id):
    case = case_for(request.user, case_id, fields=["team"])
    if not staffing.may_staff(request.user, case):
        raise PermissionDenied
    policy = staffing.policy_for(case.office)
    current = dict(case.team.values_list("user_id", "is_lead"))
    proposal, unmet = None, ()
    if request.method == "POST":
        form = TeamForm(request.POST, staff_choices=_choices(case, policy, current))
        response, unmet = _act(request, case, form)
        if response is not None:
            return response
    else:
        result = staffing.team_propose(case=case)
        proposal = result if isinstance(result, teams.Proposal) else None
        unmet = result.unmet if isinstance(result, teams.Infeasible) else ()
        members = [member.id for member in proposal.members] if proposal else list(current)
        lead = proposal.lead if proposal else next((user_id for user_id, is_lead in current.items() if is_lead), None)
        form = TeamForm(initial={"members": members, "lead": lead}, staff_choices=_choices(case, policy, {*current, *members}))
    names = dict(form.fields["members"].choices)
    context = {
        "case": case,
        "form": form,
        "reasons": [(names.get(member.id, ""), member.id == proposal.lead, _rule_labels(member.rules)) for member in proposal.members]
        if proposal
        else [],
        "unmet": [describe(item) for item in _unmet_dicts(unmet)],
        "has_team": bool(current),
    }
    if request.headers.get("X-Requested-With") == "fetch":  # the live re-check (static/js/team.js)
        return render(request, "casework/team_rules.html", context)
    return render(request, "casework/team.html", context)


def _act(request, case, form):
    """Check, confirm or ask for an override; (a response to send, or None and the rules still broken)."""
    if not form.is_valid():
        return None, ()
    members, lead, reason = form.cleaned_data["members"], form.cleaned_data["lead"], form.cleaned_data["reason"]
    action = request.POST.get("action", "check")
    try:
        unmet = staffing.team_check(case=case, member_ids=members, lead_id=lead)
    except ValidationError as error:
        form.add_error("members", error)
        return None, ()
    if action == "confirm" and not unmet:
        try:
            staffing.team_assign(actor=request.user, case=case, member_ids=members, lead_id=lead)
        except staffing.TeamBreaksPolicy as broken:  # someone's load or status changed meanwhile
            return None, broken.unmet
        messages.success(request, _("Team confirmed. Its members can now open the case."))
        if not cases_visible_to(request.user).filter(pk=case.pk).exists():
            messages.info(request, _("You are not on this team, so the case has left your list."))
            return redirect("home"), ()
        return redirect(f"{reverse('case_file', args=[case.pk])}#team"), ()
    if action == "override" and not unmet:
        form.add_error(None, _("This team meets every rule: confirm it instead."))
    elif action == "override":
        if not reason.strip():
            form.add_error("reason", _("Say why this team should stand although it breaks a rule."))
            return None, unmet
        try:
            staffing.team_request_override(actor=request.user, case=case, member_ids=members, lead_id=lead, reason=reason)
        except ValidationError as error:
            form.add_error("reason", error.message_dict.get("reason", error.messages))
            return None, unmet
        messages.success(request, _("Exception requested. The team is saved when a supervisor approves it."))
        return redirect(f"{reverse('case_file', args=[case.pk])}#team"), ()
    return None, unmet


def team_context(case, *, reviews, can_staff):
    """The case file's team section: members, rules broken, an override waiting (among `reviews`)."""
    members = list(case.team.select_related("user", "user__staff_profile").order_by("-is_lead", "user__last_name", "user_id"))
    usernames = {member.user_id: member.user.get_full_name() or member.user.get_username() for member in members}
    pending = next((review for review in reviews if review.kind == "TEAM_OVERRIDE" and review.status == ReviewStatus.PENDING), None)
    return {
        "team": members,
        "team_breaks": [describe(item, usernames) for item in case.team_breaks],
        "team_override_pending": pending,
        "team_override_unmet": [describe(item, usernames) for item in pending.details.get("unmet", [])] if pending else [],
        "can_staff": can_staff,
    }


def override_context(review):
    """What a supervisor decides on a team override: the team proposed and the rules it breaks."""
    details = review.details
    profiles = staffing.staff_with_caseloads(exclude_case=review.case).filter(user_id__in=details.get("members", []))
    members = [(staff_label(profile, profile.caseload), profile.user_id == details.get("lead")) for profile in profiles.order_by("user_id")]
    usernames = {profile.user_id: profile.user.get_full_name() or profile.user.get_username() for profile in profiles}
    return {"team_members": members, "team_unmet": [describe(item, usernames) for item in details.get("unmet", [])]}
