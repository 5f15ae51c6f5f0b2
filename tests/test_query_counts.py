"""Every page a caseworker or supervisor uses answers with a fixed number of queries, whatever the
size of the data: the same pages are counted on a world of SMALL cases and on one of LARGE cases
(config/scale.py's generator, complete, two offices, twice the staff), and each count must be the
same at both sizes and at most its pin.

The pages are read by who uses them: the lead of a case (the caseworker's home, the case file and
its team, follow-up, visit record, services and referral screens, search, notifications), the
supervisor of its office (review queue and one review, dashboard, staff, capacity and gap reports,
notifications), a supervisor of both offices (their dashboard) and the auditor (indicators of one
office and of all, access log). Each page is requested once to warm up (it must answer 200), then
counted. "Few against many": the lists hold fewer rows than a page in the small world and full
pages in the large one; more closure reviews wait in the large world (REVIEWS).

A count that grows with the data is an N+1: load the related rows with select_related or
prefetch_related in the view. A pin that is too tight after a deliberate change: raise it, and say
why in the commit.
"""

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from casework import reviews
from casework.models import Case, Review, ReviewStatus, TeamMember
from config.scale import seed_world
from followup.models import Visit
from referrals.models import Referral

from .factories import sign_in

# Also what makes pytest-django set up the test database before the module's fixture seeds it.
pytestmark = pytest.mark.django_db

SMALL, LARGE = 40, 200
SEED = 11
STAFF = {SMALL: 4, LARGE: 8}  # caseworkers per office (the team screen, staff and capacity lists)
REVIEWS = {SMALL: 1, LARGE: 5}  # closure reviews asked for in the office, besides the generator's

# The most queries each page may use, as measured (the session's renewal, the header's counts and
# the access log included; the two-office views read a kept snapshot, config/snapshots.py).
PINS = {
    "home": 21,
    "case_file": 24,
    "case_team": 25,
    "case_follow_up": 22,
    "visit_record": 20,
    "case_services": 20,
    "referral_detail": 19,
    "search": 19,
    "caseworker_notifications": 11,
    "review_queue": 13,  # with the count of cases needing a team (paged)
    "review_detail": 18,
    "supervisor_notifications": 11,
    "dashboard_one_office": 21,
    "dashboard_two_offices": 14,
    "staff_list": 12,
    "capacity_report": 13,
    "gap_report": 11,
    "indicators_one_office": 20,
    "indicators_all_offices": 15,
    "access_log": 13,
}


def richest_case(office):
    """A case of `office` with a follow-up plan, a visit record and a referral, with a team."""
    cases = (
        Case.objects.filter(
            office=office, follow_up__isnull=False, referrals__isnull=False, visits__record__isnull=False, team__is_lead=True
        )
        .distinct()
        .order_by("reference")
    )
    case = cases.first()
    assert case is not None, "the generator made no followed case with a referral: raise SMALL"
    return case


def ask_for_closures(office, count):
    """Closure reviews of `count` open cases of the office (the queue and the notifications fill up)."""
    asked = Review.objects.filter(case__office=office, status=ReviewStatus.PENDING).values("case")
    candidates = Case.objects.filter(office=office, status__in=reviews.CLOSABLE, team__is_lead=True).exclude(pk__in=asked)
    for case in candidates.order_by("reference")[:count]:
        lead = TeamMember.objects.get(case=case, is_lead=True).user
        reviews.request_closure(actor=lead, case=case, reason="Objetivos cumplidos.")


def pages(timed, expected):
    """{name: (user, method, url, data)} for the world in the database."""
    office = expected["offices"][0]
    case = richest_case(office)
    lead = TeamMember.objects.get(case=case, is_lead=True).user
    ask_for_closures(office, REVIEWS[expected["cases"]])
    visit = Visit.objects.filter(case=case, record__isnull=False).order_by("due").first()
    referral = Referral.objects.filter(case=case).order_by("proposed_at").first()
    review = Review.objects.filter(case__office=office, status=ReviewStatus.PENDING).order_by("requested_at").first()
    supervisor, national, auditor = timed["office_supervisor"], timed["national_supervisor"], timed["auditor"]
    surname = case.person.family_names.split()[0]
    return {
        "home": (lead, "get", "/", None),
        "case_file": (lead, "get", f"/cases/{case.pk}/", None),
        "case_team": (lead, "get", f"/cases/{case.pk}/team/", None),
        "case_follow_up": (lead, "get", f"/cases/{case.pk}/follow-up/", None),
        "visit_record": (lead, "get", f"/cases/{case.pk}/follow-up/visits/{visit.pk}/", None),
        "case_services": (lead, "get", f"/cases/{case.pk}/services/", None),
        "referral_detail": (lead, "get", f"/referrals/{referral.pk}/", None),
        "search": (lead, "post", "/search/", {"query": surname}),
        "caseworker_notifications": (lead, "get", "/notifications/", None),
        "review_queue": (supervisor, "get", "/reviews/", None),
        "review_detail": (supervisor, "get", f"/reviews/{review.pk}/", None),
        "supervisor_notifications": (supervisor, "get", "/notifications/", None),
        "dashboard_one_office": (supervisor, "get", "/dashboard/", None),
        "dashboard_two_offices": (national, "get", "/dashboard/", None),
        "staff_list": (supervisor, "get", "/staff/", None),
        "capacity_report": (supervisor, "get", "/reports/capacity/", None),
        "gap_report": (supervisor, "get", "/reports/gaps/", None),
        "indicators_one_office": (auditor, "get", f"/indicators/?office={office.code}", None),
        "indicators_all_offices": (auditor, "get", "/indicators/", None),
        "access_log": (auditor, "get", "/access-log/", None),
    }


def count_queries(size):
    """{page: queries} on a world of `size` cases, seeded and rolled back in one transaction."""
    with transaction.atomic():
        timed, expected = seed_world(size, seed=SEED, complete=True, office_count=2, staff_per_office=STAFF[size])
        counts = {}
        for name, (user, method, url, data) in pages(timed, expected).items():
            client = Client()
            sign_in(client, user)
            send = getattr(client, method)
            response = send(url, data) if data else send(url)
            assert response.status_code == 200, (name, response.status_code)
            with CaptureQueriesContext(connection) as captured:
                send(url, data) if data else send(url)
            counts[name] = len(captured)
        transaction.set_rollback(True)
    return counts


@pytest.fixture(scope="module")
def counted(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return {size: count_queries(size) for size in (SMALL, LARGE)}


@pytest.mark.parametrize("page", PINS)
def test_the_page_reads_as_many_queries_for_5_times_the_data_and_no_more_than_its_pin(counted, page):
    small, large = counted[SMALL][page], counted[LARGE][page]
    assert small == large, f"{page}: {small} queries on {SMALL} cases, {large} on {LARGE}"
    assert large <= PINS[page]


def test_every_page_is_counted(counted):
    assert set(counted[SMALL]) == set(PINS)
