"""Counts behind the routing indicator: needs routed to a service that fits the person's age, against
the needs routing found nothing for (service gaps).

Database aggregates only: two queries whatever the amount of data, plain count dicts out, for
config/indicators.py to protect (casework.statistics) and show or export.
"""

import datetime

from django.db.models import Count, F
from django.utils import timezone

from casework.choices import AgeBand
from casework.indicators import by_quarter
from casework.statistics import coarse_gender, quarter_of

from .models import Referral, ReferralStatus, ServiceGap

ROUTED, GAP = "ROUTED", "GAP"
ROUTING_OUTCOMES = (ROUTED, GAP)
GENDER_GROUPS = ("WOMAN", "MAN", "OTHER")


def _midnight(day):
    """The instant `day` begins in the current time zone (what `__date` compares in)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def routing_outcomes(*, since, until, region=None):
    """{(quarter, age band, gender group, ROUTED | GAP): needs} from `since` to `until` (dates, both
    included), optionally of one region (a department code).

    ROUTED: referrals not withdrawn of cases that consented to statistics (routing proposes only
    services whose ages fit), by the quarter they were proposed in and the person's age band and
    gender group (woman / man / other). GAP: the ServiceGap rows recorded (a need nothing served, one
    per case, need and week); they hold coarse codes and no case, so they are counted as they are.
    A region filters the cases' region and the gaps' (both are where the case is). Rows with an age
    band outside AgeBand (none is expected) are left out. Only combinations seen are present.
    """
    bands = set(AgeBand.values)
    # The days as a range of instants (midnight in the current time zone), not `proposed_at__date`:
    # PostgreSQL can estimate a range on the column itself, not on its conversion to a local date.
    referrals = Referral.objects.filter(
        case__in_statistics=True, proposed_at__gte=_midnight(since), proposed_at__lt=_midnight(until + datetime.timedelta(days=1))
    ).exclude(status=ReferralStatus.WITHDRAWN)
    gaps = ServiceGap.objects.filter(recorded_on__gte=since, recorded_on__lte=until)
    if region is not None:
        referrals = referrals.filter(case__region=region)
        gaps = gaps.filter(region=region)
    counts = {}

    def add(year, quarter, band, group, outcome, count):
        if band in bands:
            key = (quarter_of(year, quarter), band, group, outcome)
            counts[key] = counts.get(key, 0) + count

    rows = (
        referrals.order_by()
        .values(**by_quarter("proposed_at"), band=F("case__person__age_band"), gender=F("case__person__gender"))
        .annotate(count=Count("pk"))
    )
    for row in rows:  # one row per quarter, band and gender code: a bounded number
        add(row["year"], row["quarter"], row["band"], coarse_gender(row["gender"]), ROUTED, row["count"])
    rows = gaps.order_by().values(**by_quarter("recorded_on"), band=F("routing_band"), group=F("gender_group"))
    for row in rows.annotate(count=Count("pk")):
        group = row["group"] if row["group"] in GENDER_GROUPS else "OTHER"
        add(row["year"], row["quarter"], row["band"], group, GAP, row["count"])
    return counts
