"""The HTCDS import screen: upload, check (writes nothing), confirm with the same file (writes the
valid rows). Workbooks are built from the real reference template (tests/casework/test_htcds_import.py)."""

import io
import re
import time
from html.parser import HTMLParser

import pytest
from django.core import signing
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse
from django.utils import translation

from casework import import_views
from casework.models import AccessAction, AccessEvent
from casework.roles import Role

from ..factories import OfficeFactory, open_case, sign_in, supervisor, user_with_role
from .test_htcds_import import (
    ALL_ROWS,
    EXISTING_PERSON,
    FIRST_DATA_ROW,
    GOOD_ROW_NUMBERS,
    GOOD_ROWS,
    PLAIN,
    VALIDATED,
    build_workbook,
    counts,
)

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:Data Validation extension")]

URL = "/imports/htcds/"
# The file name is the user's and may name someone: the pages never repeat it either.
FILE_NAME = "casos-Wankarani-Mamani.xlsx"
NOT_EXCEL = "The file cannot be read as an Excel workbook (.xlsx)."
NOT_XLSX_NAME = "Choose an Excel workbook (.xlsx)"
TOO_LARGE = "The file is larger than the limit of"
SUMMARY = {
    "en": "Please correct the fields marked below. Nothing was saved.",
    "es": "Corrija los campos señalados a continuación. No se guardó nada.",
}


# --- Helpers ---------------------------------------------------------------------------------


class _Tables(HTMLParser):
    """The text of each table cell, per row, per table of a page."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(response):
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser.tables


def row_cells(response, number):
    """The cells of the table row that starts with this sheet row number (the first table that has one)."""
    for table in tables(response):
        for cells in table:
            if cells and cells[0] == str(number):
                return cells
    return None


def token_of(response):
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "the page has no confirmation form"
    return match.group(1)


def upload(path, name=FILE_NAME):
    return InMemoryUploadedFile(io.BytesIO(path.read_bytes()), "workbook", name, "application/octet-stream", path.stat().st_size, None)


def upload_bytes(content, name):
    return InMemoryUploadedFile(io.BytesIO(content), "workbook", name, "application/octet-stream", len(content), None)


def client_of(user, language=None):
    client = Client()
    if language:
        user.language = language
        user.save(update_fields=["language"])
    sign_in(client, user)
    return client


def check(client, office, workbook):
    return client.post(URL, {"office": office.pk, "workbook": workbook})


def confirm(client, token, workbook):
    return client.post(URL, {"token": token, "workbook": workbook})


PERSONAL = ("prs_FirstName", "prs_SecondName", "prs_MobilePhone", "prs_MailingStreet", "prs_MailingCity", "cas_ReferringOrganisation")


def private_values():
    """The rows' personal cells, whole and word by word (words long enough to mean something)."""
    cells = {str(row[key]) for row in ALL_ROWS for key in PERSONAL if key in row}
    words = {word for cell in cells for word in cell.split() if len(word) > 3}
    return cells | words | {"Wankarani", *EXISTING_PERSON["given_names"].split()}


# --- Fixtures --------------------------------------------------------------------------------


@pytest.fixture
def lead(lima):
    return supervisor("importer", lima)


@pytest.fixture
def cusco(db):
    return OfficeFactory(code="CUS", name="Cusco", region="08")


@pytest.fixture
def existing(lima):
    return open_case(lima, **EXISTING_PERSON, document_number="")


@pytest.fixture
def filled(tmp_path):
    return build_workbook(PLAIN, tmp_path / "casos.xlsx", ALL_ROWS)


@pytest.fixture
def in_english():
    with translation.override("en"):
        yield


# --- Who -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.AUDITOR])
def test_other_roles_are_refused_and_nothing_is_written(role, lima, filled):
    client = client_of(user_with_role("someone", role))
    before = counts()
    assert client.get(URL).status_code == 403
    assert check(client, lima, upload(filled)).status_code == 403
    assert counts() == before


def test_a_supervisor_is_offered_only_their_offices_and_an_administrator_every_office(lima, cusco, lead):
    client = client_of(lead)
    assert list(client.get(URL).context["form"].fields["office"].queryset) == [lima]
    assert client.put(URL).status_code == 405
    administrator = user_with_role("ada", Role.ADMINISTRATOR)
    assert set(client_of(administrator).get(URL).context["form"].fields["office"].queryset) == {lima, cusco}


def test_a_supervisor_cannot_pick_another_office(lima, cusco, lead, filled):
    client = client_of(lead, "en")
    before, events = counts(), AccessEvent.objects.count()
    response = check(client, cusco, upload(filled))
    assert response.status_code == 200
    assert response.context["form"].errors["office"]
    assert 'name="token"' not in response.content.decode()
    assert counts() == before
    assert AccessEvent.objects.count() == events  # not even the duplicate search ran


def test_a_post_without_its_csrf_token_is_refused_though_the_view_sets_its_own_upload_handler(lima, lead, filled):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, lead)
    before = counts()
    assert check(client, lima, upload(filled)).status_code == 403
    assert counts() == before


def test_the_navigation_offers_the_screen_to_supervisors_and_administrators_only(lima, lead):
    link = f'href="{URL}"'
    assert link in client_of(lead).get("/").content.decode()
    assert link in client_of(user_with_role("ada", Role.ADMINISTRATOR)).get("/").content.decode()
    assert link not in client_of(user_with_role("worker", Role.CASEWORKER)).get("/").content.decode()
    # Staff of the admin site without the administrator role may not import: no link to a 403.
    assert link not in client_of(user_with_role("clerk", Role.CASEWORKER, is_staff=True)).get("/").content.decode()


# --- Files that cannot be read ---------------------------------------------------------------


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_wrong_file_type_or_a_file_too_big_is_refused_clearly_and_writes_nothing(language, lima, lead, filled, settings):
    client = client_of(lead, language)
    before, events = counts(), AccessEvent.objects.count()
    csv = upload_bytes(b"prs_FirstName,prs_SecondName\nRosa,Quispe\n", "casos.csv")
    disguised = upload_bytes(b"prs_FirstName,prs_SecondName\nRosa,Quispe\n", "casos.xlsx")
    refused = {"csv": check(client, lima, csv), "disguised": check(client, lima, disguised)}
    settings.HTCDS_IMPORT_MAX_BYTES = 1024
    refused["too big"] = check(client, lima, upload(filled))
    assert counts() == before
    assert AccessEvent.objects.count() == events

    with translation.override(language):
        expected = {
            "csv": translation.gettext(
                "Choose an Excel workbook (.xlsx): other formats (.xls, .ods, .csv) cannot be read. Save the template as .xlsx first."
            ),
            "disguised": import_views.template_error_text("not_xlsx"),
            "too big": translation.gettext("The file is larger than the limit of %(size)s.") % {"size": filesizeformat(1024)},
        }
    for kind, response in refused.items():
        assert response.status_code == 200
        page = response.content.decode()
        assert f'<html lang="{language}">' in page
        assert response.context["form"].errors["workbook"] == [expected[kind]], kind
        assert 'name="token"' not in page, kind
        assert SUMMARY[language] in page, kind
    if language == "en":
        assert NOT_XLSX_NAME in refused["csv"].content.decode()
        assert NOT_EXCEL in refused["disguised"].content.decode()
        assert TOO_LARGE in refused["too big"].content.decode()


def test_a_file_too_big_is_dropped_while_it_arrives(lima, lead, filled, settings):
    settings.HTCDS_IMPORT_MAX_BYTES = 1024
    response = check(client_of(lead, "en"), lima, upload(filled))
    assert "workbook" not in response.wsgi_request.FILES
    assert TOO_LARGE in response.content.decode()


def test_the_upload_stays_in_memory_even_above_djangos_disk_threshold(lima, lead, filled, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1  # Django's own handlers would write a temporary file
    response = check(client_of(lead, "en"), lima, upload(filled))
    assert isinstance(response.wsgi_request.FILES["workbook"], InMemoryUploadedFile)
    assert response.context["valid_count"] == 4


def test_a_workbook_without_the_htcds_headers_is_refused(lima, lead, tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["Nombre", "Apellido"])
    workbook.save(tmp_path / "otro.xlsx")
    response = check(client_of(lead, "en"), lima, upload(tmp_path / "otro.xlsx"))
    assert response.context["form"].errors["workbook"] == [import_views.template_error_text("no_headers")]


# --- The check -------------------------------------------------------------------------------


@pytest.mark.parametrize("template", [PLAIN, VALIDATED], ids=["plain", "single-select-with-validation"])
def test_the_check_writes_nothing_and_shows_each_problem_with_its_row_and_column(template, tmp_path, lima, lead, existing, in_english):
    path = build_workbook(template, tmp_path / "casos.xlsx", ALL_ROWS)
    before = counts()
    response = check(client_of(lead, "en"), lima, upload(path))
    assert counts() == before
    assert AccessEvent.objects.filter(action=AccessAction.SEARCH, actor=lead).count() == 1  # the duplicate search
    page = response.content.decode()
    assert "9 filled rows for Lima: 3 can be imported, 6 cannot." in page
    assert "Nothing has been written yet." in page
    assert f"Rows ready to import, without notes: {GOOD_ROW_NUMBERS[0]}\N{EN DASH}{GOOD_ROW_NUMBERS[-1]}" in page
    first = FIRST_DATA_ROW
    letters = {column.field: column.letter for column in response.context["report"].columns}
    expected = {
        first + 3: f"prs_Gender ({letters['prs_Gender']}): A value is not in the HTCDS 2.0 list for this column.",
        first + 4: f"prs_Birthdate ({letters['prs_Birthdate']}): The date does not exist or cannot be read",
        first + 5: f"prs_Birthdate ({letters['prs_Birthdate']}): The date is in the future.",
        first + 6: f"prs_FirstName ({letters['prs_FirstName']}): The first name is missing.",
        first + 7: "Whole row: Probably a person already registered (same name and birth date).",
        first + 8: f"Whole row: Same person as an earlier row of this file (same name and birth date). (row {first})",
    }
    for number, problem in expected.items():
        cells = row_cells(response, number)
        assert cells is not None, number
        assert cells[1] == "not importable"
        assert problem in cells[2], (number, cells)
    for number in GOOD_ROW_NUMBERS:
        assert row_cells(response, number) is None  # valid without notes: in the ranges line only
    assert "Import the 3 valid rows" in page
    # The column report: what is mapped, partly, not mapped, and why.
    columns = {cells[1]: cells for table in tables(response) for cells in table if len(cells) == 5}
    assert columns["prs_FirstName"][2:4] == ["mapped", "Person.given_names"]
    assert columns["cas_Status"][2] == "partly mapped"
    assert columns["prs_Email"][2] == "not mapped"
    assert "e-mail" in columns["prs_Email"][4]
    assert columns["cas_ReferringOrganisation"][2] == "mapped"
    assert "read from its label" in columns["cas_ReasonForOutgoingReferral"][4]


def test_a_row_with_notes_only_is_valid_and_says_so(tmp_path, lima, lead, in_english):
    row = {**GOOD_ROWS[1], "cas_IncomingReferralDate": "30/02/2020"}
    response = check(client_of(lead, "en"), lima, upload(build_workbook(PLAIN, tmp_path / "nota.xlsx", [row])))
    cells = row_cells(response, FIRST_DATA_ROW)
    assert cells[1] == "valid, with notes"
    assert "cas_IncomingReferralDate" in cells[2]
    assert "(note: imported anyway)" in cells[2]
    assert "Import the 1 valid row" in response.content.decode()


# --- Confirming ------------------------------------------------------------------------------


def test_confirming_with_the_same_file_writes_exactly_the_valid_rows(lima, lead, existing, filled, in_english):
    client = client_of(lead, "en")
    token = token_of(check(client, lima, upload(filled)))
    before = counts()
    response = confirm(client, token, upload(filled))
    assert response.status_code == 200
    assert counts()["people"] == before["people"] + len(GOOD_ROWS)
    assert counts()["cases"] == before["cases"] + len(GOOD_ROWS)
    assert counts()["permissions"] == before["permissions"]  # the importer gets no access to the cases
    page = response.content.decode()
    assert "3 cases imported into Lima, 6 rows skipped." in page
    written = response.context["report"].written
    assert [number for number, _reference in written] == GOOD_ROW_NUMBERS
    for number, reference in written:
        assert row_cells(response, number) == [str(number), reference]
    skipped = {number: cells[1] for number, cells in ((n, row_cells(response, n)) for n in range(FIRST_DATA_ROW + 3, FIRST_DATA_ROW + 9))}
    assert "The date is in the future." in skipped[FIRST_DATA_ROW + 5]
    assert "Probably a person already registered" in skipped[FIRST_DATA_ROW + 7]
    assert f'href="{reverse("review_queue")}#teams"' in page

    # Sent again (a reload of the result page): the same people are found, nothing is written twice.
    after = counts()
    again = confirm(client, token, upload(filled))
    assert counts() == after
    assert "0 cases imported into Lima, 9 rows skipped." in again.content.decode()


def test_an_administrator_imports_and_is_told_where_the_cases_wait(lima, filled, in_english):
    administrator = user_with_role("ada", Role.ADMINISTRATOR)
    client = client_of(administrator, "en")
    response = confirm(client, token_of(check(client, lima, upload(filled))), upload(filled))
    assert len(response.context["report"].written) == 4  # the good rows, and Rosa Elvira: not registered in this test
    assert "review queue of the office's supervisors" in response.content.decode()
    assert reverse("review_queue") not in response.content.decode().split("<main")[1]  # not theirs to open


def test_confirming_with_a_different_file_writes_nothing_and_shows_that_files_check(lima, lead, filled, tmp_path, in_english):
    client = client_of(lead, "en")
    token = token_of(check(client, lima, upload(filled)))
    other = build_workbook(PLAIN, tmp_path / "otro.xlsx", GOOD_ROWS[:2])
    before = counts()
    response = confirm(client, token, upload(other))
    assert counts() == before
    page = response.content.decode()
    assert "This is not the file you checked, so nothing was imported." in page
    assert "2 filled rows for Lima: 2 can be imported, 0 cannot." in page
    assert token_of(response) != token
    # Its own token imports it.
    confirm(client, token_of(response), upload(other))
    assert counts()["people"] == before["people"] + 2


def _token_made_earlier(payload, seconds):
    class Earlier(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - seconds)

    return Earlier(salt=import_views.TOKEN_SALT).sign_object(payload)


def test_a_token_older_than_an_hour_or_made_for_someone_else_is_refused(lima, lead, filled, in_english):
    client = client_of(lead, "en")
    made = token_of(check(client, lima, upload(filled)))
    payload = signing.loads(made, salt=import_views.TOKEN_SALT)
    other_lead = supervisor("other-lead", lima)
    refused = {
        "old": _token_made_earlier(payload, import_views.TOKEN_MAX_AGE + 1),
        "someone else's": token_of(check(client_of(other_lead), lima, upload(filled))),
        "tampered": made[:-2] + ("AA" if not made.endswith("AA") else "BB"),
    }
    before = counts()
    for kind, token in refused.items():
        response = confirm(client, token, upload(filled))
        assert response.status_code == 200, kind
        assert "more than an hour old or was not made by you" in response.content.decode(), kind
        assert counts() == before, kind
    # Fifty-nine minutes is still fine.
    confirm(client, _token_made_earlier(payload, import_views.TOKEN_MAX_AGE - 60), upload(filled))
    assert counts()["people"] == before["people"] + 4


def test_confirming_into_an_office_no_longer_supervised_is_forbidden(lima, lead, filled):
    client = client_of(lead, "en")
    token = token_of(check(client, lima, upload(filled)))
    cusco = OfficeFactory(code="CUS", region="08")
    lead.staff_profile.supervised_offices.set([cusco])
    before = counts()
    assert confirm(client, token, upload(filled)).status_code == 403
    assert counts() == before


def test_confirming_without_the_file_asks_for_it_and_writes_nothing(lima, lead, filled, in_english):
    client = client_of(lead, "en")
    token = token_of(check(client, lima, upload(filled)))
    before = counts()
    response = client.post(URL, {"token": token})
    assert counts() == before
    assert "Nothing was imported: choose the file you checked again." in response.content.decode()
    assert response.context["form"].errors["workbook"]
    assert response.context["form"]["office"].value() == lima.pk


# --- Privacy ---------------------------------------------------------------------------------


def test_no_page_shows_a_name_a_contact_or_the_file_name(lima, lead, existing, filled):
    client = client_of(lead)  # Spanish, the default
    checked = check(client, lima, upload(filled))
    done = confirm(client, token_of(checked), upload(filled))
    renamed = confirm(client, token_of(checked), upload(filled, name="otro-Wankarani.xlsx"))  # the same bytes: all already there
    for response in (checked, done, renamed):
        page = response.content.decode()
        found = [value for value in private_values() if value.casefold() in page.casefold()]
        assert not found, found
        assert "no-store" in response["Cache-Control"]
