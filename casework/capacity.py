"""Specialised-operator capacity: where the agency lacks trained people (aggregates only).

Per region: active staff trained on trafficking within the policy's validity, by discipline and
gender group (woman / man / other, DOMAIN.md section 13); training that lapses in the next 90 days;
and the team proposals of the last 12 months that failed, by rule. Counts from 1 to k-1 are shown
as "<k" (k = STATISTICS_MIN_CELL, 11).
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings

from . import statistics, teams
from .models import StaffProfile, TeamProposal

EXPIRY_WINDOW = datetime.timedelta(days=90)
PROPOSAL_WINDOW = datetime.timedelta(days=365)


def small_count(count):
    """What may be shown of a count under the configured k (STATISTICS_MIN_CELL)."""
    return statistics.small_count(count, settings.STATISTICS_MIN_CELL)


@dataclass
class RegionCapacity:
    region: str
    specialised: Counter = field(default_factory=Counter)  # (discipline, gender group) -> people
    expiring: int = 0
    failed: Counter = field(default_factory=Counter)  # rule -> failed proposals

    def cells(self, disciplines):
        """(discipline, women, men, other) rows with small counts suppressed, for disciplines present anywhere."""
        return [
            (discipline, *(small_count(self.specialised[discipline, group]) for group in ("WOMAN", "MAN", "OTHER")))
            for discipline in disciplines
        ]


def capacity_report(*, today, training_months):
    regions = {}

    def region(code):
        return regions.setdefault(code, RegionCapacity(code))

    staff = StaffProfile.objects.filter(active=True, user__is_active=True).values_list(
        "region", "gender", "disciplines", "specialisation_trained_on"
    )
    valid_since = teams.months_before(today, training_months)
    lapsing_before = teams.months_before(today + EXPIRY_WINDOW, training_months)
    for code, gender, disciplines, trained_on in staff:
        if trained_on is None or not valid_since <= trained_on <= today:
            continue
        for discipline in disciplines:
            region(code).specialised[discipline, statistics.coarse_gender(gender)] += 1
        if trained_on < lapsing_before:
            region(code).expiring += 1
    since = datetime.datetime.combine(today - PROPOSAL_WINDOW, datetime.time.min, tzinfo=datetime.UTC)
    for code, rules in TeamProposal.objects.filter(feasible=False, proposed_at__gte=since).values_list("region", "unmet_rules"):
        region(code).failed.update(rules)
    return [regions[code] for code in sorted(regions)]


def failed_by_rule(report):
    total = Counter()
    for region in report:
        total.update(region.failed)
    return total
