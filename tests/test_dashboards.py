"""The caseworker's home and the supervisor's dashboard, checked against small worlds built by hand,
and their query counts, which must not grow with the data."""

import datetime

import pytest
from django.utils import timezone
from guardian.shortcuts import assign_perm

from casework.models import Case, Notification, Review, TeamMember
from followup.models import FollowUpPlan, Reminder, Visit, VisitRecord
from referrals.models import Provider, Referral, Service

from .factories import OfficeFactory, StaffProfileFactory, UserFactory, open_case, sign_in, supervisor

pytestmark = pytest.mark.django_db


def plan_for(case, author):
    return FollowUpPlan.objects.create(case=case, care_ended_on=case.opened_on, created_by=author)


def visit(plan, *, opens, closes, offset, status="PLANNED"):
    due = opens + (closes - opens) / 2
    return Visit.objects.create(
        plan=plan, case=plan.case, track="ADULT", offset_months=offset, due=due, window_opens=opens, window_closes=closes, status=status
    )


def referral(case, author, status):
    provider, _ = Provider.objects.get_or_create(name="Centro Emergencia Mujer", sector="SOCIAL_PROTECTION", region="15")
    service, _ = Service.objects.get_or_create(provider=provider, name="Psicología", type="PSYCHOLOGICAL", sector="HEALTH", regions=["15"])
    sent_at = timezone.now() - datetime.timedelta(days=3) if status != "PROPOSED" else None
    return Referral.objects.create(case=case, service=service, need="PSYCHOLOGICAL", created_by=author, status=status, sent_at=sent_at)


@pytest.fixture
def my_world(lima, caseworker):
    """alice works two open cases (one in follow-up) and one closed; someone else's case is not hers."""
    today = timezone.localdate()
    first = open_case(lima, actor=caseworker, case_fields={"status": "FOLLOW_UP"})
    second = open_case(lima, actor=caseworker, case_fields={"status": "REINTEGRATION_ACTIVE"})
    closed = open_case(lima, actor=caseworker, case_fields={"status": "CLOSED"})
    stranger = open_case(lima, case_fields={"status": "FOLLOW_UP"})
    for case in (first, second, closed):
        assign_perm("casework.view_case", caseworker, case)
        assign_perm("casework.change_case", caseworker, case)
    plan = plan_for(first, caseworker)
    visit(plan, opens=today - datetime.timedelta(days=2), closes=today + datetime.timedelta(days=5), offset=1)  # due now
    visit(plan, opens=today + datetime.timedelta(days=6), closes=today + datetime.timedelta(days=20), offset=3)  # opens this week
    visit(plan, opens=today - datetime.timedelta(days=40), closes=today - datetime.timedelta(days=10), offset=6)  # overdue
    visit(plan, opens=today + datetime.timedelta(days=30), closes=today + datetime.timedelta(days=44), offset=12)  # later
    visit(plan_for(stranger, caseworker), opens=today, closes=today, offset=1)  # not hers
    referral(second, caseworker, "SENT")
    referral(first, caseworker, "ACCEPTED")
    Notification.objects.create(recipient=caseworker, kind="VISIT_URGENT", case=first)
    Notification.objects.create(recipient=caseworker, kind="VISIT_DUE", case=first)
    Notification.objects.create(recipient=caseworker, kind="VISIT_DUE", case=first, read_at=timezone.now())
    return first, second


def test_the_caseworkers_home_sums_up_her_own_open_cases(client, my_world, english):
    response = client.get("/")
    summary = response.context["summary"]
    assert [(str(label), count) for _phase, label, count in summary["by_status"]] == [("Reintegration under way", 1), ("Follow-up", 1)]
    assert (summary["visits"]["this_week"], summary["visits"]["overdue"]) == (2, 1)
    assert summary["referrals"]["count"] == 1
    assert summary["urgent_unread"] == 1
    body = response.content.decode()
    assert "Visits due this week" in body
    assert "1 urgent" in body


def test_the_home_page_reads_a_fixed_number_of_queries(client, my_world, lima, caseworker, django_assert_max_num_queries):
    with django_assert_max_num_queries(30) as few:
        client.get("/")
    for _ in range(5):
        case = open_case(lima, actor=caseworker, case_fields={"status": "FOLLOW_UP"})
        assign_perm("casework.view_case", caseworker, case)
        plan = plan_for(case, caseworker)
        visit(plan, opens=timezone.localdate(), closes=timezone.localdate(), offset=1)
        referral(case, caseworker, "SENT")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/")


@pytest.fixture
def office_world(lima):
    """Lima, seen by its supervisor: numbers worked out by hand in each test."""
    today = timezone.localdate()
    sam = supervisor("sam", lima)
    author = UserFactory(username="author")
    busy = StaffProfileFactory(user=UserFactory(username="busy"), office=lima, caseload_cap=1)
    cases = [open_case(lima, case_fields={"status": status}) for status in ("INTAKE", "FOLLOW_UP", "FOLLOW_UP", "CLOSED")]
    intake, follow_up, other, _closed = cases
    for case in (follow_up, other):
        TeamMember.objects.create(case=case, user=busy.user, is_lead=True)  # busy: 2 open cases, cap 1
    Case.objects.filter(pk=other.pk).update(team_breaks=["MIXED_GENDER"])
    plan = plan_for(follow_up, author)
    days = datetime.timedelta
    done = visit(plan, opens=today - days(100), closes=today - days(80), offset=1, status="DONE")
    VisitRecord.objects.create(visit=done, recorded_by=author, status="FINAL", contact_on=today - days(85), seen=True, risk="HIGH")
    late = visit(plan, opens=today - days(70), closes=today - days(60), offset=3, status="DONE")
    VisitRecord.objects.create(visit=late, recorded_by=author, status="FINAL", contact_on=today - days(50), seen=True, risk="LOW")
    visit(plan, opens=today - days(50), closes=today - days(40), offset=6, status="MISSED")
    overdue = visit(plan, opens=today - days(30), closes=today - days(20), offset=12)
    Reminder.objects.create(visit=overdue, kind="ESCALATION", recipient=sam, case=follow_up)
    Review.objects.create(case=intake, kind="CASE_CLOSURE", requested_by=author, reason="Sin riesgo.")
    referral(follow_up, author, "SENT")
    referral(other, author, "DECLINED")
    elsewhere = open_case(OfficeFactory(code="CUS", region="08"), case_fields={"status": "FOLLOW_UP"})
    visit(plan_for(elsewhere, author), opens=today - days(30), closes=today - days(20), offset=1)  # another office's
    return sam


def test_the_supervisor_dashboard_counts_her_office(client, office_world, english):
    sign_in(client, office_world)
    context = client.get("/dashboard/").context
    assert [(str(label), count) for _phase, label, count in context["by_status"]] == [("Intake", 1), ("Follow-up", 2), ("Closed", 1)]
    assert context["reviews"]["count"] == 1
    assert context["teams"] == {"breaking": 1, "without_team": 1}
    fullest = context["caseloads"][0]
    assert (fullest.user.username, fullest.caseload) == ("busy", 2)
    follow_up = context["follow_up"]
    assert (follow_up["overdue"], follow_up["escalated"]) == (1, 1)
    assert follow_up["completion"] == {"total": 4, "on_time": 1, "late": 1, "missed": 1, "never": 1}
    assert sum(count for _month, count in follow_up["signals"]) == 1  # the HIGH risk, 85 days ago
    assert sorted((str(label), count) for label, count in context["outcomes"]) == [("Declined", 1), ("Sent", 1)]
    body = client.get("/dashboard/").content.decode()
    assert "over the cap" in body
    assert "25 %" in body  # 1 of 4 visits made in their window


def test_only_supervisors_see_the_dashboard_and_only_of_their_offices(client, office_world, caseworker):
    assert client.get("/dashboard/").status_code == 403
    sign_in(client, office_world)
    assert client.get("/dashboard/?office=CUS").status_code == 403
    assert client.get("/dashboard/?office=LIM").status_code == 200


def test_the_dashboard_reads_a_fixed_number_of_queries(client, office_world, lima, django_assert_max_num_queries):
    sign_in(client, office_world)
    with django_assert_max_num_queries(30) as few:
        client.get("/dashboard/")
    author = UserFactory(username="more")
    for _ in range(5):
        case = open_case(lima, case_fields={"status": "FOLLOW_UP"})
        visit(plan_for(case, author), opens=timezone.localdate(), closes=timezone.localdate(), offset=1)
        referral(case, author, "SENT")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/dashboard/")


def test_the_dashboard_shows_the_fullest_caseloads_and_counts_everyone_over_the_cap(client, office_world, lima, english):
    for number in range(21):
        StaffProfileFactory(user=UserFactory(username=f"idle{number}"), office=lima, caseload_cap=10)
    sign_in(client, office_world)
    response = client.get("/dashboard/")
    shown = [profile.user.username for profile in response.context["caseloads"]]
    assert len(shown) == 20
    assert shown[0] == "busy"  # 2 open cases against a cap of 1
    body = response.content.decode()
    assert "1 person over their cap." in body
    assert f"The 20 fullest of {response.context['staff_count']} staff are shown." in body
    assert response.context["staff_count"] >= 22
