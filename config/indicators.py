"""The recommendations' indicators, for auditors and supervisors: each a share per quarter (a number
and a line chart) with its counts, as they may be shown (casework.statistics), and the same tables
offered as an aggregate export (approved by a supervisor like every export).

1. Teams that meet the policy (mixed gender, interdisciplinary, multi-sectoral, specialised, ...):
   cases by quarter opened, with a team breaking no rule, a team breaking one, or no team yet; and
   the rules broken.
2. Needs routed to a service that fits the person's age, against gaps (needs nothing served), by
   age band and gender.
3. Scheduled follow-up visits made within their window, for minors and for adults.
4. Specialised staff per region (casework.capacity, summed up here; the capacity screen has it all).

The counts come from each app's indicators module (database aggregates, consented cases only); the
apps do not import each other, config composes them. Every table is protected by
`casework.statistics.protect_table` (k = STATISTICS_MIN_CELL): counts 1..k-1 shown "<k", more cells
hidden "*" until none can be worked out from the totals. A share is computed only from counts that
are shown: when its numerator or its denominator is hidden, the share is shown hidden the same way.
Each indicator is one table whose margins give everything shown of it (per quarter, per age band and
gender...), so no two published numbers of an indicator were protected apart. The rules broken are a
table of their own: a case counts under each rule its team breaks, so they are not parts of the teams
table's counts.

The counts (of every office or one) and the specialised staff of every region are read from
snapshots that beat recomputes (config/snapshots.py); an export counts when it is made.
"""

import itertools
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from casework import aggregate_exports, staffing, statistics
from casework import indicators as casework_indicators
from casework.access import offices_supervised_by
from casework.capacity import capacity_report, failed_by_rule, small_count
from casework.charts import Share, horizontal_bars, share_chart
from casework.choices import AgeBand, Discipline, Region, TeamRule
from casework.exports import ExportTable
from casework.models import Case, Office
from casework.roles import Role, has_role
from casework.statistics import TOTAL, ProtectedTable, excluded_count, protect, protect_table, quarters_between, recent_quarters
from config import snapshots
from followup import indicators as followup_indicators
from referrals import indicators as referrals_indicators

QUARTERS_SHOWN = 8

TEAM_STATUSES = casework_indicators.TEAM_STATUSES
RULES = tuple(TeamRule.values)
BANDS = tuple(AgeBand.values)
GENDER_GROUPS = referrals_indicators.GENDER_GROUPS
ROUTING_OUTCOMES = referrals_indicators.ROUTING_OUTCOMES
TRACKS = followup_indicators.TRACKS
VISIT_OUTCOMES = followup_indicators.VISIT_OUTCOMES

TEAM_LABELS = {
    casework_indicators.COMPLIANT: gettext_lazy("Team meets the policy"),
    casework_indicators.BROKEN: gettext_lazy("Team breaks a rule"),
    casework_indicators.NO_TEAM: gettext_lazy("No team yet"),
}
GENDER_LABELS = {"WOMAN": gettext_lazy("Women"), "MAN": gettext_lazy("Men"), "OTHER": gettext_lazy("Other")}
TRACK_LABELS = {"MINOR": gettext_lazy("Minors"), "ADULT": gettext_lazy("Adults")}
LACKING_LABELS = {"WOMAN": gettext_lazy("no woman"), "MAN": gettext_lazy("no man")}


# --- Quarters ------------------------------------------------------------------------------------


def last_quarters(today):
    return recent_quarters(today, QUARTERS_SHOWN)


# --- The protected tables (the page and the export) ----------------------------------------------


@dataclass(frozen=True)
class IndicatorTables:
    quarters: tuple[str, ...]
    teams: ProtectedTable  # quarter x team status
    rules: ProtectedTable  # rule broken (cases, over all the quarters)
    routing: ProtectedTable  # quarter x age band x gender group x outcome (routed, gap)
    follow_up: ProtectedTable  # quarter x schedule (track) x visit outcome
    excluded: int | str  # cases opened in the quarters without consent to statistics, as shown


def indicator_counts(*, quarters, office, today):
    """The counts behind the indicators for `quarters` (consecutive labels, oldest first) of one office
    (None: every office), unprotected: {"teams", "rules", "routing", "follow_up": count dicts,
    "excluded": cases}. Six queries, whatever the amount of data."""
    since, until = statistics.quarter_start(quarters[0]), statistics.quarter_end(quarters[-1])
    cases = Case.objects.filter(office=office) if office is not None else Case.objects.all()
    # Gaps have no case, only the case's region: for one office, its region's needs (both sides alike).
    region = office.region if office is not None else None
    rules = {}
    for (_quarter, rule), count in casework_indicators.broken_rules(cases, since=since, until=until).items():
        rules[(rule,)] = rules.get((rule,), 0) + count
    return {
        "teams": casework_indicators.team_compliance(cases, since=since, until=until),
        "rules": rules,
        "routing": referrals_indicators.routing_outcomes(since=since, until=until, region=region),
        "follow_up": followup_indicators.visits_on_time(cases, since=since, until=until, today=today),
        "excluded": casework_indicators.unconsented_cases(cases, since=since, until=until),
    }


def indicator_tables(*, quarters, counts, publication):
    """`counts` (indicator_counts) as the four protected tables and the excluded count; `publication`
    rounds every shown count down to a multiple of k."""
    quarters = tuple(quarters)
    k = settings.STATISTICS_MIN_CELL

    def protected(name, dimensions, categories):
        return protect_table(counts[name], dimensions=dimensions, categories=categories, k=k, publication=publication)

    return IndicatorTables(
        quarters=quarters,
        teams=protected("teams", ("quarter", "team"), (quarters, TEAM_STATUSES)),
        rules=protected("rules", ("rule",), (RULES,)),
        routing=protected("routing", ("quarter", "age_band", "gender", "outcome"), (quarters, BANDS, GENDER_GROUPS, ROUTING_OUTCOMES)),
        follow_up=protected("follow_up", ("quarter", "schedule", "outcome"), (quarters, TRACKS, VISIT_OUTCOMES)),
        excluded=excluded_count(counts["excluded"], k=k, publication=publication),
    )


def kept_tables(office, today, *, recompute=False):
    """The page's tables (protected, not for publication) of one office (None: every office) over the
    quarters it shows, as kept by config/snapshots.py (recompute: now, for beat). Protected before
    they are kept: the suppression costs more than the counting, and no raw small count is kept."""
    quarters = last_quarters(today)

    def compute():
        counts = indicator_counts(quarters=quarters, office=office, today=today)
        return indicator_tables(quarters=quarters, counts=counts, publication=False)

    keep = snapshots.refresh if recompute else snapshots.remembered
    return keep(snapshots.key("indicators", today, quarters, office.pk if office else None), compute)


# --- What the page shows of each table -----------------------------------------------------------


def _quarter_label(quarter):
    return _("All quarters shown") if quarter == TOTAL else quarter


def _cells(labels, counts):
    """(label, shown) pairs: a table row's cells with the header each falls under (data-label on narrow screens)."""
    return list(zip(labels, counts, strict=True))


def _latest(tables, share):
    return {"quarter": tables.quarters[-1], "part": share.part, "whole": share.whole}


def _teams(tables):
    table = tables.teams
    labels = [TEAM_LABELS[status] for status in TEAM_STATUSES]
    rows, shares = [], []
    for quarter in (*tables.quarters, TOTAL):
        whole = table.cell(quarter, TOTAL)
        shares.append(Share(table.cell(quarter, casework_indicators.COMPLIANT), whole))
        if whole != 0:  # no case opened then: nothing to say (the chart shows every quarter)
            rows.append(
                (_quarter_label(quarter), "", _cells(labels, [table.cell(quarter, status) for status in TEAM_STATUSES]), whole, shares[-1])
            )
    shares = shares[:-1]  # the quarters', without all of them together
    rules = [(TeamRule(rule).label, tables.rules.cell(rule)) for rule in RULES]
    return {
        "id": "teams",
        "title": _("Teams that meet the policy"),
        "intro": _(
            "Cases by the quarter they were opened in: with a team that breaks no rule of the team policy (mixed gender, "
            "interdisciplinary, multi-sectoral, specialised and the others), with a team that breaks one, or with no team yet. "
            "The share is of all the cases."
        ),
        "latest": shares[-1],
        "latest_text": _("%(quarter)s: %(part)s of %(whole)s cases") % _latest(tables, shares[-1]),
        "chart": share_chart(
            "teams-chart", _("Share of cases with a team that meets the policy, per quarter"), tables.quarters, [("", shares)]
        ),
        "caption": _("Cases by quarter opened and team"),
        "labels": labels,
        "whole_label": _("All cases"),
        "share_label": _("Share meeting the policy"),
        "rows": rows,
        "empty": _("No case opened in these quarters."),
        "rules": [(label, shown) for label, shown in rules if shown != 0],
    }


def _routing(tables):
    table = tables.routing
    labels = [_("Routed"), _("Gaps")]
    per_quarter, shares = [], []
    for quarter in (*tables.quarters, TOTAL):
        routed, gaps, whole = (table.cell(quarter, TOTAL, TOTAL, outcome) for outcome in (*ROUTING_OUTCOMES, TOTAL))
        shares.append(Share(routed, whole))
        if whole != 0:
            per_quarter.append((_quarter_label(quarter), "", _cells(labels, [routed, gaps]), whole, shares[-1]))
    shares = shares[:-1]
    by_group = []
    for band, group in itertools.product((*BANDS, TOTAL), (*GENDER_GROUPS, TOTAL)):
        routed, gaps, whole = (table.cell(TOTAL, band, group, outcome) for outcome in (*ROUTING_OUTCOMES, TOTAL))
        if whole != 0:  # nobody in the group: nothing to say
            band_label = _("All ages") if band == TOTAL else AgeBand(band).label
            group_label = _("All") if group == TOTAL else GENDER_LABELS[group]
            by_group.append((band_label, group_label, _cells(labels, [routed, gaps]), whole, Share(routed, whole)))
    return {
        "id": "routing",
        "title": _("Needs routed to a service for the person's age"),
        "intro": _(
            "Needs referred to a service that fits the person's age (referrals not withdrawn, by the quarter they were "
            "proposed in), against gaps: needs for which routing found no service. Gaps are recorded without the case, "
            "so they cannot be limited to consented cases. For one office, the needs of cases in its region."
        ),
        "latest": shares[-1],
        "latest_text": _("%(quarter)s: %(part)s of %(whole)s needs") % _latest(tables, shares[-1]),
        "chart": share_chart("routing-chart", _("Share of needs routed to a service, per quarter"), tables.quarters, [("", shares)]),
        "caption": _("Needs by quarter: routed and gaps"),
        "labels": labels,
        "whole_label": _("All needs"),
        "share_label": _("Share routed"),
        "rows": per_quarter,
        "empty": _("No needs routed and no gaps in these quarters."),
        "by_group": by_group,
    }


def _follow_up(tables):
    table = tables.follow_up
    labels = [_("On time"), _("Late"), _("Not seen"), _("Not made")]
    rows, shares = [], {track: [] for track in TRACKS}
    for quarter, track in itertools.product((*tables.quarters, TOTAL), TRACKS):
        whole = table.cell(quarter, track, TOTAL)
        share = Share(table.cell(quarter, track, followup_indicators.ON_TIME), whole)
        counts = _cells(labels, [table.cell(quarter, track, outcome) for outcome in VISIT_OUTCOMES])
        if whole != 0:  # no visit of this schedule closed then: nothing to say
            rows.append((_quarter_label(quarter), TRACK_LABELS[track], counts, whole, share))
        if quarter != TOTAL:
            shares[track].append(share)
    chart = share_chart(
        "follow-up-chart",
        _("Share of follow-up visits made within their window, per quarter"),
        tables.quarters,
        [(TRACK_LABELS[track], shares[track]) for track in TRACKS],
    )
    return {
        "id": "follow-up",
        "title": _("Follow-up visits made on time"),
        "intro": _(
            "Scheduled follow-up visits by the quarter their window closed in (windows still open are not counted): made "
            "within the window, made late, made without seeing the person, or not made. Cancelled visits are left out."
        ),
        "latest": [
            (TRACK_LABELS[track], share, _("%(quarter)s: %(part)s of %(whole)s visits on time") % _latest(tables, share))
            for track, share in ((track, shares[track][-1]) for track in TRACKS)
        ],
        "chart": chart,
        "caption": _("Scheduled visits by quarter their window closed, schedule and outcome"),
        "labels": labels,
        "whole_label": _("All visits"),
        "share_label": _("Share on time"),
        "rows": rows,
        "empty": _("No visit window closed in these quarters."),
    }


def national_capacity(today, *, recompute=False):
    """casework.capacity's report (every region: the page shows it for one office too), as kept by
    config/snapshots.py (recompute: now, for beat)."""
    training_months = staffing.policy_for(None).training_months
    keep = snapshots.refresh if recompute else snapshots.remembered
    return keep(snapshots.key("capacity", today), lambda: capacity_report(today=today, training_months=training_months))


def capacity_summary(report):
    """From casework.capacity's `report`: per region, the disciplines every team needs that lack a
    specialised woman or man there, and the team proposals of the last 12 months that failed, by rule."""
    policy = staffing.policy_for(None)
    k = settings.STATISTICS_MIN_CELL
    required = [code for code in Discipline.values if code in policy.required_disciplines]
    # Each rule's total over the regions is shown in the chart: protect the regions' counts against it.
    failed_shown = {
        rule: protect({region.region: region.failed[rule] for region in report if rule in region.failed}, k=k) for rule in RULES
    }
    regions = []
    for region in report:
        lacking = [
            (Discipline(code).label, LACKING_LABELS[group])
            for code in required
            for group in ("WOMAN", "MAN")
            if not region.specialised[code, group]
        ]
        failed = [(TeamRule(rule).label, failed_shown[rule][region.region]) for rule in RULES if rule in region.failed]
        regions.append((Region(region.region).label, lacking, failed))
    failed = failed_by_rule(report)
    rule_rows = [(TeamRule(rule).label, failed[rule], small_count(failed[rule])) for rule in RULES if failed[rule]]
    chart = horizontal_bars(rule_rows, title=_("Team proposals that failed in the last 12 months, by rule"), suppressed_below=k)
    return {
        "regions": regions,
        "lacking": sum(1 for _region, lacking, _failed in regions if lacking),
        "chart": chart if rule_rows else None,
    }


# --- The page --------------------------------------------------------------------------------------


def may_see(user):
    return has_role(user, Role.AUDITOR) or offices_supervised_by(user).exists()


@login_required
@require_safe
def indicators(request):
    """The four indicators over the last eight quarters, for every office or one (`?office=LIM`).

    Auditors and supervisors, of any office: aggregates only, protected as anything shown to auditors.
    """
    if not may_see(request.user):
        raise PermissionDenied
    offices = list(Office.objects.order_by("code"))
    choice = request.GET.get("office", "")
    office = next((office for office in offices if office.code == choice), None)
    if choice and office is None:
        raise Http404
    today = timezone.localdate()
    snapshot = kept_tables(office, today)
    tables = snapshot.figures
    context = {
        "offices": offices,
        "office": office,
        "choice": choice,
        "quarters": tables.quarters,
        "latest_quarter": tables.quarters[-1],
        "k": settings.STATISTICS_MIN_CELL,
        "excluded": tables.excluded,
        "computed_at": snapshot.computed_at,
        "refresh_minutes": settings.REPORT_SNAPSHOT_SECONDS // 60,
        "sections": [_teams(tables), _routing(tables), _follow_up(tables)],
        "capacity": capacity_summary(national_capacity(today).figures),
    }
    return render(request, "dashboards/indicators.html", context)


# --- The export (asked for on the exports screen, approved by a supervisor) ------------------------


def _long_form(name, table, headers):
    """A protected table as an export table: a column per dimension, then the count; TOTAL rows are the margins."""
    keys = itertools.product(*((*categories, TOTAL) for categories in table.categories))
    return ExportTable(name, (*headers, "count"), tuple((*key, table.cell(*key)) for key in keys))


def export_tables(details):
    """The indicators' tables for an approved export: its quarters, office (or all) and publication mode."""
    office = Office.objects.get(code=details["office"]) if details["office"] else None
    quarters = quarters_between(details["from"], details["to"])
    counts = indicator_counts(quarters=quarters, office=office, today=timezone.localdate())  # an export is counted when it is made
    tables = indicator_tables(quarters=quarters, counts=counts, publication=details["publication"])
    return [
        _long_form("indicators_teams", tables.teams, ("quarter_opened", "team")),
        _long_form("indicators_team_rules_broken", tables.rules, ("rule",)),
        _long_form("indicators_routing", tables.routing, ("quarter", "age_band", "gender", "outcome")),
        _long_form("indicators_follow_up", tables.follow_up, ("quarter_window_closed", "schedule", "outcome")),
        ExportTable("indicators_excluded", ("reason", "count"), (("no consent to statistics", tables.excluded),)),
    ]


aggregate_exports.register("INDICATORS", gettext_lazy("Indicators tables"), export_tables)
