"""Supervisors' staff and caseload screens, and the specialised-capacity report."""

import datetime

import pytest
from django.utils import timezone

from casework.models import TeamProposal
from casework.roles import Role

from ..factories import OfficeFactory, StaffProfileFactory, UserFactory, open_case, sign_in, supervisor, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def offices():
    return OfficeFactory(code="MDD", name="Madre de Dios", region="17"), OfficeFactory(code="CUS", name="Cusco", region="08")


@pytest.fixture
def sofia(client, offices):
    user = supervisor("sofia", offices[0])
    sign_in(client, user)
    return user


def person(username, office, **fields):
    return StaffProfileFactory(user=UserFactory(username=username, first_name=username.title()), office=office, **fields)


def test_a_supervisor_sees_her_offices_staff_with_caseload_and_training(client, sofia, offices):
    today = timezone.localdate()
    person("rosa", offices[0], caseload_cap=4, specialisation_trained_on=today - datetime.timedelta(days=700))
    person("hugo", offices[0], specialisation_trained_on=datetime.date(2019, 1, 1))
    person("zoe", offices[1])
    body = client.get("/staff/").content.decode()
    assert "Rosa" in body
    assert "Hugo" in body
    assert "Zoe" not in body, "another office's staff"
    assert "0 / 4" in body
    assert "vencida" in body, "Hugo's training is older than 24 months"
    assert "vence en los próximos 90 días" in body, "Rosa's lapses within 90 days"


def test_caseworkers_have_no_staff_screen(client, alice):
    assert client.get("/staff/").status_code == 403


def test_a_supervisor_edits_a_profile_of_her_office_and_bad_input_is_explained(client, sofia, offices):
    rosa = person("rosa", offices[0])
    form = {
        "gender": "WOMAN",
        "disciplines": ["PSYCHOLOGY", "SOCIAL_WORK"],
        "sector": "HEALTH",
        "region": "17",
        "languages": ["spa", "que"],
        "specialisation_trained_on": "2026-02-01",
        "caseload_cap": "12",
        "active": "on",
    }
    assert client.post(f"/staff/{rosa.user_id}/", form).status_code == 302
    rosa.refresh_from_db()
    assert (rosa.disciplines, rosa.caseload_cap, rosa.sector) == (["PSYCHOLOGY", "SOCIAL_WORK"], 12, "HEALTH")

    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post(f"/staff/{rosa.user_id}/", {**form, "specialisation_trained_on": future, "caseload_cap": "0"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "no puede estar en el futuro" in body
    rosa.refresh_from_db()
    assert rosa.caseload_cap == 12


def test_another_offices_profile_is_not_found(client, sofia, offices):
    zoe = person("zoe", offices[1])
    assert client.get(f"/staff/{zoe.user_id}/").status_code == 404


def k_people(count, office, **fields):
    for n in range(count):
        person(f"{office.code.lower()}{n}", office, **fields)


def test_the_capacity_report_counts_specialised_staff_and_hides_small_counts(client, offices, english):
    sign_in(client, user_with_role("aurora", Role.AUDITOR))
    k_people(11, offices[0], gender="WOMAN", disciplines=["PSYCHOLOGY"], region="17")
    k_people(3, offices[1], gender="MAN", disciplines=["LAW"], region="08")
    person("old", offices[1], gender="MAN", disciplines=["LAW"], region="08", specialisation_trained_on=datetime.date(2018, 1, 1))
    body = client.get("/reports/capacity/").content.decode()
    assert "Madre de Dios" in body
    assert "Cusco" in body
    assert '<td data-label="Women">11</td>' in body
    assert "&lt;11" in body, "three lawyers in Cusco are shown as <11"
    assert ">3<" not in body
    assert "mdd0" not in body.casefold(), "no names in an aggregate report"


def test_failed_team_proposals_are_counted_by_rule_and_drawn(client, sofia, offices, english):
    case = open_case(offices[0])
    for _ in range(12):
        TeamProposal.objects.create(case=case, office=offices[0], region="17", feasible=False, unmet_rules=["DISCIPLINES", "LEAD_GENDER"])
    TeamProposal.objects.create(case=case, office=offices[0], region="17", feasible=False, unmet_rules=["LANGUAGE"])
    body = client.get("/reports/capacity/").content.decode()
    assert "<svg" in body
    assert "<script" not in body
    assert "Interdisciplinary: psychology, social work and law: 12" in body
    assert "Someone speaks the person&#x27;s language, or an interpreter: &lt;11" in body


def test_caseworkers_have_no_capacity_report(client, alice):
    assert client.get("/reports/capacity/").status_code == 403


def test_the_capacity_report_counts_training_that_lapses_within_90_days(client, offices, english):
    sign_in(client, user_with_role("aurora", Role.AUDITOR))
    lapsing = timezone.localdate() - datetime.timedelta(days=700)  # 24 months end within 90 days
    k_people(12, offices[0], region="17", specialisation_trained_on=lapsing)
    k_people(3, offices[1], region="08")  # trained recently: not lapsing
    body = client.get("/reports/capacity/").content.decode()
    assert "Training that lapses in the next 90 days: 12" in body
    assert "Training that lapses in the next 90 days: 0" in body
