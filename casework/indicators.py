"""Counts behind the recommendations' indicators that casework holds: teams that meet the policy.

Database aggregates only (GROUP BY quarter, a fixed number of queries whatever the amount of data,
never a loop over cases), of the cases that consented to statistics (`Case.in_statistics`); the
cases left out are counted by `unconsented_cases`. Plain count dicts keyed by (quarter label, ...)
come out, for config/indicators.py to protect with casework.statistics and to show or export.
"""

from django.db.models import Count, Exists, OuterRef, Q, TextField
from django.db.models.functions import Cast, ExtractQuarter, ExtractYear

from .choices import TeamRule
from .models import TeamMember
from .statistics import quarter_of

COMPLIANT, BROKEN, NO_TEAM = "COMPLIANT", "BROKEN", "NO_TEAM"
TEAM_STATUSES = (COMPLIANT, BROKEN, NO_TEAM)


def by_quarter(field):
    """values() arguments grouping rows by the year and quarter of `field` (a date, or a datetime in
    the current time zone)."""
    return {"year": ExtractYear(field), "quarter": ExtractQuarter(field)}


def _counted(cases, since, until):
    return cases.filter(in_statistics=True, opened_on__gte=since, opened_on__lte=until).order_by()


def _has_team():
    return Exists(TeamMember.objects.filter(case=OuterRef("pk")))


def team_compliance(cases, *, since, until):
    """{(quarter, COMPLIANT | BROKEN | NO_TEAM): cases} of the consented `cases` opened from `since`
    to `until` (dates, both included), by the quarter they were opened in.

    COMPLIANT: a team that breaks no rule; BROKEN: a team that breaks at least one (`team_breaks`,
    kept by casework.staffing at every check); NO_TEAM: no team yet. Quarters without cases are absent.
    """
    # Grouped by whether the case has a team: one EXISTS per case, where three filters would run three.
    rows = (
        _counted(cases, since, until)
        .values(**by_quarter("opened_on"), has_team=_has_team())
        .annotate(total=Count("pk"), breaking=Count("pk", filter=~Q(team_breaks=[])))
    )
    counts = {}
    for row in rows:
        quarter = quarter_of(row["year"], row["quarter"])
        if row["has_team"]:
            made = {COMPLIANT: row["total"] - row["breaking"], BROKEN: row["breaking"], NO_TEAM: 0}
        else:
            made = {COMPLIANT: 0, BROKEN: 0, NO_TEAM: row["total"]}
        for status, count in made.items():
            counts[quarter, status] = counts.get((quarter, status), 0) + count
    return counts


def _breaks(rule):
    """The cases whose `team_breaks` names `rule`.

    team_breaks is a JSON list of {"rule": code, "missing": {...}} (casework.staffing); a bare code in
    the list is understood too. Matched in the JSON's text, because a JSON containment lookup does not
    exist on SQLite; PostgreSQL's jsonb text and Django's json.dumps both write `"rule": "CODE"` and
    separate list items with ", ". A rule code is never a value of "missing", and "rule" is its own key.
    """
    patterns = (f'"rule": "{rule}"', f'["{rule}"]', f'["{rule}", ', f', "{rule}", ', f', "{rule}"]')
    condition = Q()
    for pattern in patterns:
        condition |= Q(breaks_text__contains=pattern)
    return condition


def broken_rules(cases, *, since, until):
    """{(quarter, rule code): cases} of the consented `cases` opened from `since` to `until` whose
    team breaks that rule (a case breaking two rules counts under each). Every TeamRule code of a
    quarter with a broken team is present, zeros included."""
    has_team = _has_team()
    rows = (
        _counted(cases, since, until)
        .filter(has_team)
        .exclude(team_breaks=[])
        .annotate(breaks_text=Cast("team_breaks", output_field=TextField()))
        .values(**by_quarter("opened_on"))
        .annotate(**{f"rule_{rule}": Count("pk", filter=_breaks(rule)) for rule in TeamRule.values})
    )
    counts = {}
    for row in rows:
        quarter = quarter_of(row["year"], row["quarter"])
        for rule in TeamRule.values:
            counts[quarter, rule] = counts.get((quarter, rule), 0) + row[f"rule_{rule}"]
    return counts


def unconsented_cases(cases, *, since, until):
    """How many of `cases` opened from `since` to `until` are left out: no consent to statistics."""
    return cases.filter(in_statistics=False, opened_on__gte=since, opened_on__lte=until).count()
