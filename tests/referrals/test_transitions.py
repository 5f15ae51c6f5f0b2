"""The daily age-edge check, with time travel around birthdays (the day before, the day of, 29 February)."""

import datetime

import pytest

from casework.models import Notification, Review, TeamMember
from referrals import services, transitions
from referrals.models import Provider, ReferralAlert, Service

from ..factories import OfficeFactory, open_case

pytestmark = pytest.mark.django_db

BIRTHDAY = datetime.date(2026, 12, 10)  # her 18th


@pytest.fixture
def mdd():
    return OfficeFactory(code="MDD", region="17")


def service(name, **fields):
    provider, _ = Provider.objects.get_or_create(name=name, defaults={"sector": "SOCIAL_PROTECTION", "region": "17"})
    return Service.objects.create(provider=provider, name=name, sector="SOCIAL_PROTECTION", regions=["17"], **fields)


def accepted_referral(actor, case, target):
    referral = services.referral_propose(actor=actor, case=case, service=target, need=target.type, shares_personal_data=False)
    referral = services.referral_send(actor=actor, referral=referral)
    return services.referral_answer(actor=actor, referral=referral, accepted=True)


@pytest.fixture
def girl(mdd, caseworker):
    """17, in a minors' shelter and in psychological care; alice leads her team."""
    case = open_case(mdd, actor=caseworker, birth_date=datetime.date(2008, 12, 10))
    TeamMember.objects.create(case=case, user=caseworker, is_lead=True)
    shelter = service("CAR Madre de Dios", type="SHELTER_MINORS", min_age=12, max_age=17, residential=True, capacity=10)
    care = service("CEM Tambopata", type="PSYCHOLOGICAL")
    return case, accepted_referral(caseworker, case, shelter), accepted_referral(caseworker, case, care)


def alerts():
    return list(ReferralAlert.objects.values_list("referral_id", "days_before"))


def test_ninety_days_before_the_team_hears_that_the_minors_shelter_will_stop_fitting(girl, caseworker):
    case, shelter_referral, _care = girl
    transitions.check_transitions(today=BIRTHDAY - datetime.timedelta(days=90))
    assert alerts() == [(shelter_referral.pk, 90)]
    assert Notification.objects.filter(recipient=caseworker, case=case, kind="SERVICE_STOPS_FITTING").count() == 1
    transitions.check_transitions(today=BIRTHDAY - datetime.timedelta(days=89))
    assert alerts() == [(shelter_referral.pk, 90)], "once per threshold"


def test_the_thirty_and_seven_day_alerts_follow(girl):
    _case, shelter_referral, _care = girl
    for days in (90, 30, 7):
        transitions.check_transitions(today=BIRTHDAY - datetime.timedelta(days=days))
    assert sorted(alerts()) == [(shelter_referral.pk, 7), (shelter_referral.pk, 30), (shelter_referral.pk, 90)]


def test_a_late_first_run_sends_only_the_nearest_alert(girl):
    _case, shelter_referral, _care = girl
    transitions.check_transitions(today=BIRTHDAY - datetime.timedelta(days=5))
    assert alerts() == [(shelter_referral.pk, 7)]


def test_nothing_is_said_more_than_ninety_days_before(girl):
    transitions.check_transitions(today=BIRTHDAY - datetime.timedelta(days=91))
    assert not ReferralAlert.objects.exists()


def test_the_day_before_her_birthday_no_review_and_on_the_day_one(girl, caseworker):
    case, _shelter, _care = girl
    transitions.check_transitions(today=BIRTHDAY - datetime.timedelta(days=1))
    assert not Review.objects.filter(kind="AGE_TRANSITION").exists()
    transitions.check_transitions(today=BIRTHDAY)
    review = Review.objects.get(kind="AGE_TRANSITION")
    assert (review.case, review.requested_by, review.status) == (case, caseworker, "PENDING")
    assert Notification.objects.filter(recipient=caseworker, kind="CONSENT_TO_RENEW").count() == 1
    transitions.check_transitions(today=BIRTHDAY + datetime.timedelta(days=1))
    assert Review.objects.filter(kind="AGE_TRANSITION").count() == 1


def test_a_run_a_few_days_late_still_opens_the_review_but_not_weeks_later(mdd, caseworker):
    late = open_case(mdd, actor=caseworker, birth_date=datetime.date(2008, 12, 10))
    TeamMember.objects.create(case=late, user=caseworker, is_lead=True)
    transitions.check_transitions(today=BIRTHDAY + datetime.timedelta(days=30))
    assert not Review.objects.filter(kind="AGE_TRANSITION").exists()
    transitions.check_transitions(today=BIRTHDAY + datetime.timedelta(days=3))
    assert Review.objects.filter(kind="AGE_TRANSITION", case=late).exists()


def test_someone_born_on_29_february_turns_18_on_1_march(mdd, caseworker):
    case = open_case(mdd, actor=caseworker, birth_date=datetime.date(2008, 2, 29))
    TeamMember.objects.create(case=case, user=caseworker, is_lead=True)
    transitions.check_transitions(today=datetime.date(2026, 2, 28))
    assert not Review.objects.filter(kind="AGE_TRANSITION").exists()
    transitions.check_transitions(today=datetime.date(2026, 3, 1))
    assert Review.objects.filter(kind="AGE_TRANSITION", case=case).exists()


def test_the_guardians_consent_stops_counting_at_18(girl, caseworker):
    from casework import services as case_services

    case, _shelter, _care = girl
    consent = {
        "given_on": datetime.date(2026, 11, 2),
        "method": "WRITTEN",
        "services": True,
        "share_with": ["HEALTH"],
        "child_assent": "GIVEN",
        "guardian_kind": "PARENT",
        "guardian_consent_on": datetime.date(2026, 11, 2),
        "guardian_method": "WRITTEN",
    }
    case_services.case_update(actor=caseworker, case=case, expected_version=case.version, consent=consent)
    assert services.consent_allows(case, "HEALTH")
    case.person.age_band, case.person.presumed_minor = "YOUNG_ADULT", False  # as refresh_age_bands leaves her after the birthday
    assert not services.consent_allows(case, "HEALTH")


def test_adults_far_from_an_edge_are_not_even_looked_at(mdd, caseworker):
    open_case(mdd, actor=caseworker, birth_date=datetime.date(1990, 5, 5))
    assert transitions.check_transitions(today=datetime.date(2026, 11, 23))["people"] == 0
