"""Browser tests: Playwright (sync API) drives Debian's Chromium against pytest-django's live server.

One browser for the whole session (a process may hold only one sync Playwright), a fresh browser
context per test, so that no cookie or tab leaks from one test into the next. Chromium comes from
Debian (`apt-get install chromium`), never from `playwright install`.
"""

import base64
import os
import shutil

import pytest

from ..conftest import service_missing
from ..factories import OfficeFactory, StaffProfileFactory, UserFactory, totp_code

# The live server runs in a thread of this process, and Playwright's sync API runs an event loop
# in it: Django would otherwise refuse the ORM calls of fixtures and the server as "async unsafe".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 800}
PASSWORD = "pasa-la-voz-2026"
ARTIFACTS = os.path.join(os.path.dirname(__file__), "artifacts")


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        service_missing("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser, live_server, transactional_db):
    """A new browser profile for each test: no cookies, no tabs; relative URLs go to the live server.

    The browser asks for English (en-US): the app must ignore that and speak Spanish until the
    user chooses English with the switcher.
    """
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def caseworker(transactional_db):
    """A caseworker of the Lima office who signs in with a real password (not the test client's)."""
    office = OfficeFactory(code="LIM", name="Lima", region="15")
    user = UserFactory(username="carmen", first_name="Carmen")
    user.set_password(PASSWORD)
    user.save()
    StaffProfileFactory(user=user, office=office, region="15")
    return user


def sign_in_as(page, user):
    """The login form, in Spanish (the default); the user's password is PASSWORD."""
    page.goto("/accounts/login/")
    page.get_by_label("Nombre de usuario", exact=True).fill(user.username)
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()


def with_password(user):
    user.set_password(PASSWORD)
    user.save()
    return user


CODE_LABEL = "Código de su aplicación de autenticación"


def enrol_second_factor(page):
    """On the setup screen: read the key as a person would type it into their app, enter its code.

    Returns the key (hex), which later sign-ins need.
    """
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret).hex()
    page.get_by_label(CODE_LABEL).fill(totp_code(key))
    page.get_by_role("button", name="Confirmar").click()
    return key


def enter_second_factor(page, key, *, steps_ahead=0):
    """On the code screen: the code the app shows (a later step than any code already used)."""
    page.get_by_label(CODE_LABEL).fill(totp_code(key, steps_ahead=steps_ahead))
    page.get_by_role("button", name="Continuar").click()


@pytest.fixture
def signed_in(page, caseworker):
    """The caseworker's page, signed in through the login form (in Spanish, the default)."""
    sign_in_as(page, caseworker)
    page.wait_for_url("/")
    return page


@pytest.fixture
def artifacts():
    """Where tests leave screenshots for people to look at (ignored by git)."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    return ARTIFACTS
