"""Counts behind the follow-up indicator: scheduled visits made within their window, for minors and
for adults.

One database aggregate whatever the amount of data, plain count dicts out, for
config/indicators.py to protect (casework.statistics) and show or export.
"""

import datetime

from django.db.models import Count, F, Q

from casework.indicators import by_quarter
from casework.statistics import quarter_of

from .models import RecordStatus, Visit, VisitStatus
from .schedule import Track

ON_TIME, LATE, MISSED, NOT_MADE = "ON_TIME", "LATE", "MISSED", "NOT_MADE"
VISIT_OUTCOMES = (ON_TIME, LATE, MISSED, NOT_MADE)
TRACKS = (Track.MINOR.value, Track.ADULT.value)

_MADE = Q(status=VisitStatus.DONE, record__status=RecordStatus.FINAL, record__contact_on__isnull=False)


def visits_on_time(cases, *, since, until, today):
    """{(quarter, MINOR | ADULT, outcome): visits} of the scheduled visits of the consented `cases`
    whose window closed from `since` to `until` (dates, both included) and before `today`, by the
    quarter their window closed in and their schedule (track).

    ON_TIME: made (recorded, final) on or before the window closed; LATE: made after it; MISSED: the
    person was not seen; NOT_MADE: the rest (never recorded, or a draft). Cancelled visits and
    unscheduled ones (after a risk event, no track) are left out; so are windows still open, which
    may yet be met. Only (quarter, track) pairs with a visit are present, with all four outcomes.
    """
    last = min(until, today - datetime.timedelta(days=1))
    visits = (
        Visit.objects.filter(
            case__in=cases.filter(in_statistics=True),
            unscheduled=False,
            track__in=TRACKS,
            window_closes__gte=since,
            window_closes__lte=last,
        )
        .exclude(status=VisitStatus.CANCELLED)
        .order_by()
    )
    rows = visits.values("track", **by_quarter("window_closes")).annotate(
        total=Count("pk"),
        on_time=Count("pk", filter=_MADE & Q(record__contact_on__lte=F("window_closes"))),
        late=Count("pk", filter=_MADE & Q(record__contact_on__gt=F("window_closes"))),
        missed=Count("pk", filter=Q(status=VisitStatus.MISSED)),
    )
    counts = {}
    for row in rows:
        quarter = quarter_of(row["year"], row["quarter"])
        made = {ON_TIME: row["on_time"], LATE: row["late"], MISSED: row["missed"]}
        made[NOT_MADE] = row["total"] - sum(made.values())
        for outcome, count in made.items():
            key = (quarter, row["track"], outcome)
            counts[key] = counts.get(key, 0) + count
    return counts
