"""Supervisors and administrators pass a TOTP code after their password; caseworkers and auditors do not."""

import re
from base64 import b32decode

import pytest
from django.core.management import call_command
from django.test import Client

from casework.models import AccessAction, AccessEvent, TwoFactorDevice
from casework.roles import Role

from ..factories import OfficeFactory, current_code, open_case, sign_in, supervisor, two_factor_device, user_with_role

pytestmark = pytest.mark.django_db

SETUP = "/accounts/two-factor/setup/"
VERIFY = "/accounts/two-factor/"


@pytest.fixture
def sofia():
    return supervisor("sofia", OfficeFactory(code="LIM"))


def test_a_supervisor_with_only_a_password_is_sent_to_enrol_from_every_page(client, sofia):
    case = open_case(sofia.staff_profile.office)
    sign_in(client, sofia, second_factor=False)
    for page in ("/", f"/cases/{case.pk}/", "/reviews/", "/notifications/", "/search/", "/accounts/password/"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(f"{SETUP}?next=")
    assert client.post("/break-the-glass/", {"reference": case.reference, "reason": "urgente"})["Location"].startswith(SETUP)


def test_once_enrolled_they_are_asked_for_the_code_instead(client, sofia):
    two_factor_device(sofia)
    sign_in(client, sofia, second_factor=False)
    assert client.get("/reviews/")["Location"] == f"{VERIFY}?next=%2Freviews%2F"
    assert client.get(SETUP)["Location"] == VERIFY, "a password alone must never enrol another phone"


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.SUPERVISOR])
def test_the_admin_site_is_behind_the_second_factor_too(client, role):
    user = user_with_role(f"x-{role}", role)
    user.is_staff = True
    user.save()
    sign_in(client, user, second_factor=False)
    assert client.get("/admin/")["Location"].startswith(SETUP)
    sign_in(client, user)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.AUDITOR])
def test_caseworkers_and_auditors_sign_in_with_their_password_alone(client, role):
    sign_in(client, user_with_role(f"x-{role}", role), second_factor=False)
    assert client.get("/").status_code == 200


def shown_secret(response):
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', response.content.decode())
    return b32decode(secret.group(1).replace(" ", "")).hex()


def test_enrolling_shows_a_qr_code_and_the_key_and_a_right_code_confirms_the_device(client, sofia):
    sign_in(client, sofia, second_factor=False)
    response = client.get(f"{SETUP}?next=/reviews/")
    body = response.content.decode()
    assert 'src="data:image/svg+xml' in body
    assert "<script" not in body
    device = TwoFactorDevice.objects.get(user=sofia)
    assert not device.confirmed
    assert shown_secret(response) == device.key

    response = client.post(SETUP, {"code": current_code(device), "next": "/reviews/"})
    assert response["Location"] == "/reviews/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/reviews/").status_code == 200
    assert AccessEvent.objects.filter(action=AccessAction.CREATE, object_type="casework.twofactordevice", actor=sofia).exists()


def test_reloading_the_setup_page_keeps_the_same_key(client, sofia):
    sign_in(client, sofia, second_factor=False)
    assert shown_secret(client.get(SETUP)) == shown_secret(client.get(SETUP))
    assert TwoFactorDevice.objects.filter(user=sofia).count() == 1


@pytest.mark.parametrize("code", ["", "12345", "abcdef", "1234567", "000000"])
def test_a_wrong_or_malformed_code_is_refused_in_spanish_and_enrols_nothing(client, sofia, code):
    sign_in(client, sofia, second_factor=False)
    client.get(SETUP)
    response = client.post(SETUP, {"code": code})
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    assert "Código de su aplicación de autenticación" in response.content.decode()
    assert not TwoFactorDevice.objects.get(user=sofia).confirmed
    assert client.get("/")["Location"].startswith(SETUP)


def test_the_code_of_a_new_session_lets_the_supervisor_in_and_goes_back_to_the_page_asked_for(client, sofia):
    device = two_factor_device(sofia)
    sign_in(client, sofia, second_factor=False)
    response = client.post(VERIFY, {"code": current_code(device), "next": "/reviews/"})
    assert response["Location"] == "/reviews/"
    assert client.get("/reviews/").status_code == 200


def test_a_code_once_used_is_refused_even_in_another_session(client, sofia):
    device = two_factor_device(sofia)
    code = current_code(device)
    sign_in(client, sofia, second_factor=False)
    assert client.post(VERIFY, {"code": code})["Location"] == "/"

    attacker = Client()
    attacker.force_login(sofia)
    response = attacker.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert "ya fue usado" in response.content.decode()
    assert attacker.get("/reviews/")["Location"].startswith(VERIFY)


def test_the_previous_codes_are_refused_after_a_later_one_was_used(sofia):
    device = two_factor_device(sofia)
    assert device.verify_token(current_code(device, steps_ahead=1))
    assert not device.verify_token(current_code(device))
    assert not device.verify_token(current_code(device, steps_ahead=-1))


def test_repeated_wrong_codes_make_even_the_right_one_wait(client, sofia):
    device = two_factor_device(sofia)
    sign_in(client, sofia, second_factor=False)
    for _ in range(3):
        client.post(VERIFY, {"code": "000000" if current_code(device) != "000000" else "111111"})
    response = client.post(VERIFY, {"code": current_code(device)})
    assert response.status_code == 200
    assert "Demasiados códigos incorrectos" in response.content.decode()


def test_the_way_back_after_the_code_stays_on_this_site(client, sofia):
    device = two_factor_device(sofia)
    sign_in(client, sofia, second_factor=False)
    assert client.post(VERIFY, {"code": current_code(device), "next": "https://evil.example/"})["Location"] == "/"


def test_the_code_screen_shows_no_key_and_no_menu(client, sofia):
    device = two_factor_device(sofia)
    sign_in(client, sofia, second_factor=False)
    body = client.get(VERIFY).content.decode()
    assert device.base32_secret not in body
    assert device.key not in body
    assert "/reviews/" not in body


def test_an_administrator_resets_a_lost_phone_and_the_user_enrols_again(client, sofia):
    two_factor_device(sofia)
    admin = user_with_role("ada", Role.ADMINISTRATOR)
    admin.is_staff = True
    admin.is_superuser = True
    admin.save()
    sign_in(client, admin)
    response = client.post("/admin/casework/user/", {"action": "reset_second_factor", "_selected_action": [sofia.pk]})
    assert response.status_code == 302
    assert not TwoFactorDevice.objects.filter(user=sofia).exists()
    assert AccessEvent.objects.filter(action=AccessAction.UPDATE, object_type="casework.twofactordevice", detail="reset").exists()

    phone = Client()
    sign_in(phone, sofia, second_factor=False)
    assert phone.get("/")["Location"].startswith(SETUP)


def test_the_reset_command_serves_an_administrator_who_lost_their_own_phone(sofia):
    two_factor_device(sofia)
    call_command("reset_two_factor", "sofia", stdout=None)
    assert not TwoFactorDevice.objects.filter(user=sofia).exists()
