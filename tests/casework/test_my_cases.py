"""The caseworker's "My cases" list: only visible cases, filters, paging, one query for the list."""

import datetime

import pytest
from guardian.shortcuts import assign_perm

from casework.access import cases_visible_to

from ..factories import OfficeFactory, UserFactory, open_case

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 23)


def give(user, *cases):
    for case in cases:
        assign_perm("casework.view_case", user, case)


def test_alice_sees_only_the_cases_she_was_given(client, alice, lima):
    mine = open_case(lima, today=TODAY)
    other = open_case(lima, today=TODAY)
    give(alice, mine)
    page = client.get("/").content.decode()
    assert mine.reference in page
    assert other.reference not in page


def test_the_list_shows_status_band_and_the_presumed_minor_flag_but_no_name(client, alice, lima, english):
    case = open_case(lima, birth_date=None, age_estimate={"min": 15, "max": 19, "estimated_on": "2026-11-01"}, today=TODAY)
    give(alice, case)
    page = client.get("/").content.decode()
    assert "Presumed minor" in page
    assert "Adolescent (12-17)" in page
    assert "Rosa" not in page
    assert "Huamán" not in page


def test_closed_cases_are_hidden_unless_asked_for(client, alice, lima):
    open_one = open_case(lima, today=TODAY)
    closed = open_case(lima, today=TODAY, case_fields={"status": "CLOSED"})
    give(alice, open_one, closed)
    default = client.get("/").content.decode()
    assert open_one.reference in default
    assert closed.reference not in default
    assert closed.reference in client.get("/", {"status": "CLOSED"}).content.decode()


def test_filtering_by_region(client, alice, lima):
    cusco = OfficeFactory(code="CUS", region="08")
    in_lima, in_cusco = open_case(lima, today=TODAY), open_case(cusco, today=TODAY)
    give(alice, in_lima, in_cusco)
    page = client.get("/", {"region": "08"}).content.decode()
    assert in_cusco.reference in page
    assert in_lima.reference not in page


def test_an_unknown_filter_value_shows_all_open_cases_instead_of_failing(client, alice, lima):
    case = open_case(lima, today=TODAY)
    give(alice, case)
    response = client.get("/", {"status": "NOPE", "region": "99", "page": "x"})
    assert response.status_code == 200
    assert case.reference in response.content.decode()


def test_the_list_is_paged_by_25(client, alice, lima):
    cases = [open_case(lima, today=TODAY) for _ in range(26)]
    give(alice, *cases)
    first, second = client.get("/").content.decode(), client.get("/", {"page": 2}).content.decode()
    shown = [case.reference for case in cases if case.reference in first]
    assert len(shown) == 25
    assert sum(case.reference in second for case in cases) == 1


def test_the_list_costs_the_same_queries_for_3_or_30_cases(client, alice, lima, django_assert_max_num_queries):
    give(alice, *[open_case(lima, today=TODAY) for _ in range(30)])
    # Includes the session's idle renewal (written on every request), the header's counts, and the
    # summary above the list (cases by status, visits due and overdue, referrals waiting, urgent alerts).
    with django_assert_max_num_queries(19):
        client.get("/")


def test_global_permissions_and_superusers_see_nothing_by_themselves(lima):
    boss = UserFactory(username="boss", is_superuser=True)
    open_case(lima, today=TODAY)
    assert list(cases_visible_to(boss)) == []


def test_a_deactivated_user_sees_nothing(alice, lima):
    case = open_case(lima, today=TODAY)
    give(alice, case)
    alice.is_active = False
    assert list(cases_visible_to(alice)) == []
