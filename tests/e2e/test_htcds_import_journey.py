"""A supervisor, on her phone, uploads a filled HTCDS 2.0 template: she sees the check of every
row (a problem row among them) with nothing written, confirms with the same file, and finds the
imported cases waiting for a team in her queue. No name from the file reaches any page."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from casework.models import Case

from ..casework.test_htcds_import import ALL_ROWS, EXISTING_PERSON, FIRST_DATA_ROW, GOOD_ROWS, PLAIN, build_workbook
from ..factories import OfficeFactory, open_case, supervisor, two_factor_device
from .conftest import PHONE, enter_second_factor, sign_in_as, with_password

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore:Data Validation extension")]

FUTURE_DATE_ROW = FIRST_DATA_ROW + 5  # ALL_ROWS: three good rows, then one row per kind of problem
PERSONAL = ("prs_FirstName", "prs_SecondName", "prs_MobilePhone", "prs_MailingStreet", "cas_ReferringOrganisation")


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def blocking_violations(page):
    results = Axe().run(page)
    return [
        f"{violation['id']}: {violation['help']} -> {node['target']}"
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
        for node in violation["nodes"]
    ]


def table_row(page, number):
    """The row of a table whose first cell is this sheet row number."""
    return page.locator("tbody tr").filter(has=page.locator('td[data-label="Row"]', has_text=re.compile(rf"^{number}$")))


def assert_nothing_personal(page):
    source = page.content()
    for row in ALL_ROWS:
        for field in PERSONAL:
            for word in str(row.get(field, "")).split():
                if len(word) > 3:
                    assert word not in source, f"the page holds {word!r} from {field}"
    assert "Wankarani" not in source  # the file's name


@pytest.fixture
def world(transactional_db, tmp_path):
    lima = OfficeFactory(code="LIM", name="Lima", region="15")
    sofia = with_password(supervisor("sofia", lima))
    open_case(lima, **EXISTING_PERSON, document_number="")  # row 10 of the file is probably her
    workbook = build_workbook(PLAIN, tmp_path / "casos-Wankarani.xlsx", ALL_ROWS)
    return {"supervisor": sofia, "key": two_factor_device(sofia).key, "workbook": str(workbook)}


def test_a_supervisor_checks_a_workbook_on_her_phone_then_imports_its_valid_rows(browser, live_server, world, artifacts):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in_as(page, world["supervisor"])
    page.wait_for_url(re.compile("/accounts/two-factor/"))
    enter_second_factor(page, world["key"])
    page.wait_for_url("/")

    # From the navigation; then English, with the switcher.
    page.get_by_role("navigation").locator('a[href="/imports/htcds/"]').click()
    page.wait_for_url("/imports/htcds/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.locator("button[name=language][value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import from the HTCDS template")
    expect(page.get_by_label(re.compile("^Office the cases go to"))).to_have_value(str(world["supervisor"].staff_profile.office.pk))
    assert not blocking_violations(page)
    references_before = set(Case.objects.values_list("reference", flat=True))

    # Step 2: the check. Nothing is written; the problem row says its column and why.
    page.get_by_label(re.compile(r"^Filled HTCDS 2\.0 template")).set_input_files(world["workbook"])
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check of the HTCDS file")
    expect(page.get_by_role("status")).to_contain_text("9 filled rows for Lima: 3 can be imported, 6 cannot.")
    future = table_row(page, FUTURE_DATE_ROW)
    expect(future.locator('td[data-label="Verdict"]')).to_have_text("not importable")
    expect(future.locator('td[data-label="Problems"]')).to_contain_text("prs_Birthdate (G): The date is in the future.")
    expect(table_row(page, FIRST_DATA_ROW + 7).locator('td[data-label="Problems"]')).to_contain_text("Probably a person already registered")
    assert set(Case.objects.values_list("reference", flat=True)) == references_before
    assert_nothing_personal(page)
    assert no_sideways_scroll(page), "the check is wider than a 360 px phone"
    assert not blocking_violations(page)
    page.screenshot(path=f"{artifacts}/htcds-import-preview-360.png", full_page=True)

    # Step 3: the same file again, confirmed.
    page.get_by_label(re.compile("^The same file, chosen again")).set_input_files(world["workbook"])
    page.get_by_role("button", name="Import the 3 valid rows").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("HTCDS import done")
    expect(page.get_by_role("status")).to_contain_text("3 cases imported into Lima, 6 rows skipped.")
    imported = sorted(set(Case.objects.values_list("reference", flat=True)) - references_before)
    assert len(imported) == len(GOOD_ROWS)
    for offset, reference in enumerate(imported):
        expect(table_row(page, FIRST_DATA_ROW + offset).locator('td[data-label="Case"]')).to_have_text(reference)
    expect(table_row(page, FUTURE_DATE_ROW).locator('td[data-label="Why"]')).to_contain_text("The date is in the future.")
    assert_nothing_personal(page)
    assert no_sideways_scroll(page), "the result is wider than a 360 px phone"
    assert not blocking_violations(page)
    page.screenshot(path=f"{artifacts}/htcds-import-result-360.png", full_page=True)

    # The open ones wait for a team in her queue (the third row was a closed case).
    page.get_by_role("link", name="Cases that need a team").click()
    page.wait_for_url(re.compile("/reviews/"))
    waiting = page.locator("ul[aria-labelledby=teams]")
    still_open = Case.objects.filter(reference__in=imported, closed_on__isnull=True).values_list("reference", flat=True)
    assert len(still_open) == 2
    for reference in still_open:
        expect(waiting.get_by_role("link", name=reference)).to_be_visible()
    context.close()
