"""Reminders by time travel: the sweep is run at chosen moments (Lima has no daylight saving, so
each day starts at 05:00 UTC) and what each person is told is read from the database and the
outbox. The real worker, Redis and crash scenarios are in tests/integration/test_reminder_reliability.py."""

import datetime
from smtplib import SMTPRecipientsRefused
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends import locmem
from django.utils import timezone
from guardian.shortcuts import assign_perm

from casework.models import Notification
from followup import reminders, services
from followup.models import Reminder, Visit

from ..factories import UserFactory, open_case, supervisor

pytestmark = pytest.mark.django_db

LIMA = ZoneInfo("America/Lima")
CARE_ENDED = datetime.date(2026, 3, 31)  # the adult's first visit: due 30 Apr, window 23 Apr - 7 May


def at(day, hour=0, minute=0):
    """A moment in Lima."""
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LIMA)


@pytest.fixture
def team(lima):
    lead = UserFactory(username="lead", email="lead@example.org", language="es")
    partner = UserFactory(username="partner", email="partner@example.org", language="en")
    return lead, partner


@pytest.fixture
def sam(lima):
    user = supervisor("sam", lima)
    user.email = "sam@example.org"
    user.save()
    return user


@pytest.fixture
def adult_plan(lima, team):
    lead = team[0]
    case = open_case(
        lima, actor=lead, birth_date=datetime.date(1995, 4, 2), given_names="Ñusta", case_fields={"status": "REINTEGRATION_ACTIVE"}
    )
    case.opened_on = datetime.date(2026, 1, 5)
    case.save(update_fields=["opened_on"])
    for user in team:
        assign_perm("casework.view_case", user, case)
        assign_perm("casework.change_case", user, case)
    return services.plan_start(actor=lead, case=case, care_ended_on=CARE_ENDED, today=datetime.date(2026, 4, 1))


def first_visit(plan):
    return plan.visits.order_by("due").first()


def told(kind, visit=None):
    rows = Reminder.objects.filter(kind=kind)
    if visit is not None:
        rows = rows.filter(visit=visit)
    return sorted(rows.values_list("recipient__username", flat=True))


@pytest.fixture
def deliver_here(monkeypatch):
    """Deliveries run in this process at once (as the worker would, a moment later)."""
    monkeypatch.setattr(reminders, "dispatch", lambda ids: reminders.deliver([str(pk) for pk in ids]))


def test_the_team_hears_7_days_before_the_window_opens_not_a_minute_earlier(
    adult_plan, sam, deliver_here, django_capture_on_commit_callbacks
):
    visit = first_visit(adult_plan)
    assert (visit.window_opens, visit.window_closes) == (datetime.date(2026, 4, 23), datetime.date(2026, 5, 7))
    with django_capture_on_commit_callbacks(execute=True):
        reminders.sweep(now=at(datetime.date(2026, 4, 15), 23, 59))
    assert told("UPCOMING") == []
    with django_capture_on_commit_callbacks(execute=True):
        reminders.sweep(now=at(datetime.date(2026, 4, 16), 0, 0))
    assert told("UPCOMING", visit) == ["lead", "partner"]
    assert sorted(message.to[0] for message in mail.outbox) == ["lead@example.org", "partner@example.org"]


def test_every_kind_reaches_its_people_on_its_day_once(adult_plan, sam, deliver_here, django_capture_on_commit_callbacks):
    visit = first_visit(adult_plan)
    days = {
        "UPCOMING": datetime.date(2026, 4, 16),
        "DUE": datetime.date(2026, 4, 23),
        "OVERDUE": datetime.date(2026, 5, 8),
        "ESCALATION": datetime.date(2026, 5, 22),
    }
    for kind, day in days.items():
        with django_capture_on_commit_callbacks(execute=True):
            reminders.sweep(now=at(day - datetime.timedelta(days=1), 23, 59))
        assert not Reminder.objects.filter(visit=visit, kind=kind).exists(), f"{kind} came a day early"
        for _ in range(2):  # a second sweep the same day changes nothing
            with django_capture_on_commit_callbacks(execute=True):
                reminders.sweep(now=at(day, 0, 1))
    assert told("UPCOMING", visit) == told("DUE", visit) == told("OVERDUE", visit) == ["lead", "partner"]
    assert told("ESCALATION", visit) == ["sam"]
    assert Reminder.objects.filter(visit=visit).count() == 7
    assert len(mail.outbox) == 7
    assert Notification.objects.filter(kind="VISIT_ESCALATION", recipient=sam, case=visit.case).count() == 1


def test_a_day_starts_at_midnight_in_lima_which_is_5_in_the_morning_utc(adult_plan, sam):
    visit = first_visit(adult_plan)
    assert visit.next_reminder_at == datetime.datetime(2026, 4, 16, 5, 0, tzinfo=datetime.UTC)
    reminders.sweep(now=datetime.datetime(2026, 4, 16, 4, 59, tzinfo=datetime.UTC))
    assert not Reminder.objects.exists()
    reminders.sweep(now=datetime.datetime(2026, 4, 16, 5, 0, tzinfo=datetime.UTC))
    assert told("UPCOMING") == ["lead", "partner"]


def test_a_visit_made_in_time_is_never_reminded_again(adult_plan, team, sam):
    visit = first_visit(adult_plan)
    reminders.sweep(now=at(datetime.date(2026, 4, 24)))
    services.visit_record_save(
        actor=team[0],
        visit=visit,
        values={"contact_on": datetime.date(2026, 4, 24), "mode": "IN_PERSON", "seen": True, "risk": "LOW", "re_exploitation": "NONE"},
        goals=[],
        final=True,
        expected_version=None,
        today=datetime.date(2026, 4, 24),
    )
    reminders.sweep(now=at(datetime.date(2026, 6, 1)))
    assert list(Reminder.objects.filter(visit=visit).values_list("kind", flat=True).distinct()) == ["DUE"]


def test_a_sweep_after_days_down_tells_the_team_only_the_latest_and_escalates(adult_plan, sam):
    visit = first_visit(adult_plan)
    reminders.sweep(now=at(datetime.date(2026, 5, 30)))
    assert set(Reminder.objects.filter(visit=visit).values_list("kind", flat=True)) == {"OVERDUE", "ESCALATION"}


def test_a_closed_case_gets_no_reminders(adult_plan, sam):
    case = adult_plan.case
    case.status = "CLOSED"
    case.save(update_fields=["status"])
    reminders.sweep(now=at(datetime.date(2026, 6, 1)))
    reminders.sweep(now=at(datetime.date(2028, 6, 1)))  # after every stage of every visit
    assert not Reminder.objects.exists()
    assert not Visit.objects.filter(case=case, next_reminder_at__isnull=False).exists()


def test_the_email_carries_the_kind_and_reference_in_the_recipients_language_and_nothing_personal(
    adult_plan, sam, deliver_here, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reminders.sweep(now=at(datetime.date(2026, 4, 23)))
    by_recipient = {message.to[0]: message for message in mail.outbox}
    english, spanish = by_recipient["partner@example.org"], by_recipient["lead@example.org"]
    reference = adult_plan.case.reference
    assert english.subject == f"A follow-up visit is due: its window is open · {reference}"
    assert f"/cases/{adult_plan.case.pk}/follow-up/" in english.body
    assert "visita" in spanish.subject.lower()
    person = adult_plan.case.person
    for message in mail.outbox:
        text = message.subject + message.body
        for value in (person.given_names, person.family_names, person.phone, person.address, "1995"):
            assert value not in text


def test_delivering_twice_sends_each_email_once(adult_plan, sam):
    reminders.sweep(now=at(datetime.date(2026, 4, 23)))
    ids = [str(pk) for pk in Reminder.objects.values_list("pk", flat=True)]
    assert reminders.deliver(ids) == 2
    assert reminders.deliver(ids) == 0
    assert len(mail.outbox) == 2


class RefusingOutbox(locmem.EmailBackend):
    """The test outbox, whose mail server refuses one address."""

    def send_messages(self, messages):
        for message in messages:
            if "partner@example.org" in message.to:
                raise SMTPRecipientsRefused({"partner@example.org": (550, b"no such mailbox")})
        return super().send_messages(messages)


def test_a_refused_address_does_not_hold_back_or_repeat_the_others(adult_plan, sam, settings):
    settings.EMAIL_BACKEND = "tests.followup.test_reminders.RefusingOutbox"
    reminders.sweep(now=at(datetime.date(2026, 4, 23)))
    ids = [str(pk) for pk in Reminder.objects.values_list("pk", flat=True)]
    with pytest.raises(SMTPRecipientsRefused):
        reminders.deliver(ids)
    with pytest.raises(SMTPRecipientsRefused):
        reminders.deliver(ids)  # Celery's retry: the refused one is tried again, the sent one is not
    assert [message.to for message in mail.outbox] == [["lead@example.org"]]
    refused = Reminder.objects.get(recipient__username="partner")
    assert (refused.emailed_at, refused.email_claimed_until) == (None, None)


def test_a_delivery_never_sends_what_another_delivery_holds(adult_plan, sam):
    reminders.sweep(now=at(datetime.date(2026, 4, 23)))
    ids = [str(pk) for pk in Reminder.objects.values_list("pk", flat=True)]
    held = reminders._claim_for_delivery(ids, timezone.now())  # a delivery under way (or killed mid-way)
    assert len(held) == 2
    assert reminders.deliver(ids) == 0
    assert mail.outbox == []
    # Once its hold has passed, the rows go out, once.
    later = timezone.now() + datetime.timedelta(seconds=settings.REMINDER_DELIVERY_LEASE_SECONDS + 1)
    assert reminders.sweep(now=later)["redispatched"] == 2
    assert reminders.deliver(ids, now=later) == 2
    assert reminders.deliver(ids, now=later) == 0
    assert len(mail.outbox) == 2


def test_an_email_whose_message_was_lost_is_sent_again_after_its_lease(adult_plan, sam, settings):
    settings.REMINDER_DELIVERY_LEASE_SECONDS = 600
    day = at(datetime.date(2026, 4, 23))
    reminders.sweep(now=day)  # dispatch is captured by the test's transaction: as good as lost
    assert reminders.sweep(now=day + datetime.timedelta(minutes=9))["redispatched"] == 0
    assert reminders.sweep(now=day + datetime.timedelta(minutes=11))["redispatched"] == 2
    # The next lease is twice as long: a failing row cannot wedge the loop.
    assert reminders.sweep(now=day + datetime.timedelta(minutes=25))["redispatched"] == 0
    assert reminders.sweep(now=day + datetime.timedelta(minutes=32))["redispatched"] == 2
    assert set(Reminder.objects.values_list("email_attempts", flat=True)) == {2}


def test_the_health_check_reports_a_sweep_that_fell_behind(adult_plan, client, settings):
    settings.REMINDER_SWEEP_SECONDS = 60
    visit = first_visit(adult_plan)
    Visit.objects.filter(pk=visit.pk).update(next_reminder_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    response = client.get("/health/reminders/")
    assert response.status_code == 503
    assert response.json()["status"] == "stale"
    reminders.sweep()
    response = client.get("/health/reminders/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "stale": False, "oldest_due_seconds": 0, "emails_late": 0, "sweep_interval_seconds": 60}


def test_a_minor_is_reminded_on_the_minor_schedule_then_the_adult_one_after_the_18th_birthday(lima, team, sam):
    lead, _partner = team
    # 17 when care ends on 1 March 2026; 18 on 1 December 2026.
    case = open_case(lima, actor=lead, birth_date=datetime.date(2008, 12, 1), case_fields={"status": "REINTEGRATION_ACTIVE"})
    case.opened_on = datetime.date(2025, 10, 1)
    case.save(update_fields=["opened_on"])
    plan = services.plan_start(actor=lead, case=case, care_ended_on=datetime.date(2026, 3, 1), today=datetime.date(2026, 3, 1))
    day = datetime.date(2026, 3, 1)
    while day <= datetime.date(2028, 4, 30):
        reminders.sweep(now=at(day, 0, 1))
        day += datetime.timedelta(days=1)
    due = Reminder.objects.filter(kind="DUE", recipient=lead).select_related("visit").order_by("visit__due")
    assert [(reminder.visit.track, reminder.visit.offset_months) for reminder in due] == [
        ("MINOR", 1),
        ("MINOR", 3),
        ("MINOR", 6),
        ("ADULT", 12),
        ("ADULT", 24),
    ]
    # Each DUE reminder came on the day its window opened.
    for reminder in due:
        assert reminder.created_at.astimezone(LIMA).date() == reminder.visit.window_opens
    assert plan.adult_from == datetime.date(2026, 12, 1)


def test_the_plain_sql_that_marks_an_email_sent_names_the_reminders_table():
    assert reminders.MARK_SENT.split()[1] == Reminder._meta.db_table
