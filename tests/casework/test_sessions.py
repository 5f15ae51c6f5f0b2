"""Sessions: 30 idle minutes, 12 hours at most, a new key at sign-in, nothing cached once signed in."""

import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from casework.middleware import SIGNED_IN_AT

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def carmen():
    user = UserFactory(username="carmen")
    user.set_password("una-clave-larga-2026")
    user.save()
    return user


def sign_in(client):
    return client.post("/accounts/login/", {"username": "carmen", "password": "una-clave-larga-2026"})


def test_signing_in_gives_a_new_session_key(client, carmen):
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    assert sign_in(client).status_code == 302
    assert client.session.session_key != before


def test_an_idle_session_ends_after_30_minutes(client, carmen):
    sign_in(client)
    assert client.get("/").status_code == 200
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_each_request_renews_the_idle_limit(client, carmen):
    sign_in(client)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timezone.timedelta(minutes=5))
    client.get("/")
    assert Session.objects.get(session_key=key).expire_date > timezone.now() + timezone.timedelta(minutes=29)


def test_a_session_ends_12_hours_after_sign_in_however_active(client, carmen, english):
    sign_in(client)
    session = client.session
    session[SIGNED_IN_AT] = int(time.time()) - 12 * 3600 - 1
    session.save()
    response = client.get("/", follow=True)
    assert response.redirect_chain[0][0] == "/accounts/login/"
    assert "Your session ended 12 hours after you signed in" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_signed_in_pages_are_never_cached_and_the_usual_headers_are_set(client, carmen):
    sign_in(client)
    response = client.get("/")
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_a_deactivated_user_is_signed_out_at_the_next_request(client, carmen):
    sign_in(client)
    carmen.is_active = False
    carmen.save()
    assert client.get("/")["Location"].startswith("/accounts/login/")
