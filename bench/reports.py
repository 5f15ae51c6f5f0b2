"""The supervisor dashboard and the indicators page on 100,000 cases and 500,000 follow-up visits.

The world is config/scale.py's (its docstring describes it; `manage.py seed_scale` makes the same
one), in its base form: guardian's object permissions, search tokens and access events are not
created, as neither page reads them (supervisors see their offices, auditors aggregates).

Timed, through Django's test Client with a signed-in user (supervisors with their second factor
passed, as tests/factories.sign_in does), each the whole request (middleware, session save,
template): the supervisor dashboard of the supervisor of one office (dashboard_one_office) and of
the national supervisor (dashboard_all_offices), and the indicators page for the auditor, of every
office (indicators_all_offices) and of one (indicators_one_office). One untimed request per page
(a warm-up that must answer 200), one more with its queries counted (CaptureQueriesContext; the
slowest query's time is reported too), then REQUESTS rounds, the pages taking turns in a rotating
order. Median and 95th percentile (interpolated) in milliseconds. The pages read the figures that
beat keeps (config/snapshots.py), so what they cost to compute is measured apart: each page with
nothing kept (`<page>_computed_median_ms`, COMPUTED requests each, no goal), and beat's whole
refresh of every office, every supervisor's set of offices and all of them (`snapshot_refresh_s`).

The same pages are measured first on a small world (1,000 cases, 5,000 visits, 4 staff per office,
the same generator), which is then deleted, and the large world seeded: the query counts must be
equal at both sizes. Before timing, the counts the pages show are checked against the generated
data (cases of the office by status, overdue visits, teams by compliance), so the pages measured
do see the world. On SQLite (one writer, no statistics) the large world has 10,000 cases, and
`reduced_size_for_sqlite` says so. On PostgreSQL the topic takes about five and a half minutes on
2 cores, four and a half of them seeding the large world.
"""

import logging
import statistics
import time
from collections import Counter

from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.common import goal, seconds
from casework import indicators as casework_indicators
from casework import reports as casework_reports
from casework.choices import CaseStatus
from casework.models import Case, Office, TwoFactorDevice
from casework.statistics import quarter_start
from config import snapshots
from config.indicators import last_quarters
from config.scale import clear_world, seed_world
from config.tasks import refresh_snapshots
from followup import reports as followup_reports

CASES = 100_000
SQLITE_CASES = 10_000  # SQLite has one writer and no statistics: the topic still runs, smaller, and says so
SMALL_CASES = 1_000
REQUESTS = 10
COMPUTED = 3  # requests per page with nothing kept
SEED = 20260601
TARGET_MS = 500


# -- the pages -----------------------------------------------------------------------------------


def signed_in_client(user):
    """A test Client signed in as `user`, with the second factor passed when the user needs one
    (what tests/factories.sign_in does). HTTP_HOST: one of ALLOWED_HOSTS (no test environment here)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from casework.two_factor import needs_two_factor

    client = Client(HTTP_HOST="localhost")
    axes = logging.getLogger("axes")  # its INFO line per sign-in would drown the benchmark's output
    level = axes.level
    axes.setLevel(logging.WARNING)
    try:
        client.force_login(user)
    finally:
        axes.setLevel(level)
    if needs_two_factor(user):
        device = TwoFactorDevice.objects.create(user=user, name="authenticator", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def pages(timed, offices):
    """{page: (client, url)}."""
    clients = {role: signed_in_client(user) for role, user in timed.items()}
    return {
        "dashboard_one_office": (clients["office_supervisor"], "/dashboard/"),
        "dashboard_all_offices": (clients["national_supervisor"], "/dashboard/"),
        "indicators_all_offices": (clients["auditor"], "/indicators/"),
        "indicators_one_office": (clients["auditor"], f"/indicators/?office={offices[0].code}"),
    }


def get(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise AssertionError(f"GET {url} answered {response.status_code}")
    return response


def check_counts(expected):
    """Untimed: what the pages count is what was generated (the pages do see the world)."""
    office = expected["offices"][0]
    counts = expected["by_office"][office.pk]
    chosen = Office.objects.filter(pk=office.pk)
    cases = casework_reports.office_cases(chosen)
    by_status = {str(label): count for _phase, label, count in casework_reports.cases_by_status(cases)}
    wanted = {str(status.label): counts[status] for status in CaseStatus if counts[status]}
    if by_status != wanted:
        raise AssertionError(f"cases by status {by_status}, {wanted} generated")
    overdue = followup_reports.office_follow_up(cases, today=timezone.localdate())["overdue"]
    if overdue != counts["overdue"]:
        raise AssertionError(f"{overdue} overdue visits counted, {counts['overdue']} generated")
    today = timezone.localdate()
    since = quarter_start(last_quarters(today)[0])
    teams = Counter()
    for (_quarter, status), count in casework_indicators.team_compliance(Case.objects.all(), since=since, until=today).items():
        teams[status] += count
    if teams != expected["team_statuses"]:
        raise AssertionError(f"teams by compliance {dict(teams)}, {dict(expected['team_statuses'])} generated")


def percentile(samples, share):
    """The interpolated percentile (share 0.95: the 95th) of the samples."""
    ordered = sorted(samples)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def measure(timed, expected):
    """{page: {"median_ms", "p95_ms", "queries", "slowest_query_ms"}} for the world in the database."""
    check_counts(expected)
    measured = pages(timed, expected["offices"])
    results = {}
    for name, (client, url) in measured.items():
        get(client, url)  # warm-up: templates, translations, connections, caches
        with CaptureQueriesContext(connection) as captured:
            get(client, url)
        results[name] = {
            "queries": len(captured),
            "slowest_query_ms": max(float(query["time"]) for query in captured.captured_queries) * 1000,
            "samples": [],
        }
    names = list(measured)
    for repeat in range(REQUESTS):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            client, url = measured[name]
            results[name]["samples"].append(seconds(lambda client=client, url=url: get(client, url)) * 1000)
    for result in results.values():
        samples = result.pop("samples")
        result["median_ms"] = statistics.median(samples)
        result["p95_ms"] = percentile(samples, 0.95)
    for name, (client, url) in measured.items():
        results[name]["computed_median_ms"] = statistics.median(computed(client, url) for _ in range(COMPUTED))
    return results


def computed(client, url):
    """The page's time when none of its figures are kept (the first request, or beat's own work)."""
    caches[snapshots.CACHE].clear()
    return seconds(lambda: get(client, url)) * 1000


def run():
    started = time.perf_counter()
    sqlite = connection.vendor == "sqlite"
    large_cases = SQLITE_CASES if sqlite else CASES

    timed, expected = seed_world(SMALL_CASES, seed=SEED)
    small = measure(timed, expected)
    small_sizes = {"cases": expected["cases"], "visits": expected["visits"]}
    clear_world()

    seed_start = time.perf_counter()
    timed, expected = seed_world(large_cases, seed=SEED + 1)
    seed_s = time.perf_counter() - seed_start
    large = measure(timed, expected)
    refresh_s = seconds(refresh_snapshots)

    figures = {
        "cases": expected["cases"],
        "visits": expected["visits"],
        "visit_records": expected["records"],
        "referrals": expected["referrals"],
        "offices": len(expected["offices"]),
        "staff": expected["staff"],
        "reduced_size_for_sqlite": int(sqlite),
        "small_cases": small_sizes["cases"],
        "small_visits": small_sizes["visits"],
        "requests_per_page": REQUESTS,
        "seed_s": round(seed_s, 1),
        "snapshot_refresh_s": round(refresh_s, 1),
    }
    goals = {}
    for name, result in large.items():
        figures[f"{name}_median_ms"] = round(result["median_ms"], 1)
        figures[f"{name}_p95_ms"] = round(result["p95_ms"], 1)
        figures[f"{name}_queries"] = result["queries"]
        figures[f"{name}_slowest_query_ms"] = round(result["slowest_query_ms"], 1)
        figures[f"small_{name}_median_ms"] = round(small[name]["median_ms"], 1)
        figures[f"small_{name}_p95_ms"] = round(small[name]["p95_ms"], 1)
        figures[f"small_{name}_queries"] = small[name]["queries"]
        figures[f"{name}_computed_median_ms"] = round(result["computed_median_ms"], 1)
        figures[f"small_{name}_computed_median_ms"] = round(small[name]["computed_median_ms"], 1)
        goals[f"{name}_median_ms"] = goal(result["median_ms"], f"< {TARGET_MS}")
        goals[f"{name}_queries_more_than_small"] = goal(result["queries"] - small[name]["queries"], "<= 0")
    figures["run_s"] = round(time.perf_counter() - started, 1)
    return {"figures": figures, "goals": goals}
