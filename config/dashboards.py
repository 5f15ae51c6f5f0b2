"""The dashboards: the caseworker's home and the supervisor's page.

They compose the counts each app reports (casework/reports.py, referrals/reports.py,
followup/reports.py); the apps do not import each other, config wires them together. Every count
is a database aggregate, so the number of queries does not grow with the data. These pages show
staff their own offices' work (cases they may open anyway), so counts are exact; what leaves the
system, or is shown to auditors, goes through casework.statistics instead (the indicators page,
the exports).
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from casework import reports as casework_reports
from casework.access import cases_visible_to, offices_supervised_by
from casework.charts import horizontal_bars
from casework.choices import OPEN_STATUSES
from casework.models import Notification, NotificationKind, Office
from casework.views import my_cases_context
from config import snapshots
from followup import reports as followup_reports
from referrals import reports as referrals_reports

CASELOADS_SHOWN = 20


@login_required
@require_safe
def home(request):
    """My cases, under a summary of them: by status, visits due this week and overdue, unread
    alerts, referrals waiting for an answer."""
    today = timezone.localdate()
    mine = cases_visible_to(request.user).filter(status__in=OPEN_STATUSES)
    unread = Notification.objects.filter(recipient=request.user, read_at__isnull=True)
    summary = {
        "by_status": casework_reports.cases_by_status(mine),
        "visits": followup_reports.visits_due(mine, today=today),
        "referrals": referrals_reports.waiting_for_answer(mine),
        "urgent_unread": unread.filter(kind=NotificationKind.VISIT_URGENT).count(),
    }
    return render(request, "casework/my_cases.html", {**my_cases_context(request), "summary": summary})


def _chosen_offices(request):
    """The offices the supervisor oversees, and the ids of those chosen (all, or the one asked for).

    Ids, read once: as a subquery the planner takes the supervised offices for a single office and
    plans every count for a few thousand cases (bench/reports.py)."""
    offices = list(Office.objects.filter(pk__in=offices_supervised_by(request.user).values("pk")).order_by("code"))
    choice = request.GET.get("office", "")
    chosen = [office.pk for office in offices if not choice or office.code == choice]
    if not chosen:
        raise PermissionDenied
    return offices, chosen, choice


def office_figures(chosen, today):
    """The dashboard's counts for the offices `chosen` (ids), but the reviews waiting."""
    cases = casework_reports.office_cases(chosen)
    return {
        "by_status": casework_reports.cases_by_status(cases),
        "teams": casework_reports.teams_to_fix(chosen),
        "places": casework_reports.open_places(chosen),
        "follow_up": followup_reports.office_follow_up(cases, today=today),
        "outcomes": referrals_reports.outcomes(cases),
    }


def dashboard_figures(chosen, today, *, recompute=False):
    """office_figures, as kept by config/snapshots.py (recompute: now, for beat)."""
    keep = snapshots.refresh if recompute else snapshots.remembered
    return keep(snapshots.key("dashboard", today, sorted(chosen)), lambda: office_figures(chosen, today))


@login_required
@require_safe
def supervisor_dashboard(request):
    """Per office: cases by status and phase, reviews waiting, overdue visits and escalations, teams
    breaking the policy, caseloads against caps, referral outcomes, follow-up completion, and the
    re-exploitation signals of the last 90 days. The counts are those of the last few minutes
    (config/snapshots.py), but the reviews waiting: counted now, as she decides them."""
    offices, chosen, choice = _chosen_offices(request)
    snapshot = dashboard_figures(chosen, timezone.localdate())
    figures = snapshot.figures
    by_status, outcomes = figures["by_status"], figures["outcomes"]
    context = {
        **figures,
        "reviews": casework_reports.reviews_waiting(chosen),
        "offices": offices,
        "choice": choice,
        "computed_at": snapshot.computed_at,
        "refresh_minutes": settings.REPORT_SNAPSHOT_SECONDS // 60,
        "status_chart": horizontal_bars([(label, count, count) for _phase, label, count in by_status], title=_("Cases by status")),
        **casework_reports.caseloads(chosen, shown=CASELOADS_SHOWN, places=figures["places"]),
        "outcome_chart": horizontal_bars([(label, count, count) for label, count in outcomes], title=_("Referrals of the last 12 months")),
    }
    return render(request, "dashboards/supervisor.html", context)
