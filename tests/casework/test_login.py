"""Signing in and out: the login page, lockout after failures, password change and language choice."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.forms import PasswordChangeForm
from django.db.models import F
from django.test import Client
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from casework.lockout import cool_off_for

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
PASSWORD_CHANGE = "/accounts/password/"
PASSWORD = "caminos-del-sur-2026"
NEW_PASSWORD = "tortuga-azul-bajo-lluvia"
WRONG = "not-the-password"


def make_user(username, password=PASSWORD, **fields):
    user = UserFactory(username=username, **fields)
    user.set_password(password)
    user.save()
    return user


@pytest.fixture
def alice():
    return make_user("alice")


@pytest.fixture
def bob():
    return make_user("bob")


def sign_in(client, username, password, address="10.0.0.1", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def is_signed_in(client):
    return client.get("/").status_code == 200


def page(response):
    return response.content.decode()


def without_csrf_tokens(body):
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b'name="csrfmiddlewaretoken" value=""', body)


def time_passes(delta):
    """Move every recorded failure `delta` into the past, as if that much time had gone by."""
    for model in (AccessAttempt, AccessFailureLog):
        model.objects.update(attempt_time=F("attempt_time") - delta)


def assert_locked_out(response):
    assert response.status_code == 429
    with translation.override("es"):
        assert "Demasiados intentos" in page(response)


# --- The login page ---------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_the_login_page_and_back_afterwards(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_the_login_page_has_a_strict_content_security_policy(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_the_login_page_is_in_spanish_by_default(client):
    body = page(client.get(LOGIN))
    assert '<html lang="es">' in body
    assert "Iniciar sesión" in body
    assert "Sign in" not in body


def test_the_right_password_signs_the_user_in_and_shows_her_cases(client, alice, english):
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "My cases" in page(home)


def test_the_login_form_returns_to_the_page_the_user_asked_for(client, alice):
    response = client.post(LOGIN + "?next=/accounts/password/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response["Location"] == "/accounts/password/"


def test_the_login_form_never_sends_the_user_to_another_site(client, alice):
    response = client.post(LOGIN + "?next=https://evil.example/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response["Location"] == "/"


def test_a_signed_in_user_visiting_the_login_page_goes_to_her_cases(client, alice):
    client.force_login(alice)
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_wrong_password_and_an_unknown_username_look_exactly_the_same(client, alice):
    # The same typed-in username, once for an existing account and once for none: nothing in the
    # answer may tell an attacker which usernames exist.
    wrong_password = sign_in(client, "alice", WRONG)
    alice.username = "alice.quispe"
    alice.save()
    unknown_username = sign_in(client, "alice", WRONG)
    assert wrong_password.status_code == unknown_username.status_code == 200
    assert b"csrfmiddlewaretoken" in wrong_password.content
    assert without_csrf_tokens(wrong_password.content) == without_csrf_tokens(unknown_username.content)
    assert not is_signed_in(client)


def test_a_wrong_password_shows_the_one_generic_message_and_keeps_the_username(client, alice, english):
    response = sign_in(client, "alice", WRONG)
    body = page(response)
    assert response.status_code == 200
    assert "The username or password is not right." in body
    assert 'value="alice"' in body
    assert WRONG not in body


# --- Lockout ----------------------------------------------------------------------------------


def test_five_failures_for_one_username_lock_it_even_from_other_addresses(client, alice):
    for n in range(1, 5):
        assert sign_in(client, "alice", WRONG, address=f"10.0.1.{n}").status_code == 200
    assert_locked_out(sign_in(client, "alice", WRONG, address="10.0.1.5"))

    response = sign_in(client, "alice", PASSWORD, address="10.0.1.6")
    assert_locked_out(response)
    assert not is_signed_in(client)


def test_a_locked_username_does_not_stop_other_people_signing_in(client, alice, bob):
    for n in range(5):
        sign_in(client, "alice", WRONG, address=f"10.0.1.{n}")
    assert_locked_out(sign_in(Client(), "alice", PASSWORD, address="10.0.1.9"))

    response = sign_in(client, "bob", PASSWORD, address="10.0.2.1")
    assert response.status_code == 302
    assert is_signed_in(client)


def test_five_failures_from_one_address_lock_that_address_for_everyone(client, alice):
    for n in range(5):
        sign_in(client, f"guess{n}", WRONG, address="10.0.3.1")

    assert_locked_out(sign_in(client, "alice", PASSWORD, address="10.0.3.1"))
    assert not is_signed_in(client)
    # Alice herself is not locked: from her usual address she gets in.
    assert sign_in(client, "alice", PASSWORD, address="10.0.3.2").status_code == 302


def test_four_failures_do_not_lock_and_a_success_clears_them(client, alice):
    for _ in range(4):
        sign_in(client, "alice", WRONG)
    assert sign_in(client, "alice", PASSWORD).status_code == 302
    client.post(LOGOUT)
    for _ in range(4):
        sign_in(client, "alice", WRONG)
    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_the_locked_out_page_is_in_english_for_english_readers(client, alice, english):
    for _ in range(4):
        sign_in(client, "alice", WRONG)
    response = sign_in(client, "alice", WRONG)
    assert response.status_code == 429
    assert '<html lang="en">' in page(response)
    assert "Too many attempts" in page(response)


def test_a_locked_user_can_sign_in_again_once_the_cool_off_has_passed(client, alice):
    for _ in range(5):
        sign_in(client, "alice", WRONG)

    time_passes(timedelta(minutes=14))
    assert_locked_out(sign_in(client, "alice", PASSWORD))

    # That refused try counts as another failure, so the 15 minutes start again from it.
    time_passes(timedelta(minutes=16))
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_locked_address_is_free_again_once_the_cool_off_has_passed(client, alice):
    for n in range(5):
        sign_in(client, f"guess{n}", WRONG, address="10.0.3.1")
    time_passes(timedelta(minutes=16))
    assert sign_in(client, "alice", PASSWORD, address="10.0.3.1").status_code == 302


def lock_alice_out_twice(client):
    """Five failures, a 15-minute cool-off served, five more: alice's second lockout of the day."""
    for _ in range(5):
        sign_in(client, "alice", WRONG)
    time_passes(timedelta(minutes=16))
    for _ in range(5):
        sign_in(client, "alice", WRONG)


def test_a_second_lockout_on_the_same_day_lasts_thirty_minutes(client, alice):
    lock_alice_out_twice(client)

    time_passes(timedelta(minutes=16))
    assert_locked_out(sign_in(client, "alice", PASSWORD))

    time_passes(timedelta(minutes=31))
    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_someone_else_signing_in_does_not_cut_a_longer_cool_off_short(client, alice, bob):
    lock_alice_out_twice(client)
    time_passes(timedelta(minutes=16))

    assert sign_in(Client(), "bob", PASSWORD, address="10.0.9.9").status_code == 302
    assert_locked_out(sign_in(client, "alice", PASSWORD))


@pytest.mark.parametrize(
    ("failures", "minutes"),
    [(0, 15), (1, 15), (5, 15), (9, 15), (10, 30), (14, 30), (15, 60), (20, 120), (25, 240), (30, 480), (35, 960)],
)
def test_the_cool_off_doubles_with_every_five_failures_in_a_day(failures, minutes):
    assert cool_off_for(failures) == timedelta(minutes=minutes)


@pytest.mark.parametrize("failures", [40, 45, 100, 190, 1_000, 10**6, 10**18])
def test_the_cool_off_never_exceeds_a_day(failures):
    assert cool_off_for(failures) == timedelta(hours=24)


@given(st.integers(min_value=0, max_value=10**18), st.integers(min_value=0, max_value=10**18))
def test_the_cool_off_never_shrinks_as_failures_grow_and_stays_between_15_minutes_and_a_day(failures, more):
    fewer, larger = cool_off_for(failures), cool_off_for(failures + more)
    assert timedelta(minutes=15) <= fewer <= larger <= timedelta(hours=24)


# --- Signing out ------------------------------------------------------------------------------


def test_signing_out_needs_a_post(client, alice):
    client.force_login(alice)
    assert client.get(LOGOUT).status_code == 405
    assert is_signed_in(client)


def test_after_signing_out_the_cases_are_behind_the_login_page_again(client, alice):
    client.force_login(alice)
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    home = client.get("/")
    assert home.status_code == 302
    assert home["Location"] == "/accounts/login/?next=/"


# --- Changing the password --------------------------------------------------------------------


def change_password(client, old, new=NEW_PASSWORD):
    return client.post(PASSWORD_CHANGE, {"old_password": old, "new_password1": new, "new_password2": new})


def test_the_password_page_needs_a_signed_in_user(client):
    response = client.get(PASSWORD_CHANGE)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/password/"


def test_a_wrong_old_password_is_shown_next_to_its_field_and_changes_nothing(client, alice):
    client.force_login(alice)
    response = change_password(client, WRONG)
    assert response.status_code == 200
    with translation.override("es"):
        message = str(PasswordChangeForm.error_messages["password_incorrect"])
    errors = re.search(r'<ul class="errorlist" id="id_old_password_errors">(.*?)</ul>', page(response), re.S)
    assert errors is not None
    assert message in errors.group(1)
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    assert not alice.check_password(NEW_PASSWORD)


def test_changing_the_password_keeps_this_session_and_ends_the_others(client, alice):
    client.force_login(alice)
    laptop = Client()
    laptop.force_login(alice)
    assert is_signed_in(laptop)

    response = change_password(client, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/done/"
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)

    assert is_signed_in(client)
    on_laptop = laptop.get("/")
    assert on_laptop.status_code == 302
    assert on_laptop["Location"] == "/accounts/login/?next=/"


def test_after_a_change_only_the_new_password_signs_in(client, alice):
    client.force_login(alice)
    change_password(client, PASSWORD)
    assert sign_in(Client(), "alice", PASSWORD).status_code == 200
    assert sign_in(Client(), "alice", NEW_PASSWORD).status_code == 302


# --- Language ---------------------------------------------------------------------------------


def choose(client, language, next_page="/"):
    return client.post("/language/", {"language": language, "next": next_page})


def test_choosing_english_switches_the_login_page_and_sets_only_a_cookie(client, alice):
    response = choose(client, "en", LOGIN)
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert client.cookies["django_language"].value == "en"
    body = page(client.get(LOGIN))
    assert '<html lang="en">' in body
    assert "Sign in" in body
    alice.refresh_from_db()
    assert alice.language == ""


def test_a_signed_in_users_choice_is_saved_and_follows_her_to_a_new_session(client, alice):
    client.force_login(alice)
    choose(client, "en")
    assert '<html lang="en">' in page(client.get("/"))
    alice.refresh_from_db()
    assert alice.language == "en"

    other_device = Client()
    other_device.force_login(alice)
    assert "django_language" not in other_device.cookies
    body = page(other_device.get("/"))
    assert '<html lang="en">' in body
    assert "My cases" in body


def test_the_saved_choice_wins_over_the_browser_language_and_the_cookie(client, english):
    rosa = make_user("rosa", language="es")
    client.force_login(rosa)
    body = page(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="es">' in body
    assert "Mis casos" in body


def test_choosing_the_language_needs_a_post(client):
    assert client.get("/language/", {"language": "en"}).status_code == 405


def test_an_unknown_language_changes_nothing(client, alice):
    client.force_login(alice)
    choose(client, "xx")
    alice.refresh_from_db()
    assert alice.language == ""
    assert '<html lang="es">' in page(client.get("/"))


def test_spanish_is_the_default_whatever_the_browser_prefers(client):
    body = page(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))
    assert '<html lang="es">' in body
    assert "Iniciar sesión" in body


# --- Behind the TLS proxy (casework/addresses.py) ---------------------------------------------------

PROXY = "127.0.0.1"  # in TRUSTED_PROXIES by default


def through_proxy(client, username, password, client_address):
    """A sign-in as the proxy passes it on: from the proxy, naming the client in X-Forwarded-For."""
    return sign_in(client, username, password, address=PROXY, HTTP_X_FORWARDED_FOR=client_address)


def test_behind_the_proxy_failures_lock_the_clients_address_not_the_whole_office(client, alice):
    for n in range(5):
        through_proxy(client, f"guess{n}", WRONG, "203.0.113.7")
    assert_locked_out(through_proxy(Client(), "alice", PASSWORD, "203.0.113.7"))
    assert through_proxy(Client(), "alice", PASSWORD, "198.51.100.4").status_code == 302


def test_an_address_a_client_writes_into_x_forwarded_for_is_not_believed(client, alice):
    for n in range(5):  # straight to the app, not from a trusted proxy: the header is the client's own
        sign_in(client, f"guess{n}", WRONG, address="10.0.4.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert_locked_out(sign_in(Client(), "alice", PASSWORD, address="10.0.4.1"))
    for n in range(5):  # through the proxy, only the entry the proxy wrote (the last) counts
        through_proxy(client, f"other{n}", WRONG, f"192.0.2.{n}, 203.0.113.9")
    assert_locked_out(through_proxy(Client(), "alice", PASSWORD, "203.0.113.9"))


def test_the_access_log_records_the_clients_address_behind_the_proxy(client, alice, lima):
    from guardian.shortcuts import assign_perm

    from casework.models import AccessEvent

    from ..factories import open_case

    case = open_case(lima)
    assign_perm("casework.view_case", alice, case)
    through_proxy(client, "alice", PASSWORD, "203.0.113.20")
    assert client.get(f"/cases/{case.pk}/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.20").status_code == 200
    addresses = set(AccessEvent.objects.filter(actor=alice).values_list("ip", flat=True))
    assert "203.0.113.20" in addresses
    assert PROXY not in addresses
