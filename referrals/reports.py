"""Counts of referrals for the dashboards: one query each, whatever the amount of data."""

import datetime

from django.db.models import Count
from django.utils import timezone

from .models import Referral, ReferralStatus

OUTCOME_WINDOW = datetime.timedelta(days=365)


def waiting_for_answer(cases, *, shown=5):
    """Referrals of `cases` sent and not answered yet: how many, and the longest waiting."""
    waiting = Referral.objects.filter(case__in=cases, status=ReferralStatus.SENT)
    return {"count": waiting.count(), "oldest": list(waiting.select_related("case", "service").order_by("sent_at")[:shown])}


def outcomes(cases, *, now=None):
    """How the referrals of `cases` made in the last year stand: (status label, count)."""
    since = (now or timezone.now()) - OUTCOME_WINDOW
    counts = dict(Referral.objects.filter(case__in=cases, proposed_at__gte=since).order_by().values_list("status").annotate(n=Count("pk")))
    return [(status.label, counts[status]) for status in ReferralStatus if counts.get(status)]
