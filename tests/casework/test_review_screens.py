"""The review screens: the team asks, a supervisor of the office decides, the requester is told."""

import pytest
from guardian.shortcuts import assign_perm

from casework import reviews
from casework.models import Case, Notification, Review, ReviewStatus

from ..factories import OfficeFactory, UserFactory, open_case, sign_in, supervisor

pytestmark = pytest.mark.django_db


@pytest.fixture
def followed_case(alice, lima):
    case = open_case(lima, case_fields={"status": "FOLLOW_UP"})
    assign_perm("casework.view_case", alice, case)
    assign_perm("casework.change_case", alice, case)
    return case


@pytest.fixture
def sofia(lima):
    return supervisor("sofia", lima)


def test_the_team_requests_closure_with_a_reason(client, followed_case, sofia, english):
    page = client.get(f"/cases/{followed_case.pk}/").content.decode()
    assert f"/cases/{followed_case.pk}/closure/" in page
    assert client.post(f"/cases/{followed_case.pk}/closure/", {"reason": ""}).status_code == 200
    assert not Review.objects.exists()
    response = client.post(f"/cases/{followed_case.pk}/closure/", {"reason": "Dos años sin riesgo."})
    assert response.status_code == 302
    assert Case.objects.get(pk=followed_case.pk).status == "CLOSURE_PENDING"
    assert "Closure pending" in client.get(f"/cases/{followed_case.pk}/").content.decode()


def test_the_queue_shows_the_offices_reviews_oldest_first_and_no_other(client, alice, followed_case, sofia, lima):
    older = reviews.request_closure(actor=alice, case=followed_case, reason="Cierre")
    newer_case = open_case(lima, case_fields={"status": "FOLLOW_UP"})
    newer = reviews.request_closure(actor=alice, case=newer_case, reason="Cierre")
    elsewhere = open_case(OfficeFactory(code="CUS", region="08"), case_fields={"status": "FOLLOW_UP"})
    reviews.request_closure(actor=alice, case=elsewhere, reason="Cierre")
    sign_in(client, sofia)
    page = client.get("/reviews/").content.decode()
    assert page.index(f"/reviews/{older.pk}/") < page.index(f"/reviews/{newer.pk}/")
    assert elsewhere.reference not in page
    assert "Revisiones" in client.get("/").content.decode(), "the header links supervisors to their queue"


def test_the_cases_that_need_a_team_are_paged(client, sofia, lima, english):
    cases = [open_case(lima) for _ in range(31)]
    sign_in(client, sofia)
    first = client.get("/reviews/").content.decode()
    assert "31 open cases." in first
    assert sum(case.reference in first for case in cases) == 30
    second = client.get("/reviews/?page=2").content.decode()
    assert [case.reference for case in cases if case.reference in second] == [max(case.reference for case in cases)]


def test_the_queue_is_for_supervisors_only(client, alice):
    assert client.get("/reviews/").status_code == 403
    assert "/reviews/" not in client.get("/").content.decode()


def test_a_supervisor_approves_and_the_requester_is_notified_without_personal_data(client, alice, followed_case, sofia, english):
    review = reviews.request_closure(actor=alice, case=followed_case, reason="Rosa ya vive con su tía.")
    sign_in(client, sofia)
    detail = client.get(f"/reviews/{review.pk}/").content.decode()
    assert "Rosa ya vive con su tía." in detail
    assert "Close the case. If sent back, it returns to: Follow-up." in detail
    assert client.post(f"/reviews/{review.pk}/", {"decision": "approve", "note": ""}).status_code == 302
    assert Case.objects.get(pk=followed_case.pk).status == "CLOSED"
    sign_in(client, alice)
    assert '<span class="badge">1' in client.get("/").content.decode()
    page = client.get("/notifications/").content.decode()
    assert f"Your request was approved: {followed_case.reference}" in page
    assert "Rosa" not in page
    assert Notification.objects.get(recipient=alice).read_at is not None, "opening the list marks it read"
    assert '<span class="badge">' not in client.get("/").content.decode()


def test_sending_back_needs_a_note_in_the_users_language(client, alice, followed_case, sofia):
    review = reviews.request_closure(actor=alice, case=followed_case, reason="Cierre")
    sign_in(client, sofia)
    response = client.post(f"/reviews/{review.pk}/", {"decision": "send_back", "note": ""})
    assert response.status_code == 200
    assert "Indique qué debe cambiar" in response.content.decode()
    assert Review.objects.get(pk=review.pk).status == ReviewStatus.PENDING


def test_the_requester_sees_the_review_but_cannot_decide_it(client, alice, followed_case, sofia):
    assign_perm("casework.view_case", sofia, followed_case)
    review = reviews.request_closure(actor=sofia, case=followed_case, reason="Cierre")
    sign_in(client, sofia)
    assert client.get(f"/reviews/{review.pk}/").context["form"] is None
    assert client.post(f"/reviews/{review.pk}/", {"decision": "approve"}).status_code == 403
    assert Review.objects.get(pk=review.pk).status == ReviewStatus.PENDING


def test_a_review_decided_meanwhile_is_not_decided_again(client, alice, followed_case, sofia, lima):
    review = reviews.request_closure(actor=alice, case=followed_case, reason="Cierre")
    reviews.review_decide(actor=supervisor("santiago", lima), review=review, approve=False, note="Aún no.")
    sign_in(client, sofia)
    assert client.post(f"/reviews/{review.pk}/", {"decision": "approve"}).status_code == 403
    assert Case.objects.get(pk=followed_case.pk).status == "FOLLOW_UP"


def test_reviews_of_cases_one_may_not_see_are_not_found(client, lima):
    stranger_case = open_case(lima, case_fields={"status": "FOLLOW_UP"})
    review = reviews.request_closure(actor=UserFactory(username="zoe"), case=stranger_case, reason="Cierre")
    sign_in(client, UserFactory(username="intruder"))
    assert client.get(f"/reviews/{review.pk}/").status_code == 404
    assert client.get("/reviews/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.post(f"/cases/{stranger_case.pk}/closure/", {"reason": "x"}).status_code == 404


def test_the_case_history_names_reviews_in_the_users_language(client, alice, followed_case, sofia):
    reviews.request_closure(actor=alice, case=followed_case, reason="Cierre")
    history = client.get(f"/cases/{followed_case.pk}/").content.decode().split('id="history"')[1]
    assert "revisión" in history


def test_all_notifications_can_be_marked_read_at_once(client, alice, followed_case, sofia):
    reviews.request_closure(actor=alice, case=followed_case, reason="Cierre")
    reviews.request_closure(actor=alice, case=open_case(followed_case.office, case_fields={"status": "FOLLOW_UP"}), reason="Cierre")
    sign_in(client, sofia)
    assert Notification.objects.filter(recipient=sofia, read_at__isnull=True).count() == 2
    assert client.get("/notifications/read/").status_code == 405
    assert client.post("/notifications/read/").status_code == 302
    assert not Notification.objects.filter(recipient=sofia, read_at__isnull=True).exists()
