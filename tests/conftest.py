"""Shared test world and the rule for real services.

Under CI (REQUIRE_SERVICES=1) a test that needs Redis, PostgreSQL or a Celery worker fails when
the service is missing; on a laptop it is skipped with the reason.
"""

import os

import pytest

from .factories import OfficeFactory, StaffProfileFactory, UserFactory, open_case, sign_in

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") not in {"", "0", "false", "no"}


def service_missing(reason):
    """Fail under CI, skip elsewhere."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def lima(db):
    return OfficeFactory(code="LIM", name="Lima", region="15")


@pytest.fixture
def english(client, settings):
    """The test client has chosen English with the switcher (its cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def alice(client):
    """A caseworker, signed in on the test client (she sees only cases she is given)."""
    user = UserFactory(username="alice")
    sign_in(client, user)
    return user


@pytest.fixture
def caseworker(alice, lima):
    """alice with a staff profile in Lima: she may open cases (intake)."""
    StaffProfileFactory(user=alice, office=lima)
    return alice


@pytest.fixture
def editable_case(alice, lima):
    """A case alice may see and change, as if she had taken its intake."""
    from guardian.shortcuts import assign_perm

    case = open_case(lima)
    assign_perm("casework.view_case", alice, case)
    assign_perm("casework.change_case", alice, case)
    return case


@pytest.fixture
def maria_case(lima):
    """An adolescent girl's case in Lima, with every sensitive person field filled."""
    return open_case(lima, given_names="María José", family_names="Quispe Mamani", document_number="12.345.678")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing costs ~0.3 s a password by design; tests need speed, not that protection."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_snapshots_kept(request, django_db_blocker):
    """Each test computes the figures of its own data: snapshots (config/snapshots.py) live in a table
    that a transactional test's flush does not empty."""
    yield
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        from django.core.cache import caches

        with django_db_blocker.unblock():
            caches["snapshots"].clear()
