"""Starting a case's follow-up plan when care ends: the schedule for the person's age, on screen."""

import datetime

import pytest
from guardian.shortcuts import assign_perm

from casework.models import AccessAction, AccessEvent, Case
from followup import services
from followup.models import FollowUpPlan, FollowUpSchedule, Visit

from ..factories import UserFactory, open_case, sign_in

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)


def follow_up_page(case):
    return f"/cases/{case.pk}/follow-up/"


@pytest.fixture
def adult_case(lima, caseworker):
    case = open_case(lima, actor=caseworker, birth_date=datetime.date(1995, 4, 2), case_fields={"status": "REINTEGRATION_ACTIVE"})
    case.opened_on = datetime.date(2026, 1, 5)
    case.save(update_fields=["opened_on"])
    return case


def test_an_adults_plan_has_the_five_adult_visits_with_their_windows(adult_case, caseworker):
    services.plan_start(actor=caseworker, case=adult_case, care_ended_on=datetime.date(2026, 3, 31), today=TODAY)
    visits = list(Visit.objects.filter(case=adult_case).values_list("offset_months", "track", "due", "window_opens", "window_closes"))
    assert [visit[0] for visit in visits] == [1, 3, 6, 12, 24]
    assert {visit[1] for visit in visits} == {"ADULT"}
    assert visits[0][2:] == (datetime.date(2026, 4, 30), datetime.date(2026, 4, 23), datetime.date(2026, 5, 7))
    assert visits[1][2:] == (datetime.date(2026, 6, 30), datetime.date(2026, 6, 16), datetime.date(2026, 7, 14))
    adult_case.refresh_from_db()
    assert (adult_case.status, adult_case.care_ended_on) == ("FOLLOW_UP", datetime.date(2026, 3, 31))
    assert AccessEvent.objects.filter(action=AccessAction.CREATE, object_id=str(adult_case.pk), fields=["follow_up"]).exists()


def test_a_minors_plan_switches_to_the_adult_schedule_at_the_18th_birthday(lima, caseworker):
    # 17 when care ends on 1 March 2026, 18 on 1 December 2026 (month 9 after the end of care).
    case = open_case(lima, actor=caseworker, birth_date=datetime.date(2008, 12, 1), case_fields={"status": "REINTEGRATION_ACTIVE"})
    case.opened_on = datetime.date(2025, 10, 1)
    case.save(update_fields=["opened_on"])
    plan = services.plan_start(actor=caseworker, case=case, care_ended_on=datetime.date(2026, 3, 1), today=TODAY)
    assert plan.adult_from == datetime.date(2026, 12, 1)
    visits = list(plan.visits.values_list("track", "offset_months"))
    assert visits == [("MINOR", 1), ("MINOR", 3), ("MINOR", 6), ("ADULT", 12), ("ADULT", 24)]


def test_the_schedule_is_data_an_administrator_can_change(adult_case, caseworker):
    stored = FollowUpSchedule.objects.get()
    stored.adult_offsets = [2, 4]
    stored.save()
    services.plan_start(actor=caseworker, case=adult_case, care_ended_on=datetime.date(2026, 3, 31), today=TODAY)
    assert list(Visit.objects.values_list("offset_months", flat=True)) == [2, 4]


def test_a_bad_schedule_is_refused_with_a_clear_message():
    from django.core.exceptions import ValidationError

    stored = FollowUpSchedule.objects.get()
    stored.adult_offsets = [6, 3]
    with pytest.raises(ValidationError, match="orden creciente"):
        stored.full_clean()


def test_the_screen_starts_the_plan_and_lists_the_visits(client, adult_case, english):
    response = client.post(follow_up_page(adult_case), {"care_ended_on": "2026-03-31"})
    assert response.status_code == 302
    body = client.get(follow_up_page(adult_case)).content.decode()
    assert "Care ended on" in body
    assert "24 months" in body


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "This field is required."),
        ("2026-02-30", "Enter a valid date."),
        ("2099-01-01", "The end of care cannot be in the future."),
        ("2025-12-31", "The end of care cannot be before the case was opened."),
    ],
)
def test_a_bad_date_is_explained_and_nothing_is_saved(client, adult_case, english, value, message):
    response = client.post(follow_up_page(adult_case), {"care_ended_on": value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not FollowUpPlan.objects.exists()
    assert not Visit.objects.exists()


def test_a_second_plan_is_refused(adult_case, caseworker):
    from django.core.exceptions import ValidationError

    services.plan_start(actor=caseworker, case=adult_case, care_ended_on=datetime.date(2026, 3, 31), today=TODAY)
    with pytest.raises(ValidationError, match="already has a follow-up plan"):
        services.plan_start(actor=caseworker, case=adult_case, care_ended_on=datetime.date(2026, 4, 30), today=TODAY)
    assert Visit.objects.count() == 5


def test_someone_who_only_reads_the_case_sees_the_plan_but_cannot_start_it(client, adult_case):
    reader = UserFactory(username="reader")
    assign_perm("casework.view_case", reader, adult_case)
    sign_in(client, reader)
    assert client.get(follow_up_page(adult_case)).status_code == 200
    assert client.post(follow_up_page(adult_case), {"care_ended_on": "2026-03-31"}).status_code == 403
    assert not FollowUpPlan.objects.exists()


def test_the_demo_gets_plans_for_its_cases_in_follow_up_once(lima, caseworker, settings):
    from django.core.management import call_command

    settings.DEBUG = True
    case = open_case(lima, actor=caseworker, birth_date=datetime.date(1995, 4, 2), case_fields={"status": "FOLLOW_UP"})
    Case.objects.filter(pk=case.pk).update(opened_on=datetime.date(2025, 1, 10), care_ended_on=datetime.date(2025, 6, 30))
    call_command("seed_follow_up", verbosity=0)
    call_command("seed_follow_up", verbosity=0)
    plan = FollowUpPlan.objects.get(case=case)
    assert (plan.care_ended_on, plan.created_by) == (datetime.date(2025, 6, 30), caseworker)
    assert plan.visits.count() == 5
