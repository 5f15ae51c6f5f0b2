"""An auditor reads the indicators on her phone and asks for the CTDC export; a supervisor (past her
second factor) approves it; the auditor downloads the zip. Only counts leave: no name, document
number or case reference of any case, consented or not, is in any of its files."""

import csv
import io
import re
import zipfile

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework import aggregate_exports, statistics
from casework.models import AccessAction, AccessEvent, Case, Review, TeamMember
from casework.roles import Role

from ..factories import OfficeFactory, StaffProfileFactory, UserFactory, open_case, supervisor, two_factor_device, user_with_role
from .conftest import PHONE, enter_second_factor, sign_in_as, with_password

pytestmark = pytest.mark.e2e

# Fifteen consented cases (counted) and two without consent (counted nowhere), each person with
# names and a document number found nowhere else: none of them may reach the page or the export.
GIVEN_NAMES = [
    "Wayrasumaq",
    "Killaqori",
    "Ch'askaruru",
    "Yuraqwayta",
    "Sisaquyllur",
    "Inkillqori",
    "Qoriwayta",
    "Ninasisa",
    "Kusiqoyllur",
    "Pachatusan",
    "Tikaquyllur",
    "Urpichallay",
    "Asiriqori",
    "Phuyuwayta",
    "Chaskasisa",
    "Mayuwaman",
    "Ilaquyllur",
]
FAMILY_NAMES = "Ccorimanya Huillcahuamán"
CONSENTED, UNCONSENTED = 15, 2
WITH_A_TEAM, BREAKING_A_RULE = 9, 2  # the others (4) have no team yet
DASH = "\N{EN DASH}"  # between the quarters of a period, as the screens write it


def document(number):
    return f"E2E-CANARIO-{number:04d}"


def choose_english(page):
    """The language switcher in the page header, as a person would use it."""
    expect(page.locator("html")).to_have_attribute("lang", "es")  # Spanish until chosen otherwise
    page.locator("button[name=language][value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def field(page, label):
    """A form field by its label ("Export" or, as Django writes it, "Export:")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def world(transactional_db):
    """Lima, its cases of this year (17, of which 15 consent to statistics), a caseworker on some of
    their teams, an auditor and a supervisor of Lima with an authenticator."""
    lima = OfficeFactory(code="LIM", name="Lima", region="15")
    member = StaffProfileFactory(user=UserFactory(username="carmen"), office=lima).user
    cases = [
        open_case(lima, given_names=given, family_names=FAMILY_NAMES, document_number=document(number))
        for number, given in enumerate(GIVEN_NAMES, start=1)
    ]
    consented = cases[:CONSENTED]
    Case.objects.filter(pk__in=[case.pk for case in consented]).update(in_statistics=True)
    teamed = consented[: WITH_A_TEAM + BREAKING_A_RULE]
    TeamMember.objects.bulk_create(TeamMember(case=case, user=member, is_lead=True) for case in teamed)
    broken = teamed[WITH_A_TEAM:]
    Case.objects.filter(pk__in=[case.pk for case in broken]).update(team_breaks=[{"rule": "MIXED_GENDER", "missing": {}}])
    aurora = with_password(user_with_role("aurora", Role.AUDITOR))
    sofia = with_password(supervisor("sofia", lima))
    private = [*GIVEN_NAMES, *FAMILY_NAMES.split(), *(document(n) for n in range(1, len(GIVEN_NAMES) + 1))]
    return {
        "auditor": aurora,
        "supervisor": sofia,
        "key": two_factor_device(sofia).key,
        "private": private + [case.reference for case in cases],
    }


def test_an_auditor_reads_the_indicators_and_downloads_the_approved_ctdc_export_with_nothing_personal(browser, live_server, world):
    today = timezone.localdate()
    first, last = f"{today.year}-Q1", statistics.quarter_label(today)
    reason = "Informe anual para la Mesa de Trabajo contra la trata."

    # The auditor, on her phone: the indicators, from the navigation, then in English.
    auditor = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-US")
    auditor.set_default_timeout(10_000)
    page = auditor.new_page()
    sign_in_as(page, world["auditor"])
    page.wait_for_url("/")
    page.get_by_role("navigation").locator('a[href="/indicators/"]').click()
    page.wait_for_url("/indicators/")
    choose_english(page)
    page.wait_for_url("/indicators/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicators")
    teams = page.locator("section[aria-labelledby=teams-heading]")
    expect(teams.locator("#teams-heading")).to_have_text("Teams that meet the policy")
    expect(teams.locator("svg#teams-chart, svg[aria-labelledby=teams-chart-title]")).to_be_visible()
    this_quarter = teams.locator("table").first.locator("tbody tr").filter(has=page.locator("th", has_text=last))
    expect(this_quarter).to_have_count(1)
    expect(this_quarter.locator('td[data-label="All cases"]')).to_have_text(str(CONSENTED))  # the two without consent are not counted
    for section in ("routing", "follow-up", "capacity"):
        expect(page.locator(f"#{section}-heading")).to_be_visible()
    shown, source = page.locator("body").inner_text(), page.content()
    for private in world["private"]:
        assert private not in shown, f"the indicators page shows {private!r}"
        assert private not in source, f"the indicators page holds {private!r} in its HTML"
    assert no_sideways_scroll(page), "the indicators page is wider than a 360 px phone"

    # From the page's own link: the exports screen and its request form.
    page.locator("section[aria-labelledby=export-heading]").get_by_role("link", name="Ask for an export").click()
    page.wait_for_url("/exports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Aggregate exports")
    field(page, "Export").select_option("CTDC")
    field(page, "From the quarter").select_option(first)
    field(page, "To the quarter").select_option(last)
    field(page, "Office").select_option(label="All offices")
    field(page, "Why, and for whom").fill(reason)
    page.get_by_role("button", name="Ask for approval").click()
    page.wait_for_url("/exports/")
    expect(page.get_by_role("status")).to_contain_text("Export requested")
    requests = page.locator("table tbody tr")
    expect(requests).to_have_count(1)
    expect(requests.locator('td[data-label="Export"]')).to_have_text("CTDC-compatible aggregates")
    expect(requests.locator('td[data-label="Period"]')).to_have_text(f"{first} {DASH} {last}")
    expect(requests.locator('td[data-label="Office"]')).to_have_text("All offices")
    expect(requests.locator('td[data-label="Status"]')).to_have_text("Waiting for a decision")
    expect(requests.get_by_role("link", name="Download")).to_have_count(0)
    assert no_sideways_scroll(page), "the exports page is wider than a 360 px phone"
    review = Review.objects.get(kind=aggregate_exports.KIND)
    assert review.details == {"export": "CTDC", "from": first, "to": last, "office": "", "publication": False, "overlaps": []}

    # The supervisor, at her desk, with her code: the review says what is to be released.
    office = browser.new_context(base_url=live_server.url, locale="en-US")
    office.set_default_timeout(10_000)
    desk = office.new_page()
    sign_in_as(desk, world["supervisor"])
    desk.wait_for_url(re.compile("/accounts/two-factor/"))
    enter_second_factor(desk, world["key"])
    desk.wait_for_url("/")
    desk.get_by_role("navigation").get_by_role("link", name="Revisiones").click()
    desk.wait_for_url("/reviews/")
    waiting = desk.get_by_role("table").locator("tbody tr").filter(has_text="aurora")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("Exportación agregada")
    waiting.get_by_role("link", name="Sin caso (datos agregados)").click()
    desk.wait_for_url(f"/reviews/{review.pk}/")
    expect(desk.get_by_role("heading", level=1)).to_have_text("Exportación agregada")
    to_decide = desk.locator("dd").first
    expect(to_decide).to_contain_text("Entregar estos conteos agregados")
    expect(to_decide.get_by_role("listitem").filter(has_text="Exportación")).to_contain_text("CTDC")
    expect(to_decide.get_by_role("listitem").filter(has_text="Periodo")).to_contain_text(f"{first} {DASH} {last}")
    expect(to_decide.get_by_role("listitem").filter(has_text="Oficina")).to_contain_text("Todas las oficinas")
    expect(desk.get_by_text(reason)).to_be_visible()
    desk.get_by_label("Aprobar").check()
    desk.get_by_role("button", name="Registrar la decisión").click()
    desk.wait_for_url("/reviews/")
    expect(desk.get_by_role("status")).to_contain_text("Decisión registrada")
    office.close()

    # The auditor again: approved, downloadable; the zip holds counts only.
    page.reload()
    expect(requests.locator('td[data-label="Status"]')).to_have_text("Approved")
    with page.expect_download() as started:
        requests.get_by_role("link", name="Download").click()
    download = started.value
    assert download.failure() is None
    assert download.suggested_filename == f"ctdc-all-{first}-{last}.zip"
    with zipfile.ZipFile(download.path()) as bundle:
        files = {name: bundle.read(name).decode("utf-8-sig") for name in bundle.namelist()}
    auditor.close()

    assert "ctdc_gender_age_by_year.csv" in files
    rows = list(csv.reader(io.StringIO(files["ctdc_gender_age_by_year.csv"])))
    assert rows[0] == ["yearOfRegistration", "gender", "ageBroad", "count"]
    assert [str(today.year), "TOTAL", "TOTAL", str(CONSENTED)] in rows  # the year's total: consented cases only
    for name, text in files.items():
        for private in world["private"]:
            assert private not in text, f"{name} holds {private!r}"

    # One download, one EXPORT event: the auditor's, for this review, with its parameters.
    exports = AccessEvent.objects.filter(action=AccessAction.EXPORT)
    assert list(exports.values_list("actor", "object_type", "object_id")) == [(world["auditor"].pk, "casework.review", str(review.pk))]
    assert exports.get().detail == f"CTDC {first}..{last} office=all"
