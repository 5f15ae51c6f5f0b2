"""Case teams: proposing one with the solver, confirming it, overriding the policy, re-checking.

The solver (casework.teams) is pure; this module reads the case and the staff from the database
into its plain values, and writes what is decided: team places, object permissions, the access
log, and a record of each proposal (the evidence of which rules fail for lack of people).
"""

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit, reviews, teams
from .access import holds, offices_supervised_by
from .choices import OPEN_STATUSES, ServiceType
from .models import AccessAction, Case, CaseUserObjectPermission, StaffProfile, TeamMember, TeamPolicy, TeamProposal
from .roles import Role, has_role

HEALTH_NEEDS = frozenset({ServiceType.MEDICAL, ServiceType.SEXUAL_REPRODUCTIVE_HEALTH, ServiceType.MENTAL_HEALTH})
TEAM_PERMISSIONS = ("view_case", "change_case")
POLICY_FIELDS = (
    "min_members",
    "max_members",
    "mixed_gender",
    "min_sectors",
    "training_months",
    "lead_gender_honoured",
    "language_covered",
    "child_specialist_for_minors",
    "allow_remote",
)


class TeamBreaksPolicy(Exception):
    """The team breaks these rules; it can be saved only through an approved override review."""

    def __init__(self, unmet):
        super().__init__(", ".join(item.rule for item in unmet))
        self.unmet = unmet


# --- From the database to the solver's values ----------------------------------------------------


def policy_for(office):
    """The office's own policy, else the default, else DOMAIN.md's defaults (a flushed test database)."""
    own_first = F("office").asc(nulls_last=True)  # SQLite would put the default (NULL) first
    stored = TeamPolicy.objects.filter(Q(office=office) | Q(office__isnull=True)).order_by(own_first).first()
    stored = stored or TeamPolicy()
    return teams.Policy(
        **{name: getattr(stored, name) for name in POLICY_FIELDS},
        required_disciplines=frozenset(stored.required_disciplines),
        health_disciplines=frozenset(stored.health_disciplines),
    )


def case_profile(case, today=None):
    person = case.person
    return teams.CaseProfile(
        region=case.region,
        minor=person.is_minor,
        lead_gender=person.preferred_interviewer_gender,
        language=person.preferred_language,
        health_need=bool(HEALTH_NEEDS & set(case.needs)),
        today=today or timezone.localdate(),
    )


def staff_with_caseloads(*, exclude_case=None):
    """Staff profiles annotated with their number of open cases (one query when evaluated)."""
    open_places = Q(user__team_places__case__status__in=OPEN_STATUSES)
    if exclude_case is not None:
        open_places &= ~Q(user__team_places__case=exclude_case)
    return StaffProfile.objects.select_related("user").annotate(caseload=Count("user__team_places", filter=open_places))


def as_candidate(profile):
    return teams.Candidate(
        id=profile.user_id,
        gender=profile.gender,
        disciplines=frozenset(profile.disciplines),
        sector=profile.sector,
        region=profile.region,
        languages=frozenset(profile.languages),
        trained_on=profile.specialisation_trained_on,
        child_specialised=profile.child_specialised,
        caseload=profile.caseload,
        cap=profile.caseload_cap,
        active=profile.active and profile.user.is_active,
    )


def candidates_for(case, policy):
    """Everyone the solver may consider: active staff of the case's region (or anywhere, if remote is allowed)."""
    staff = staff_with_caseloads(exclude_case=case).filter(active=True, user__is_active=True)
    if not policy.allow_remote:
        staff = staff.filter(region=case.region)
    return [as_candidate(profile) for profile in staff.order_by("user_id")]


def members_as_candidates(case, user_ids):
    staff = staff_with_caseloads(exclude_case=case).filter(user_id__in=user_ids)
    return [as_candidate(profile) for profile in staff.order_by("user_id")]


# --- Use cases -------------------------------------------------------------------------------------


def may_staff(user, case):
    """The case's team (or whoever took its intake) and the supervisors of its office choose its team."""
    if has_role(user, Role.SUPERVISOR) and offices_supervised_by(user).filter(pk=case.office_id).exists():
        return True
    return holds(user, case, "change_case")


def team_propose(*, case, today=None):
    """The solver's proposal (or the rules it cannot meet) for this case, recorded as evidence.

    Once a day per case and outcome: reopening the team page must not multiply the failures the
    capacity report counts.
    """
    policy = policy_for(case.office)
    result = teams.assemble_team(case_profile(case, today), policy, candidates_for(case, policy))
    unmet_rules = sorted({item.rule.value for item in result.unmet}) if isinstance(result, teams.Infeasible) else []
    outcome = {"case": case, "feasible": not unmet_rules, "unmet_rules": unmet_rules}
    now = timezone.now()
    if not TeamProposal.objects.filter(**outcome, proposed_at__date=timezone.localdate(now)).exists():
        TeamProposal.objects.create(**outcome, office=case.office, region=case.region, proposed_at=now)
    return result


def team_check(*, case, member_ids, lead_id, today=None):
    """The rules the team chosen on screen would break (empty when it meets the policy)."""
    members = members_as_candidates(case, member_ids)
    missing = set(member_ids) - {member.id for member in members}
    if missing:
        raise ValidationError(_("Only staff with a staff profile can be on a team."))
    return teams.check_team(case_profile(case, today), policy_for(case.office), members, lead_id)


def team_assign(*, actor, case, member_ids, lead_id, allow_unmet=False, today=None):
    """Make these people the case's team, with `lead_id` as lead, in one transaction.

    Members get view and change permissions on the case; anyone else who held them (someone
    removed, or whoever took the intake) loses them. A team that breaks the policy raises
    TeamBreaksPolicy unless an override was approved (allow_unmet).
    """
    if not may_staff(actor, case):
        raise PermissionDenied
    member_ids = sorted(set(member_ids))
    if lead_id not in member_ids:
        raise ValidationError(_("The lead must be one of the members."))
    unmet = team_check(case=case, member_ids=member_ids, lead_id=lead_id, today=today)
    if unmet and not allow_unmet:
        raise TeamBreaksPolicy(unmet)
    explained = _explanations(case, member_ids, lead_id, today)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        TeamMember.objects.filter(case=locked).exclude(user_id__in=member_ids).delete()
        TeamMember.objects.filter(case=locked).update(is_lead=False)
        for user_id in member_ids:
            rules, covers = explained.get(user_id, ((), ()))
            TeamMember.objects.update_or_create(
                case=locked,
                user_id=user_id,
                defaults={"is_lead": user_id == lead_id, "rules": list(rules), "covers": list(covers), "assigned_by": actor},
            )
        _grant_exactly(locked, member_ids)
        locked.team_breaks = [_as_json(item) for item in unmet]
        locked.save(update_fields=["team_breaks", "updated_at"])
        audit.record(action=AccessAction.UPDATE, target=locked, actor=actor, fields=["team"], detail=f"{len(member_ids)} members")
    case.team_breaks = locked.team_breaks
    # An approved exception may put someone over their cap: every other team of theirs now breaks it too.
    for user_id in sorted({item.missing["member"] for item in unmet if item.rule == teams.Rule.CAPACITY}):
        teams_recheck(user=user_id, today=today)
    return unmet


def _explanations(case, member_ids, lead_id, today):
    """Why each member is there, as the solver would say it (rules and codes covered)."""
    profile, policy = case_profile(case, today), policy_for(case.office)
    members = members_as_candidates(case, member_ids)
    return {member.id: (member.rules, member.covers) for member in teams.explain(profile, policy, members, lead_id)}


def _grant_exactly(case, member_ids):
    """The team, and nobody else, holds the team's object permissions on the case."""
    granted = CaseUserObjectPermission.objects.filter(content_object=case)
    granted.exclude(user_id__in=member_ids).delete()
    held = set(granted.values_list("user_id", "permission_id"))
    permissions = Permission.objects.filter(content_type__app_label="casework", codename__in=TEAM_PERMISSIONS)
    CaseUserObjectPermission.objects.bulk_create(
        CaseUserObjectPermission(content_object=case, user_id=user_id, permission=permission)
        for user_id in member_ids
        for permission in permissions
        if (user_id, permission.pk) not in held
    )


def _as_json(unmet):
    return {"rule": unmet.rule.value, "missing": unmet.missing}


def team_request_override(*, actor, case, member_ids, lead_id, reason, today=None):
    """Ask a supervisor to let this team stand although it breaks the policy (it is saved on approval)."""
    if not may_staff(actor, case):
        raise PermissionDenied
    unmet = team_check(case=case, member_ids=member_ids, lead_id=lead_id, today=today)
    details = {"members": sorted(set(member_ids)), "lead": lead_id, "unmet": [_as_json(item) for item in unmet]}
    return reviews.review_request(actor=actor, case=case, kind="TEAM_OVERRIDE", reason=reason, details=details)


def _apply_override(review, actor):
    team_assign(
        actor=review.requested_by, case=review.case, member_ids=review.details["members"], lead_id=review.details["lead"], allow_unmet=True
    )


reviews.register(reviews.ReviewKind("TEAM_OVERRIDE", gettext_lazy("Team composition override"), on_approved=_apply_override))


# --- Re-checks when people change --------------------------------------------------------------------


def teams_recheck(*, user, today=None):
    """Re-check every open team `user` (a user or an id) is on, after a deactivation, a lower cap or a team
    that put them over their cap; returns the cases now breaking a rule."""
    broken = []
    for case in Case.objects.filter(status__in=OPEN_STATUSES, team__user=user).select_related("person", "office").distinct():
        members = list(case.team.values_list("user_id", flat=True))
        lead = case.team.filter(is_lead=True).values_list("user_id", flat=True).first()
        unmet = team_check(case=case, member_ids=members, lead_id=lead, today=today)
        case.team_breaks = [_as_json(item) for item in unmet]
        case.save(update_fields=["team_breaks", "updated_at"])
        if unmet:
            broken.append(case)
    return broken


def staff_profile_save(*, actor, profile):
    """Save a staff profile (admin site or a supervisor's screen); deactivating someone or lowering
    their cap re-checks every team they are on."""
    before = StaffProfile.objects.filter(pk=profile.pk).values("active", "caseload_cap").first()
    profile.full_clean()
    with transaction.atomic():
        profile.save()
        audit.record(action=AccessAction.UPDATE, target=profile, actor=actor, fields=["staff_profile"])
        if before and ((before["active"] and not profile.active) or profile.caseload_cap < before["caseload_cap"]):
            teams_recheck(user=profile.user)
