"""The pages a caseworker and a supervisor use every day, and the follow-up sweep, on 1,000 and on
100,000 cases: does the time of each stay within twice its time on the small world?

The world is config/scale.py's, complete (what `manage.py seed_scale` makes: guardian's object
permissions for the teams, search tokens, consents, notes, access events, each planned visit's
reminder state), first with SMALL_CASES cases (4 caseworkers per office), then, the small one
deleted, with CASES (80 per office). The timed users are the caseworker of office QAA on most open
cases' teams, the supervisor of that office and the auditor.

Timed through Django's test Client with the user signed in (supervisors with their second factor
passed, as bench/reports.py does), each the whole request (middleware, session, access log,
template): the caseworker's case list (`/`, the home page: "My cases" under their summary),
the case file of one of their cases (the followed case of theirs with a referral and the most
visits), the supervisor's review queue and dashboard (one office), and the auditor's indicators
page of that office. One untimed request per page (it must answer 200 and show the case's
reference where there is one), one more with its queries counted, then REQUESTS rounds, the pages
taking turns in a rotating order. Median and 95th percentile (interpolated) in milliseconds.

The follow-up sweep (followup.reminders.sweep) is timed directly, in two ways. `sweep_idle`: a
sweep with nothing due, what beat runs every minute of the day (the world is as the sweep left it
at midnight). `sweep_due`: a sweep with SWEEP_DUE visits due, the same work at both sizes: before
each (untimed), the SWEEP_DUE planned visits whose first reminder (upcoming) is soonest have their
windows moved so that it falls due today, and their `next_reminder_at` set to midnight; the sweep
claims them, reminds their teams and moves them on to the next stage (one day for all, so one
UPDATE: the sweep updates the visits in one statement per next stage and day). Email dispatch
is replaced by a counter while timing (the broker is not what is measured), and the reminders made
are marked sent afterwards, so the next round finds nothing left over.

Goals: each 100,000-case median within 2x of the 1,000-case one, and the same number of queries
at both sizes. `BENCH_PAGES_CASES` sets the large size (to try the topic quickly); on SQLite it is
10,000 (one writer, no statistics) and `reduced_size_for_sqlite` says so. `BENCH_PAGES_EXPLAIN=FILE`
also writes, for every page and the sweep on the large world, the EXPLAIN (ANALYZE, BUFFERS) of its
three slowest SELECTs (PostgreSQL only), for docs/performance.md.
"""

import os
import statistics
import time
from contextlib import contextmanager
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.common import goal, seconds
from bench.reports import get, percentile, signed_in_client
from casework.access import cases_visible_to
from casework.choices import CLOSED_STATUSES
from casework.models import Case, Review, ReviewStatus
from config.scale import clear_world, seed_world
from followup import reminders
from followup.models import Reminder, Visit, VisitStatus
from followup.schedule import stage_dates

CASES = int(os.environ.get("BENCH_PAGES_CASES", "100000"))
SQLITE_CASES = 10_000
SMALL_CASES = 1_000
REQUESTS = 10
SWEEP_DUE = 50
SWEEP_ROUNDS = 10
SEED = 20261201
RATIO = 2


# -- what is timed -------------------------------------------------------------------------------


def followed_case_of(caseworker):
    """The caseworker's open followed case with a referral and the most visits (a full case file)."""
    cases = (
        Case.objects.filter(team__user=caseworker, follow_up__isnull=False, referrals__isnull=False)
        .exclude(status__in=CLOSED_STATUSES)
        .annotate(visit_count=Count("visits", distinct=True))
        .order_by("-visit_count", "reference")
    )
    case = cases.first()
    if case is None:
        raise AssertionError("the timed caseworker has no followed case with a referral")
    return case


def pages(timed, expected):
    """{page: (client, url, text the answer must hold)}."""
    office = expected["offices"][0]
    caseworker = expected["caseworker"]
    case = followed_case_of(caseworker)
    waiting = Review.objects.filter(case__office=office, status=ReviewStatus.PENDING).select_related("case").order_by("requested_at")
    review = waiting.first()
    clients = {"caseworker": signed_in_client(caseworker), "supervisor": signed_in_client(timed["office_supervisor"])}
    clients["auditor"] = signed_in_client(timed["auditor"])
    newest = cases_visible_to(caseworker).exclude(status__in=CLOSED_STATUSES).order_by("-opened_on", "reference").first()
    return {
        "case_list": (clients["caseworker"], "/", newest.reference),
        "case_file": (clients["caseworker"], f"/cases/{case.pk}/", case.reference),
        "review_queue": (clients["supervisor"], "/reviews/", review.case.reference if review else ""),
        "dashboard_one_office": (clients["supervisor"], "/dashboard/", ""),
        "indicators_one_office": (clients["auditor"], f"/indicators/?office={office.code}", office.code),
    }


def measure_pages(timed, expected):
    """{page: {"median_ms", "p95_ms", "queries", "captured"}} for the world in the database."""
    measured = pages(timed, expected)
    results = {}
    for name, (client, url, shown) in measured.items():
        answer = get(client, url).content.decode()  # warm-up: templates, translations, connections, caches
        if shown and shown not in answer:
            raise AssertionError(f"{name}: {shown} is not on the page")
        with CaptureQueriesContext(connection) as captured:
            get(client, url)
        results[name] = {"queries": len(captured), "captured": captured.captured_queries, "samples": []}
    names = list(measured)
    for repeat in range(REQUESTS):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            client, url, _shown = measured[name]
            results[name]["samples"].append(seconds(lambda client=client, url=url: get(client, url)) * 1000)
    return results


@contextmanager
def emails_counted():
    """followup.reminders.dispatch replaced by a counter: the broker is not what is timed."""
    dispatched = []
    original = reminders.dispatch
    reminders.dispatch = dispatched.extend
    try:
        yield dispatched
    finally:
        reminders.dispatch = original


def make_due(count, today):
    """`count` planned visits, those whose next reminder is soonest, moved so that this stage falls
    due today and their next reminder is this midnight (untimed): the sweep's work for one round."""
    visits = list(
        Visit.objects.filter(status=VisitStatus.PLANNED, reminder_stages_passed=0, next_reminder_at__gt=timezone.now())
        .exclude(case__status__in=CLOSED_STATUSES)
        .order_by("next_reminder_at", "pk")[:count]
    )
    if len(visits) < count:
        raise AssertionError(f"only {len(visits)} planned visits have a reminder ahead")
    with transaction.atomic():
        for visit in visits:
            shift = today - stage_dates(visit)[visit.reminder_stages_passed]
            Visit.objects.filter(pk=visit.pk).update(
                due=visit.due + shift,
                window_opens=visit.window_opens + shift,
                window_closes=visit.window_closes + shift,
                next_reminder_at=reminders.lima_midnight(today),
            )


def measure_sweep():
    """{"sweep_idle": {...}, "sweep_due": {...}} like the pages; the due rounds must remind someone."""
    today = timezone.localdate()
    results = {name: {"samples": []} for name in ("sweep_idle", "sweep_due")}
    with emails_counted() as dispatched:
        idle = reminders.sweep()  # warm-up
        if idle["visits"]:
            raise AssertionError(f"{idle['visits']} visits were due before any was made due")
        with CaptureQueriesContext(connection) as captured:
            reminders.sweep()
        results["sweep_idle"].update(queries=len(captured), captured=captured.captured_queries)
        for round_ in range(SWEEP_ROUNDS + 1):
            make_due(SWEEP_DUE, today)
            made = {}
            with CaptureQueriesContext(connection) as captured:
                took = seconds(lambda made=made: made.update(reminders.sweep()))
            if made["visits"] != SWEEP_DUE or not made["reminders"]:
                raise AssertionError(f"the sweep claimed {made['visits']} visits and made {made['reminders']} reminders")
            Reminder.objects.filter(emailed_at__isnull=True).update(emailed_at=timezone.now())
            if round_ == 0:  # the first round warms up, and its queries are the ones counted
                results["sweep_due"].update(queries=len(captured), captured=captured.captured_queries)
                continue
            results["sweep_due"]["samples"].append(took * 1000)
            results["sweep_idle"]["samples"].append(seconds(reminders.sweep) * 1000)
    if not dispatched:
        raise AssertionError("no reminder email was dispatched")
    return results


def summarise(results):
    for result in results.values():
        samples = result.pop("samples")
        result["median_ms"] = statistics.median(samples)
        result["p95_ms"] = percentile(samples, 0.95)
    return results


def measure(timed, expected):
    return summarise({**measure_pages(timed, expected), **measure_sweep()})


# -- EXPLAIN of the heaviest queries ---------------------------------------------------------------


def explain(results, path):
    """The EXPLAIN (ANALYZE, BUFFERS) of each page's three slowest SELECTs, written to `path`."""
    if connection.vendor != "postgresql":
        return
    lines = []
    for name, result in results.items():
        selects = [query for query in result["captured"] if query["sql"].lstrip().upper().startswith("SELECT")]
        for query in sorted(selects, key=lambda query: -float(query["time"]))[:3]:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            lines += [f"== {name}: {float(query['time']) * 1000:.1f} ms", query["sql"], plan, ""]
    Path(path).write_text("\n".join(lines), encoding="utf-8")


# -- the topic -------------------------------------------------------------------------------------


def run():
    started = time.perf_counter()
    sqlite = connection.vendor == "sqlite"
    large_cases = min(CASES, SQLITE_CASES) if sqlite else CASES

    timed, expected = seed_world(SMALL_CASES, seed=SEED, complete=True)
    small = measure(timed, expected)
    clear_world()

    seed_start = time.perf_counter()
    timed, expected = seed_world(large_cases, seed=SEED + 1, complete=True)
    seed_s = time.perf_counter() - seed_start
    large = measure(timed, expected)
    if os.environ.get("BENCH_PAGES_EXPLAIN"):
        explain(large, os.environ["BENCH_PAGES_EXPLAIN"])

    figures = {
        "cases": expected["cases"],
        "visits": expected["visits"],
        "referrals": expected["referrals"],
        "access_events": expected["access_events"],
        "staff": expected["staff"],
        "small_cases": SMALL_CASES,
        "reduced_size_for_sqlite": int(sqlite and large_cases < CASES),
        "requests_per_page": REQUESTS,
        "sweep_due_visits": SWEEP_DUE,
        "seed_s": round(seed_s, 1),
    }
    goals = {}
    for name, result in large.items():
        figures[f"{name}_median_ms"] = round(result["median_ms"], 1)
        figures[f"{name}_p95_ms"] = round(result["p95_ms"], 1)
        figures[f"{name}_queries"] = result["queries"]
        figures[f"small_{name}_median_ms"] = round(small[name]["median_ms"], 1)
        figures[f"small_{name}_p95_ms"] = round(small[name]["p95_ms"], 1)
        figures[f"small_{name}_queries"] = small[name]["queries"]
        goals[f"{name}_median_ratio"] = goal(result["median_ms"] / small[name]["median_ms"], f"<= {RATIO}")
        goals[f"{name}_queries_more_than_small"] = goal(result["queries"] - small[name]["queries"], "<= 0")
    figures["run_s"] = round(time.perf_counter() - started, 1)
    return {"figures": figures, "goals": goals}
