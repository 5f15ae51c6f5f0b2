"""A follow-up visit finds a high risk: the caseworker records it on her phone, the supervisor (past
her second factor) is alerted at once, and an unscheduled visit within 7 days is added. The alert
names the case reference only: never the person, never her safe-contact details."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import formats, timezone, translation
from guardian.shortcuts import assign_perm
from playwright.sync_api import expect

from casework.models import Notification
from followup import reminders, services
from followup.models import Reminder, Visit, VisitRecord

from ..factories import open_case, supervisor, two_factor_device
from .conftest import PHONE, enter_second_factor, sign_in_as, with_password

pytestmark = pytest.mark.e2e

GIVEN_NAMES, FAMILY_NAMES = "Yanira", "Condori Ccama"
CODE_WORD = "Girasol azul"
SAFE_HOURS = "Lunes a viernes, de 9:00 a 12:00"
PHONE_NUMBER = "+51 987 654 321"
# Nothing of these may reach a notification, on screen or by email.
PRIVATE = [GIVEN_NAMES, *FAMILY_NAMES.split(), CODE_WORD, SAFE_HOURS, PHONE_NUMBER]


def choose_english(page):
    """The language switcher in the page header, as a person would use it."""
    expect(page.locator("html")).to_have_attribute("lang", "es")  # Spanish until chosen otherwise
    page.locator("button[name=language][value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def short_dates(first, days):
    """How the screens write each day from `first` for `days` more days, in English."""
    with translation.override("en"):
        return [formats.date_format(first + datetime.timedelta(days=n), "SHORT_DATE_FORMAT") for n in range(days + 1)]


def fill_visit(page, *, contact_on=None):
    """What the visit found: seen in person, three scores, a high risk, no re-exploitation."""
    if contact_on is not None:
        page.locator("#id_contact_on").fill(contact_on.isoformat())
    page.locator("#id_mode").select_option("IN_PERSON")
    page.locator("input[name=seen][value=yes]").check()
    page.locator("#id_score_SAFETY").select_option("1")
    page.locator("#id_score_HOUSING").select_option("2")
    page.locator("#id_score_PSYCHOSOCIAL").select_option("1")
    page.locator("input[name=flags][value=EXPLOITER_CONTACT]").check()
    page.locator("input[name=risk][value=HIGH]").check()
    page.locator("input[name=re_exploitation][value=NONE]").check()


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def dispatched(monkeypatch):
    """The reminder emails' Celery dispatch, kept here rather than queued in var/celery-broker."""
    ids = []
    monkeypatch.setattr(reminders, "dispatch", ids.extend)
    return ids


@pytest.fixture
def case(caseworker, dispatched):
    """Yanira's case in Lima, worked by the caseworker; care ended a month and two days ago, so the
    one-month visit's window (± 7 days) is open today."""
    today = timezone.localdate()
    case = open_case(
        caseworker.staff_profile.office,
        today=today - datetime.timedelta(days=90),
        given_names=GIVEN_NAMES,
        family_names=FAMILY_NAMES,
        phone=PHONE_NUMBER,
        safe_channels=["WHATSAPP", "OFFICE_VISIT"],
        safe_hours=SAFE_HOURS,
        code_word=CODE_WORD,
        case_fields={"status": "REINTEGRATION_ACTIVE"},
    )
    for permission in ("casework.view_case", "casework.change_case"):
        assign_perm(permission, caseworker, case)
    services.plan_start(actor=caseworker, case=case, care_ended_on=today - datetime.timedelta(days=32))
    return case


def test_a_high_risk_visit_alerts_the_supervisor_and_adds_an_unscheduled_visit_without_naming_the_person(
    browser, live_server, caseworker, case, dispatched
):
    today = timezone.localdate()
    sofia = with_password(supervisor("sofia", caseworker.staff_profile.office))
    key = two_factor_device(sofia).key
    first_visit = Visit.objects.filter(case=case).order_by("due").first()
    follow_up = f"/cases/{case.pk}/follow-up/"
    first_visit_url = f"{follow_up}visits/{first_visit.pk}/"

    # The caseworker, on her phone.
    carmen = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-US")
    carmen.set_default_timeout(10_000)
    page = carmen.new_page()
    sign_in_as(page, caseworker)
    page.wait_for_url("/")
    page.goto(follow_up)
    choose_english(page)
    visits = page.locator("table").first.locator("tbody tr")
    expect(visits.first).to_contain_text("due now")
    visits.first.locator(f'a[href="{first_visit_url}"]').click()
    page.wait_for_url(first_visit_url)
    safe_contact = page.locator("section.safe-contact")
    expect(safe_contact).to_contain_text(CODE_WORD)
    expect(safe_contact).to_contain_text(SAFE_HOURS)
    assert no_sideways_scroll(page), "the visit record form is wider than a 360 px phone"

    # Recording without the date of the contact: the summary says what is missing, nothing is saved.
    fill_visit(page)
    page.locator("button[name=action][value=record]").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary.locator('a[href="#id_contact_on"]')).to_be_visible()
    expect(page.locator("#id_contact_on")).to_have_value("")
    expect(page.locator("input[name=risk][value=HIGH]")).to_be_checked()  # what was typed came back
    assert not VisitRecord.objects.exists()
    assert not Notification.objects.exists()

    # A draft needs no date.
    page.locator("button[name=action][value=draft]").click()
    page.wait_for_url(first_visit_url)
    expect(page.get_by_role("status")).to_contain_text("Draft saved")
    expect(page.get_by_role("alert")).to_have_count(0)
    assert VisitRecord.objects.get().status == "DRAFT"

    # Recorded with the date: back to the follow-up page, with the unscheduled visit added.
    page.locator("#id_contact_on").fill(today.isoformat())
    page.locator("button[name=action][value=record]").click()
    page.wait_for_url(follow_up)
    expect(page.get_by_role("status")).to_contain_text("Visit recorded")
    visits = page.locator("table").first.locator("tbody tr")
    unscheduled = visits.filter(has_text="Unscheduled")
    expect(unscheduled).to_have_count(1)
    due = unscheduled.locator("td[data-label=Due]")
    expect(due).to_have_text(re.compile("^(" + "|".join(map(re.escape, short_dates(today, 7))) + ")$"))
    expect(unscheduled.locator("a", has_text="Record")).to_be_visible()
    expect(visits.first.locator(f'a[href="{first_visit_url}"]')).to_have_text(re.compile("^Open"))
    expect(page.locator("svg.score-chart")).to_be_visible()
    expect(page.locator("section[aria-labelledby=timeline] .flag.urgent")).to_have_text("High")
    assert no_sideways_scroll(page), "the follow-up page is wider than a 360 px phone"
    carmen.close()

    # The supervisor, with her code.
    office = browser.new_context(base_url=live_server.url, locale="en-US")
    office.set_default_timeout(10_000)
    page = office.new_page()
    sign_in_as(page, sofia)
    page.wait_for_url(re.compile("/accounts/two-factor/"))
    enter_second_factor(page, key)
    page.wait_for_url("/")
    choose_english(page)
    notifications_link = page.get_by_role("navigation").locator('a[href="/notifications/"]')
    expect(notifications_link.locator(".badge")).to_have_text(re.compile(r"^1\b"))
    notifications_link.click()
    page.wait_for_url("/notifications/")
    alert = page.locator("ul.notifications li").filter(has_text=case.reference)
    expect(alert).to_have_count(1)
    expect(alert.locator("strong.flag.urgent")).to_contain_text("Urgent")
    expect(alert.locator(f'a[href="{follow_up}"]')).to_contain_text(case.reference)
    shown, source = page.locator("body").inner_text(), page.content()
    for private in PRIVATE:
        assert private not in shown, f"the notifications page shows {private!r}"
        assert private not in source, f"the notifications page holds {private!r} in its HTML"
    alert.locator(f'a[href="{follow_up}"]').click()  # the alert leads to the follow-up page
    page.wait_for_url(follow_up)
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)
    office.close()

    # One urgent reminder, to the supervisor: none to the caseworker who recorded the visit, and
    # none more for the draft that found the same risk first.
    urgent = Reminder.objects.filter(kind="URGENT")
    assert list(urgent.values_list("recipient__username", flat=True)) == ["sofia"]
    assert not Notification.objects.filter(recipient=caseworker).exists()
    assert list(Visit.objects.filter(case=case, unscheduled=True).values_list("due", flat=True)) == [today + datetime.timedelta(days=7)]
    # Its email, once delivered, names the case reference only.
    assert [str(pk) for pk in dispatched] == [str(urgent.get().pk)]
    assert reminders.deliver([str(pk) for pk in dispatched]) == 1
    (email,) = mail.outbox
    assert case.reference in email.subject + email.body
    for private in PRIVATE:
        assert private not in email.subject + email.body, f"the email holds {private!r}"


def test_a_draft_saved_in_spanish_keeps_its_date_of_contact(signed_in, case):
    """Spanish is the default: the date of a draft comes back when the visit is reopened, and the
    visit can then be recorded without typing it again."""
    today = timezone.localdate()
    first_visit = Visit.objects.filter(case=case).order_by("due").first()
    url = f"/cases/{case.pk}/follow-up/visits/{first_visit.pk}/"
    signed_in.goto(url)
    fill_visit(signed_in, contact_on=today)
    signed_in.locator("button[name=action][value=draft]").click()
    signed_in.wait_for_url(url)
    assert VisitRecord.objects.get().contact_on == today
    expect(signed_in.locator("#id_contact_on")).to_have_value(today.isoformat(), timeout=2_000)
    signed_in.locator("button[name=action][value=record]").click()
    signed_in.wait_for_url(f"/cases/{case.pk}/follow-up/", timeout=2_000)
    assert VisitRecord.objects.get().contact_on == today
