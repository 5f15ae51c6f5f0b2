"""Counts of follow-up for the dashboards: a fixed number of queries, whatever the amount of data."""

import datetime

from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth

from casework.choices import OPEN_STATUSES

from .models import ALARM, Reminder, Visit, VisitRecord, VisitStatus

WEEK = datetime.timedelta(days=7)
COMPLETION_WINDOW = datetime.timedelta(days=365)
SIGNAL_WINDOW = datetime.timedelta(days=90)


def visits_due(cases, *, today, shown=5):
    """Planned visits of `cases`: due this week (the window open, or opening within 7 days) and
    overdue (the window closed), each with how many and the first few."""
    planned = Visit.objects.filter(case__in=cases, status=VisitStatus.PLANNED).select_related("case")
    this_week = planned.filter(window_opens__lte=today + WEEK, window_closes__gte=today).order_by("due")
    overdue = planned.filter(window_closes__lt=today).order_by("window_closes")
    return {
        "this_week": this_week.count(),
        "this_week_first": list(this_week[:shown]),
        "overdue": overdue.count(),
        "overdue_first": list(overdue[:shown]),
    }


def office_follow_up(cases, *, today):
    """For a supervisor: visits overdue now and escalated in the last 30 days; how the visits whose
    window closed in the last year went (on time, late, missed, never made); re-exploitation and
    high-risk signals of the last 90 days, by month."""
    open_cases = cases.filter(status__in=OPEN_STATUSES)
    overdue = Visit.objects.filter(case__in=open_cases, status=VisitStatus.PLANNED, window_closes__lt=today)
    planned_overdue = overdue.count()
    escalated = (
        Reminder.objects.filter(case__in=cases, kind="ESCALATION", created_at__date__gte=today - datetime.timedelta(days=30))
        .values("visit_id")
        .distinct()
        .count()
    )
    closed = Visit.objects.filter(case__in=cases, window_closes__lt=today, window_closes__gte=today - COMPLETION_WINDOW)
    completion = closed.aggregate(
        total=Count("pk", filter=~Q(status=VisitStatus.CANCELLED)),
        on_time=Count("pk", filter=Q(status=VisitStatus.DONE, record__contact_on__lte=F("window_closes"))),
        late=Count("pk", filter=Q(status=VisitStatus.DONE, record__contact_on__gt=F("window_closes"))),
        missed=Count("pk", filter=Q(status=VisitStatus.MISSED)),
        never=Count("pk", filter=Q(status=VisitStatus.PLANNED)),
    )
    signals = (
        VisitRecord.objects.filter(ALARM, visit__case__in=cases, contact_on__gte=today - SIGNAL_WINDOW)
        .annotate(month=TruncMonth("contact_on"))
        .order_by("month")
        .values("month")
        .annotate(count=Count("pk"))
    )
    signals = [(row["month"], row["count"]) for row in signals]
    return {"overdue": planned_overdue, "escalated": escalated, "completion": completion, "signals": signals}
