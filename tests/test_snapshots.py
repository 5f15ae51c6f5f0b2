"""The dashboards and the indicators page read snapshots that beat recomputes (config/snapshots.py):
a change shows once they are recomputed, but the reviews waiting at once; the page says how old its
figures are; and a snapshot holds counts, never anything about a person."""

import base64
import pickle

import pytest
from django.db import connection
from django.utils import timezone

from casework.models import Case, Review
from casework.roles import Role
from config.tasks import refresh_snapshots, supervised_office_sets

from .factories import OfficeFactory, UserFactory, open_case, sign_in, supervisor, user_with_role

pytestmark = pytest.mark.django_db

CANARY = "Canarysnapshotnombre"


@pytest.fixture
def cusco():
    return OfficeFactory(code="CUS", region="08")


@pytest.fixture
def auditor():
    return user_with_role("aurora", Role.AUDITOR)


@pytest.fixture
def regional(lima, cusco):
    """A supervisor of Lima and Cusco."""
    return supervisor("regina", lima, cusco)


def intake_count(context):
    return {str(label): count for _phase, label, count in context["by_status"]}.get("Intake", 0)


def test_the_dashboard_shows_a_change_once_beat_recomputes_it_and_reviews_at_once(client, regional, lima, cusco, english):
    open_case(lima, case_fields={"status": "INTAKE"})
    sign_in(client, regional)
    first = client.get("/dashboard/")
    assert intake_count(first.context) == 1
    assert "Figures as of" in first.content.decode()
    assert first.context["reviews"]["count"] == 0

    case = open_case(cusco, case_fields={"status": "INTAKE"})
    Review.objects.create(case=case, kind="CASE_CLOSURE", requested_by=UserFactory(), reason="Sin riesgo.")
    again = client.get("/dashboard/")
    assert intake_count(again.context) == 1  # the snapshot, as it was
    assert again.context["reviews"]["count"] == 1  # counted now: she decides them

    refresh_snapshots()
    assert intake_count(client.get("/dashboard/").context) == 2
    assert intake_count(client.get("/dashboard/?office=CUS").context) == 1


def teams_whole(context):
    """All the cases the indicators page counts in its teams table, as shown."""
    teams = next(section for section in context["sections"] if section["id"] == "teams")
    return teams["rows"][-1][3]  # the last row: every quarter shown together


def test_the_indicators_are_recomputed_by_beat(client, auditor, lima, english):
    for _ in range(11):
        case = open_case(lima)
        Case.objects.filter(pk=case.pk).update(in_statistics=True)
    sign_in(client, auditor)
    assert teams_whole(client.get("/indicators/").context) == 11
    assert teams_whole(client.get("/indicators/?office=LIM").context) == 11
    case = open_case(lima)
    Case.objects.filter(pk=case.pk).update(in_statistics=True)
    assert teams_whole(client.get("/indicators/").context) == 11
    assert teams_whole(client.get("/indicators/?office=LIM").context) == 11
    refresh_snapshots()
    response = client.get("/indicators/")
    assert teams_whole(response.context) == 12
    assert teams_whole(client.get("/indicators/?office=LIM").context) == 12
    assert response.context["computed_at"] <= timezone.now()


def test_beat_keeps_the_dashboards_of_supervisors_of_several_offices(regional, lima, cusco):
    supervisor("solo", lima)
    assert supervised_office_sets() == {tuple(sorted((lima.pk, cusco.pk)))}


def test_a_snapshot_holds_counts_and_nothing_about_a_person(regional, lima, cusco):
    case = open_case(lima, given_names=CANARY, case_fields={"status": "FOLLOW_UP"})
    refresh_snapshots()
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM report_snapshots")
        kept = [pickle.loads(base64.b64decode(value)) for (value,) in cursor.fetchall()]  # noqa: S301 - our own rows
    # The staff of every region; the indicators of all offices, and of each with its dashboard; regina's dashboard.
    assert len(kept) == 1 + 1 + 2 * 2 + 1
    text = repr([snapshot.figures for snapshot in kept])
    assert CANARY.lower() not in text.lower()
    assert str(case.pk) not in text
    assert case.reference not in text
