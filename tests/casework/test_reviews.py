"""Supervisor reviews: four eyes, final decisions, what waits cannot proceed, the requester told."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from casework import reviews
from casework.models import Case, Notification, NotificationKind, Review, ReviewStatus

from ..factories import OfficeFactory, UserFactory, open_case, supervisor

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(lima):
    case = open_case(lima, case_fields={"status": "FOLLOW_UP"})
    caseworker = UserFactory(username="carla")
    return case, caseworker, supervisor("sofia", lima), supervisor("santiago", lima)


def test_a_closure_waits_for_a_supervisor_and_closes_when_approved(world):
    case, caseworker, sofia, _ = world
    review = reviews.request_closure(actor=caseworker, case=case, reason="Dos años de seguimiento sin riesgo.")
    assert Case.objects.get(pk=case.pk).status == "CLOSURE_PENDING"
    assert Notification.objects.filter(recipient=sofia, kind=NotificationKind.REVIEW_REQUESTED, review=review).exists()
    reviews.review_decide(actor=sofia, review=review, approve=True, note="Conforme.")
    case = Case.objects.get(pk=case.pk)
    assert (case.status, case.closed_on is not None) == ("CLOSED", True)
    review.refresh_from_db()
    assert (review.status, review.decided_by, review.decision_note) == (ReviewStatus.APPROVED, sofia, "Conforme.")
    assert Notification.objects.filter(recipient=caseworker, kind=NotificationKind.REVIEW_APPROVED, case=case).exists()


def test_sent_back_the_case_returns_to_where_it_was_and_needs_a_note(world):
    case, caseworker, sofia, _ = world
    review = reviews.request_closure(actor=caseworker, case=case, reason="Cierre")
    with pytest.raises(ValidationError):
        reviews.review_decide(actor=sofia, review=review, approve=False, note="  ")
    reviews.review_decide(actor=sofia, review=review, approve=False, note="Falta la última visita.")
    assert Case.objects.get(pk=case.pk).status == "FOLLOW_UP"
    assert Notification.objects.filter(recipient=caseworker, kind=NotificationKind.REVIEW_SENT_BACK).exists()


def test_four_eyes_the_requester_cannot_decide_even_as_a_supervisor(world):
    case, _, sofia, _ = world
    review = reviews.request_closure(actor=sofia, case=case, reason="Cierre")
    with pytest.raises(PermissionDenied):
        reviews.review_decide(actor=sofia, review=review, approve=True)
    assert not Notification.objects.filter(recipient=sofia, kind=NotificationKind.REVIEW_REQUESTED).exists()
    with transaction.atomic(), pytest.raises(IntegrityError):  # the database says no as well
        Review.objects.filter(pk=review.pk).update(status="APPROVED", decided_by=sofia, decided_at=datetime.datetime.now(datetime.UTC))


def test_only_a_supervisor_of_the_cases_office_decides(world):
    case, caseworker, _, _ = world
    elsewhere = supervisor("sergio", OfficeFactory(code="CUS", region="08"))
    review = reviews.request_closure(actor=caseworker, case=case, reason="Cierre")
    for outsider in (elsewhere, UserFactory(username="otra-trabajadora")):
        with pytest.raises(PermissionDenied):
            reviews.review_decide(actor=outsider, review=review, approve=True)
    assert Review.objects.get(pk=review.pk).status == ReviewStatus.PENDING


def test_a_decision_is_final_and_made_once(world):
    case, caseworker, sofia, santiago = world
    review = reviews.request_closure(actor=caseworker, case=case, reason="Cierre")
    stale_copy = Review.objects.get(pk=review.pk)
    reviews.review_decide(actor=sofia, review=review, approve=False, note="Todavía no.")
    with pytest.raises(reviews.ReviewAlreadyDecided):
        reviews.review_decide(actor=santiago, review=stale_copy, approve=True)
    assert Case.objects.get(pk=case.pk).status == "FOLLOW_UP"


def test_a_new_request_is_a_new_review_but_only_one_waits_at_a_time(world):
    case, caseworker, sofia, _ = world
    first = reviews.request_closure(actor=caseworker, case=case, reason="Cierre")
    with pytest.raises(ValidationError):
        reviews.review_request(actor=caseworker, case=case, kind="CASE_CLOSURE", reason="Otra vez")
    reviews.review_decide(actor=sofia, review=first, approve=False, note="Todavía no.")
    second = reviews.request_closure(actor=caseworker, case=Case.objects.get(pk=case.pk), reason="Ahora sí")
    assert second.pk != first.pk
    assert Review.objects.filter(case=case).count() == 2


def test_an_intake_or_closed_case_cannot_be_asked_to_close(lima):
    case = open_case(lima)
    with pytest.raises(ValidationError):
        reviews.request_closure(actor=UserFactory(username="carla"), case=case, reason="Cierre")
    assert not Review.objects.exists()


def test_kinds_come_from_one_registry_that_other_apps_extend():
    assert {"CASE_CLOSURE", "REINTEGRATION_PLAN", "TEAM_OVERRIDE", "AGE_TRANSITION", "AGGREGATE_EXPORT", "BREAK_THE_GLASS"} <= set(
        reviews.REGISTRY
    )
    with pytest.raises(ValueError, match="twice"):
        reviews.register(reviews.ReviewKind("CASE_CLOSURE", "again"))


def test_the_reason_and_note_are_encrypted_and_notifications_carry_no_personal_data(world):
    from django.db import connection

    case, caseworker, sofia, _ = world
    review = reviews.request_closure(actor=caseworker, case=case, reason="Rosa vive ahora con su tía en Cusco")
    reviews.review_decide(actor=sofia, review=review, approve=True, note="Rosa está segura")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason_ct, decision_note_ct FROM casework_review")
        raw = b"".join(bytes(value) for row in cursor.fetchall() for value in row)
    assert b"Rosa" not in raw
    fields = {field.name for field in Notification._meta.fields}
    assert fields == {"id", "recipient", "kind", "case", "review", "created_at", "read_at"}, "no free text in a notification"
