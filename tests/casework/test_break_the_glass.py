"""Break-the-glass: a supervisor reads a case outside their offices for a limited time, with a reason."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from casework import reviews
from casework.access import cases_visible_to
from casework.models import AccessAction, AccessEvent, BreakGlassGrant, Notification, NotificationKind, Review
from casework.tasks import revoke_expired_grants

from ..factories import OfficeFactory, UserFactory, open_case, sign_in, supervisor

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(lima):
    cusco = OfficeFactory(code="CUS", name="Cusco", region="08")
    return open_case(lima), supervisor("sergio", cusco), supervisor("sofia", lima)


def test_access_is_granted_for_four_hours_logged_and_told_to_the_office(world):
    case, sergio, sofia = world
    assert not cases_visible_to(sergio).filter(pk=case.pk).exists()
    grant = reviews.break_the_glass(actor=sergio, case=case, reason="La víctima llamó desde Cusco en peligro.")
    assert grant.expires_at - grant.granted_at == datetime.timedelta(hours=4)
    assert cases_visible_to(sergio).filter(pk=case.pk).exists()
    assert AccessEvent.objects.filter(action=AccessAction.BREAK_GLASS, actor=sergio, object_id=str(case.pk)).exists()
    assert Notification.objects.filter(recipient=sofia, kind=NotificationKind.BREAK_THE_GLASS, case=case).exists()
    assert Review.objects.get(pk=grant.review_id).kind == "BREAK_THE_GLASS"


def test_an_expired_grant_never_works_even_before_the_task_runs(world):
    case, sergio, _ = world
    reviews.break_the_glass(actor=sergio, case=case, reason="Urgencia", now=timezone.now() - datetime.timedelta(hours=4, seconds=1))
    assert not cases_visible_to(sergio).filter(pk=case.pk).exists()
    assert BreakGlassGrant.objects.get().revoked_at is None
    assert revoke_expired_grants() == 1
    assert BreakGlassGrant.objects.get().revoked_at is not None
    assert revoke_expired_grants() == 0


def test_the_office_sending_it_back_ends_the_access_at_once(world):
    case, sergio, sofia = world
    grant = reviews.break_the_glass(actor=sergio, case=case, reason="Urgencia")
    reviews.review_decide(actor=sofia, review=grant.review, approve=False, note="No era urgente.")
    assert not cases_visible_to(sergio).filter(pk=case.pk).exists()


def test_two_supervisors_may_each_break_the_glass_on_one_case(world, lima):
    case, sergio, _ = world
    other = supervisor("susana", OfficeFactory(code="PUN", name="Puno", region="21"))
    reviews.break_the_glass(actor=sergio, case=case, reason="Urgencia")
    reviews.break_the_glass(actor=other, case=case, reason="Urgencia también")
    assert BreakGlassGrant.objects.count() == 2


def test_only_supervisors_and_only_with_a_reason(world):
    case, sergio, _ = world
    with pytest.raises(PermissionDenied):
        reviews.break_the_glass(actor=UserFactory(username="carla"), case=case, reason="Quiero ver")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        reviews.break_the_glass(actor=sergio, case=case, reason="   ")
    assert not BreakGlassGrant.objects.exists()


def test_the_screen_opens_the_case_by_reference(client, world, english):
    case, sergio, _ = world
    sign_in(client, sergio)
    assert client.post("/break-the-glass/", {"reference": "LIM-2099-99999", "reason": "x"}).status_code == 200
    assert client.post("/break-the-glass/", {"reference": case.reference, "reason": ""}).status_code == 200
    assert not BreakGlassGrant.objects.exists()
    response = client.post("/break-the-glass/", {"reference": case.reference.lower(), "reason": "La víctima llamó."})
    assert response["Location"] == f"/cases/{case.pk}/"
    assert "You may read this case until" in client.get(response["Location"]).content.decode()


def test_the_screen_is_for_supervisors_only(client, alice):
    assert client.get("/break-the-glass/").status_code == 403
