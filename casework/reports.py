"""Counts of casework for the dashboards. Each is one query (or a fixed few) whatever the amount of
data: GROUP BY in the database, never a loop over cases."""

from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from .choices import OPEN_STATUSES, CaseStatus
from .models import Case, Review, ReviewStatus, StaffProfile, TeamMember

# The phase of a case's life each status belongs to (the supervisor dashboard groups by it).
PHASES = {
    CaseStatus.INTAKE: _("Intake"),
    CaseStatus.IMMEDIATE_ASSISTANCE: _("Assistance"),
    CaseStatus.REINTEGRATION_PLANNING: _("Reintegration"),
    CaseStatus.REINTEGRATION_ACTIVE: _("Reintegration"),
    CaseStatus.FOLLOW_UP: _("Follow-up"),
    CaseStatus.CLOSURE_PENDING: _("Closing"),
    CaseStatus.LOST_CONTACT: _("Closing"),
    CaseStatus.CLOSED: _("Closed"),
    CaseStatus.CLOSED_REFERRED: _("Closed"),
}


def cases_by_status(cases):
    """(phase, status label, count) of `cases`, in the order of a case's life, empty statuses left out."""
    counts = dict(cases.order_by().values_list("status").annotate(count=Count("pk")))
    return [(PHASES[status], status.label, counts[status]) for status in CaseStatus if counts.get(status)]


def office_cases(offices):
    return Case.objects.filter(office__in=offices)


def reviews_waiting(offices):
    """How many reviews wait for the supervisors of `offices` (their cases', and exports of theirs or
    of every office), and since when the oldest."""
    theirs = Q(case__office__in=offices) | Q(case__isnull=True, office__in=offices) | Q(case__isnull=True, office__isnull=True)
    return Review.objects.filter(theirs, status=ReviewStatus.PENDING).aggregate(count=Count("pk"), oldest=Min("requested_at"))


def teams_to_fix(offices):
    """Open cases of `offices` whose team breaks the policy, and those without a team yet."""
    open_cases = office_cases(offices).filter(status__in=OPEN_STATUSES)
    # EXISTS, one index probe per open case: NOT IN (every team member's case) is hashed only while
    # the team table fits in work_mem; past that PostgreSQL rescans it for every case (minutes).
    has_team = Exists(TeamMember.objects.filter(case=OuterRef("pk")))
    return open_cases.aggregate(
        breaking=Count("pk", filter=~Q(team_breaks=[])),
        without_team=Count("pk", filter=~has_team),
    )


def _active_staff(offices):
    return StaffProfile.objects.filter(office__in=offices, active=True, user__is_active=True)


def open_places(offices):
    """{user id: open cases} of the active staff of `offices`: their open team places, counted by
    person for the staff's ids (joining every team place before filtering by office read them all)."""
    staff = list(_active_staff(offices).values_list("user", flat=True))
    places = TeamMember.objects.filter(user__in=staff, case__status__in=OPEN_STATUSES)
    return dict(places.order_by().values_list("user").annotate(count=Count("pk")))


def caseloads(offices, *, shown, places):
    """The `shown` active staff of `offices` fullest against their cap (open cases over cap, from
    `places`: open_places), each with `.caseload`, fullest first; how many staff there are, and how
    many are over their cap. Two queries: the staff as plain rows, then the profiles of those shown (a
    national supervisor's two thousand staff made into objects cost more than the counting)."""
    staff = list(_active_staff(offices).values_list("user", "caseload_cap", "user__username"))
    staff.sort(key=lambda row: (-(places.get(row[0], 0) / max(row[1], 1)), row[2]))
    fullest = [user for user, _cap, _name in staff[:shown]]
    profiles = {profile.user_id: profile for profile in StaffProfile.objects.filter(user__in=fullest).select_related("user")}
    for profile in profiles.values():
        profile.caseload = places.get(profile.user_id, 0)
    return {
        "caseloads": [profiles[user] for user in fullest],
        "staff_count": len(staff),
        "over_cap": sum(1 for user, cap, _name in staff if places.get(user, 0) > cap),
    }
