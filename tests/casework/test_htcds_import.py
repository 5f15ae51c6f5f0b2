"""Import from the HTCDS 2.0 Excel template: workbooks built from the real reference files.

Each test opens the published template, keeps its header rows and writes our rows below them, so
that the importer meets the real headers (with their quirks) of both variants.
"""

import datetime
import io
import shutil
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from casework import retention, reviews
from casework.htcds import importer, mapping, reader, transfer
from casework.models import AccessAction, AccessEvent, Case, CaseTransfer, IncomingReferral, Person, PersonSearchToken
from casework.models.cases import CaseUserObjectPermission
from casework.roles import Role

from ..factories import OfficeFactory, open_case, supervisor, user_with_role

# openpyxl drops the validation variant's drop-down lists when the test opens it to write rows: expected.
pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:Data Validation extension")]

# The published templates, copied unchanged (tests/fixtures/htcds/README.md).
STANDARDS = Path(__file__).resolve().parents[1] / "fixtures" / "htcds"
PLAIN = STANDARDS / "HTCDS_Excel_Spreadsheet_v2.0.xlsx"
VALIDATED = STANDARDS / "HTCDS_Excel_Spreadsheet_single_select_with_validation_v2.0.xlsx"
TODAY = datetime.date(2026, 12, 7)

# Our rows, by HTCDS field name (the label-only column too: cas_ReasonForOutgoingReferral).
GOOD_ROWS = [
    {
        "prs_FirstName": "Ñusta",
        "prs_SecondName": "Quispe Mamani",
        "prs_Birthdate": datetime.datetime(2008, 5, 17),
        "prs_Gender": "Feminine",
        "prs_Citizenship": "PE",
        "prs_MobilePhone": "+51 984 111 222",
        "prs_MailingStreet": "Jr. Ayacucho 145",
        "prs_MailingCity": "Cusco",
        "vic_TraffickingStatus": "Actual victim of trafficking",
        "vic_TraffickingStatusDecisionMakingOrg": "Court or prosecution",
        "vic_MethodOfRecruitment": "Through online social networks",
        "vic_MethodsOfControl": "Debt bondage ; Withholds documents",
        "vic_TypeOfExploitation": "Sexual exploitation",
        "cas_Status": "Active",
        # Both referrals: how the case came, and where it went before it came here.
        "cas_ReferringOrganisation": "Fiscalía Provincial de Cusco",
        "cas_IncomingReferralDate": "14/03/2024",
        "cas_ReferringPrimaryCaseWorker": "Dra. Kusi Ccahuana",
        "cas_ReasonForIncomingReferral": "Additional Services Required",
        "cas_IncomingReferralDetails": "Derivada tras el operativo en La Pampa; necesita albergue.",
        "cas_ReferredOrganisation": "CEM Wanchaq",
        "cas_ReferredPrimaryCaseWorker": "Lic. Amaru Tupa",
        "cas_ReasonForOutgoingReferral": "Other",
        "cas_OutgoingReferralDate": datetime.datetime(2024, 6, 1),
        "cas_OutgoingReferralDetails": "Atención psicológica cerca de su familia.",
    },
    {
        "prs_FirstName": "Wayta",
        "prs_SecondName": "Huamán Condori",
        "prs_Birthdate": "1999-11-02",
        "prs_Gender": "Masculine",
        "prs_Citizenship": "Bolivia (Plurinational State of)",
        "vic_TypeOfExploitation": "ForcedLabour",
        "vic_ForcedLabourIndustry": "Mining and quarrying",
        "vic_MethodsOfControl": "Takes earnings, Excessive working hours",
        "cas_Status": "Follow up",
    },
    {
        "prs_FirstName": "José María",
        "prs_SecondName": "Añazco Pérez",
        "prs_Birthdate": "03/04/1990",
        "prs_Gender": "TransgenderFeminine",
        "vic_TypeOfExploitation": "Forced labour; Servitude",
        "vic_ForcedLabourIndustry": "Agriculture, forestry and fishing",
        "cas_Status": "Closed",
    },
]
UNKNOWN_CODE_ROW = {"prs_FirstName": "Killa", "prs_SecondName": "Ccori", "prs_Birthdate": "2001-01-01", "prs_Gender": "Femenina-ish"}
IMPOSSIBLE_DATE_ROW = {"prs_FirstName": "Sumaq", "prs_SecondName": "Apaza", "prs_Birthdate": "31/02/2005"}
FUTURE_DATE_ROW = {"prs_FirstName": "Inti", "prs_SecondName": "Yupanqui", "prs_Birthdate": "2031-01-01"}
MISSING_NAME_ROW = {"prs_SecondName": "Condori", "prs_Birthdate": "2002-02-02"}
EXISTING_PERSON = {"given_names": "Rosa Elvira", "family_names": "Ticona Huanca", "birth_date": datetime.date(2004, 8, 9)}
DUPLICATE_OF_EXISTING_ROW = {"prs_FirstName": "ROSA  ELVIRA", "prs_SecondName": "Ticona-Huanca", "prs_Birthdate": "09/08/2004"}
DUPLICATE_IN_FILE_ROW = {**GOOD_ROWS[0], "prs_FirstName": "Ñusta", "prs_SecondName": "QUISPE MAMANI"}

ALL_ROWS = [
    *GOOD_ROWS,
    UNKNOWN_CODE_ROW,
    IMPOSSIBLE_DATE_ROW,
    FUTURE_DATE_ROW,
    MISSING_NAME_ROW,
    DUPLICATE_OF_EXISTING_ROW,
    DUPLICATE_IN_FILE_ROW,
]
FIRST_DATA_ROW = 3  # the templates: field names in row 1, labels in row 2
GOOD_ROW_NUMBERS = [FIRST_DATA_ROW, FIRST_DATA_ROW + 1, FIRST_DATA_ROW + 2]


def _template_columns(sheet):
    """{HTCDS field name: column number} as the template's own headers give them."""
    names, labels = (list(row) for row in sheet.iter_rows(min_row=1, max_row=2, values_only=True))
    columns = {}
    for index, (name, label) in enumerate(zip(names, labels, strict=False), start=1):
        field = reader.FIELD_ALIASES.get(name, name) if name else reader.FIELD_BY_LABEL.get(str(label or "").casefold())
        if field:
            columns[field] = index
    return columns


def build_workbook(source, destination, rows):
    """The real template with `rows` written from row 3 on (column A keeps its numbering)."""
    workbook = openpyxl.load_workbook(source)
    sheet = workbook.worksheets[0]
    columns = _template_columns(sheet)
    for offset, row in enumerate(rows):
        for field, value in row.items():
            sheet.cell(row=FIRST_DATA_ROW + offset, column=columns[field], value=value)
    workbook.save(destination)
    return destination


@pytest.fixture(params=[PLAIN, VALIDATED], ids=["plain", "single-select-with-validation"])
def template(request):
    return request.param


@pytest.fixture
def filled(template, tmp_path):
    return build_workbook(template, tmp_path / "casos.xlsx", ALL_ROWS)


@pytest.fixture(autouse=True)
def in_english():
    """The command speaks the user's language (Spanish first); these tests read its English."""
    with translation.override("en"):
        yield


@pytest.fixture
def lead(lima):
    """A supervisor of Lima: may import into it."""
    return supervisor("importer", lima)


@pytest.fixture
def existing(lima):
    return open_case(lima, **EXISTING_PERSON, document_number="")


def counts():
    return {
        "people": Person.objects.count(),
        "cases": Case.objects.count(),
        "tokens": PersonSearchToken.objects.count(),
        "creations": AccessEvent.objects.filter(action=AccessAction.CREATE).count(),
        "permissions": CaseUserObjectPermission.objects.count(),
    }


def problems_of(report, row_number):
    row = next(row for row in report.rows if row.row == row_number)
    return {(problem.column, problem.code) for problem in row.problems}


def test_the_reader_finds_the_real_headers_of_both_variants(template):
    read = reader.read_template(template)
    assert read.header_rows == (1, 2)
    assert read.rows == []  # the published templates are empty (column A numbers the rows only)
    assert {"prs_FirstName", "prs_Birthdate", "cas_Status", "cas_ReasonForOutgoingReferral"} <= set(read.fields)
    # The templates' typo is read as the XLSForm's field name.
    assert "vic_TraffickingStatusDecisionMakingOrg" in read.fields
    outgoing = next(column for column in read.columns if column.field == "cas_ReasonForOutgoingReferral")
    assert (outgoing.letter, outgoing.note) == ("AJ", "field_from_label")


def test_a_template_that_kept_only_its_label_row_still_reads(template, tmp_path):
    path = build_workbook(template, tmp_path / "labels.xlsx", GOOD_ROWS[:1])
    workbook = openpyxl.load_workbook(path)
    workbook.worksheets[0].delete_rows(1)
    workbook.save(path)
    read = reader.read_template(path)
    assert read.header_rows == (1,)
    assert [number for number, _values in read.rows] == [FIRST_DATA_ROW - 1]
    assert read.rows[0][1]["prs_FirstName"] == "Ñusta"


def test_the_dry_run_reports_each_problem_by_row_and_column_and_writes_nothing(filled, lima, lead, existing):
    before, events_before = counts(), AccessEvent.objects.count()
    report = importer.preview(filled, lima, today=TODAY, actor=lead)
    assert counts() == before
    # The one trace a dry run leaves: the duplicate search through the blind index, logged as a search.
    assert list(AccessEvent.objects.filter(sequence__gt=events_before).values_list("action", "actor")) == [(AccessAction.SEARCH, lead.pk)]
    assert [row.row for row in report.valid_rows] == GOOD_ROW_NUMBERS
    first = FIRST_DATA_ROW
    assert problems_of(report, first + 3) == {("prs_Gender", mapping.UNKNOWN_CODE)}
    assert problems_of(report, first + 4) == {("prs_Birthdate", mapping.IMPOSSIBLE_DATE)}
    assert problems_of(report, first + 5) == {("prs_Birthdate", mapping.FUTURE_DATE)}
    assert problems_of(report, first + 6) == {("prs_FirstName", mapping.MISSING_NAME)}
    assert problems_of(report, first + 7) == {("", mapping.DUPLICATE_EXISTING)}
    assert problems_of(report, first + 8) == {("", mapping.DUPLICATE_IN_FILE)}
    assert next(row for row in report.rows if row.row == first + 8).problems[0].other_row == first


def test_a_referral_column_is_checked_but_never_keeps_a_row_out(template, tmp_path, lima):
    row = {**GOOD_ROWS[1], "cas_IncomingReferralDate": "30/02/2020", "cas_ReasonForIncomingReferral": "Because"}
    report = importer.preview(build_workbook(template, tmp_path / "referral.xlsx", [row]), lima, today=TODAY)
    (mapped,) = report.rows
    assert mapped.valid
    assert {(problem.column, problem.code, problem.blocking) for problem in mapped.problems} == {
        ("cas_IncomingReferralDate", mapping.IMPOSSIBLE_DATE, False),
        ("cas_ReasonForIncomingReferral", mapping.UNKNOWN_CODE, False),
    }


def test_an_uploaded_file_is_read_from_memory_like_a_path(filled, lima):
    uploaded = io.BytesIO(filled.read_bytes())
    assert [row.row for row in importer.preview(uploaded, lima, today=TODAY).valid_rows] == [*GOOD_ROW_NUMBERS, FIRST_DATA_ROW + 7]


def test_the_column_report_names_what_it_cannot_map(filled, lima):
    report = importer.preview(filled, lima, today=TODAY)
    status = {column.field: column.status for column in report.columns}
    assert status["prs_FirstName"] == mapping.MAPPED
    assert status["cas_Status"] == mapping.PARTLY
    assert status["prs_Email"] == status["vic_TypeOfSexExploitation"] == status["con_Consent"] == mapping.NOT_MAPPED
    # The referral columns are written now: to the incoming referral, and to an outgoing referral already sent.
    assert {status[column] for column in mapping.REFERRAL_FIELDS} <= {mapping.MAPPED, mapping.PARTLY}
    assert status["cas_ReferringOrganisation"] == status["cas_ReasonForOutgoingReferral"] == mapping.MAPPED
    targets = {column.field: column.target for column in report.columns}
    assert targets["cas_IncomingReferralDetails"] == "IncomingReferral.details"
    assert targets["cas_ReferredPrimaryCaseWorker"] == "CaseTransfer.caseworker"
    assert {"prs_Salutation", "prs_Title", "cas_CaseOwner", "vic_LocationOfExploitation"} <= set(report.columns_not_mapped())
    assert not set(mapping.REFERRAL_FIELDS) & set(report.columns_not_mapped())
    assert all(column.why for column in report.columns if column.status != mapping.MAPPED or column.field == "prs_Citizenship")


def test_confirm_writes_exactly_the_valid_rows_encrypted_without_a_team_and_logged(filled, lima, lead, existing):
    before = counts()
    report = importer.import_rows(filled, lima, lead, today=TODAY)
    assert [number for number, _reference in report.written] == GOOD_ROW_NUMBERS
    assert sorted(number for number, _problems in report.skipped) == list(range(FIRST_DATA_ROW + 3, FIRST_DATA_ROW + len(ALL_ROWS)))
    assert counts()["people"] == before["people"] + 3
    assert counts()["permissions"] == before["permissions"]  # the importer gets no access to the cases

    cases = Case.objects.filter(reference__in=[reference for _number, reference in report.written]).select_related("person")
    by_name = {(case.person.given_names, case.person.family_names): case for case in cases}
    assert set(by_name) == {(row["prs_FirstName"], row["prs_SecondName"]) for row in GOOD_ROWS}
    for case in cases:
        assert case.office == lima
        assert case.region == lima.region
        assert not case.team.exists()
        created = AccessEvent.objects.filter(action=AccessAction.CREATE, object_id=str(case.pk), actor=lead)
        assert created.exclude(detail="HTCDS import: referrals").count() == 1

    nusta = by_name[("Ñusta", "Quispe Mamani")]
    assert nusta.person.birth_date == datetime.date(2008, 5, 17)
    assert (nusta.person.gender, nusta.person.nationality, nusta.person.phone) == ("WOMAN", "PER", "+51 984 111 222")
    assert nusta.person.address == "Jr. Ayacucho 145, Cusco" or set(nusta.person.address.split(", ")) == {"Jr. Ayacucho 145", "Cusco"}
    assert (nusta.trafficking_status, nusta.trafficking_status_decided_by) == ("CONFIRMED", "PROSECUTOR")
    assert nusta.means_of_control == ["DEBT_BONDAGE", "WITHHOLDS_DOCUMENTS"]
    assert (nusta.recruitment_channel, nusta.exploitation_types, nusta.status) == ("SOCIAL_MEDIA", ["SEXUAL"], "INTAKE")
    assert_referrals_of_the_first_row(nusta, lead)
    wayta = by_name[("Wayta", "Huamán Condori")]
    assert (wayta.person.nationality, wayta.labour_sector, wayta.status) == ("BOL", "MINING", "FOLLOW_UP")
    assert wayta.means_of_control == ["TAKES_EARNINGS", "EXCESSIVE_HOURS"]
    jose = by_name[("José María", "Añazco Pérez")]
    assert (jose.person.birth_date, jose.person.gender) == (datetime.date(1990, 4, 3), "TRANS_WOMAN")
    assert (jose.exploitation_types, jose.labour_sector, jose.status, jose.closed_on) == (
        ["LABOUR", "SERVITUDE"],
        "AGRICULTURE",
        "CLOSED",
        TODAY,
    )

    # Open imported cases wait in the supervisor's queue of cases needing a team.
    assert {nusta.pk, wayta.pk} <= set(Case.objects.filter(office=lima, team__isnull=True).values_list("pk", flat=True))
    # Rows without referral columns get no referral.
    assert not IncomingReferral.objects.filter(case__in=[wayta, jose]).exists()
    assert not CaseTransfer.objects.filter(case__in=[wayta, jose]).exists()


def raw_column(instance, field_name):
    """The stored bytes of an encrypted field, read with SQL."""
    field = instance._meta.get_field(field_name)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Names from the models, quoted; the id is a parameter.
        sql = f"SELECT {quote(field.column)} FROM {quote(instance._meta.db_table)} WHERE id = %s"  # noqa: S608  # nosec B608
        cursor.execute(sql, [instance._meta.pk.get_db_prep_value(instance.pk, connection)])
        return bytes(cursor.fetchone()[0])


def assert_referrals_of_the_first_row(case, importer_user):
    row = GOOD_ROWS[0]
    incoming = IncomingReferral.objects.get(case=case)
    assert (incoming.organisation, incoming.referred_on, incoming.reason_code) == (
        "Fiscalía Provincial de Cusco",
        datetime.date(2024, 3, 14),
        "ADDITIONAL_SERVICES",
    )
    assert (incoming.caseworker, incoming.details) == (row["cas_ReferringPrimaryCaseWorker"], row["cas_IncomingReferralDetails"])
    assert incoming.recorded_by == importer_user

    sent = CaseTransfer.objects.get(case=case)
    assert (sent.organisation, sent.sector, sent.reason_code, sent.override) == ("CEM Wanchaq", "", "OTHER", None)
    assert (sent.requested_by, sent.imported) == (importer_user, True)
    # HTCDS gives the day only: sent at noon of it, Lima time, so every screen shows that day.
    assert sent.downloaded_at == sent.requested_at == datetime.datetime(2024, 6, 1, 12, tzinfo=ZoneInfo("America/Lima"))
    assert (sent.caseworker, sent.details) == (row["cas_ReferredPrimaryCaseWorker"], row["cas_OutgoingReferralDetails"])
    # Never offered as a file to download, and never stored in plaintext.
    assert transfer.state(sent) == transfer.IMPORTED
    for instance, name, value in (
        (incoming, "caseworker", "Kusi"),
        (incoming, "details", "La Pampa"),
        (sent, "caseworker", "Amaru"),
        (sent, "details", "psicológica"),
    ):
        stored = raw_column(instance, name)
        assert stored, name
        assert value.encode() not in stored, name

    # One more access event names what the import wrote beside the case (never its values).
    event = AccessEvent.objects.get(action=AccessAction.CREATE, object_id=str(case.pk), detail="HTCDS import: referrals")
    assert (event.actor, sorted(event.fields)) == (importer_user, ["case_transfer", "incoming_referral"])


def test_a_referral_with_problems_keeps_what_it_can_and_an_outgoing_one_needs_its_organisation(template, tmp_path, lima, lead):
    row = {
        **GOOD_ROWS[1],
        "cas_ReferringOrganisation": "DEMUNA de Puno",
        "cas_IncomingReferralDate": "30/02/2020",
        "cas_ReasonForIncomingReferral": "Because",
        "cas_ReasonForOutgoingReferral": "Migration or change of location",
        "cas_OutgoingReferralDate": "2024-01-02",
    }
    report = importer.import_rows(build_workbook(template, tmp_path / "referral.xlsx", [row]), lima, lead, today=TODAY)
    (mapped,) = report.rows
    assert {(problem.column, problem.code, problem.blocking) for problem in mapped.problems} == {
        ("cas_IncomingReferralDate", mapping.IMPOSSIBLE_DATE, False),
        ("cas_ReasonForIncomingReferral", mapping.UNKNOWN_CODE, False),
        ("cas_ReferredOrganisation", mapping.MISSING_ORGANISATION, False),
    }
    [(_number, reference)] = report.written
    case = Case.objects.get(reference=reference)
    incoming = IncomingReferral.objects.get(case=case)
    assert (incoming.organisation, incoming.referred_on, incoming.reason_code, incoming.caseworker) == ("DEMUNA de Puno", None, "", "")
    assert not CaseTransfer.objects.filter(case=case).exists()  # to nobody known: not recorded


def test_an_outgoing_referral_without_a_date_is_recorded_as_sent_on_a_day_not_known(template, tmp_path, lima, lead):
    row = {**GOOD_ROWS[1], "cas_ReferredOrganisation": "Casa Refugio Warmi Wasi"}
    report = importer.import_rows(build_workbook(template, tmp_path / "sin-fecha.xlsx", [row]), lima, lead, today=TODAY)
    [(_number, reference)] = report.written
    sent = CaseTransfer.objects.get(case__reference=reference)
    assert (sent.organisation, sent.reason_code, sent.downloaded_at, sent.imported) == ("Casa Refugio Warmi Wasi", "", None, True)
    assert transfer.state(sent) == transfer.IMPORTED
    assert not IncomingReferral.objects.filter(case=sent.case).exists()


def test_retention_erases_the_imported_referrals_names_and_details(template, tmp_path, lima, lead):
    row = {**GOOD_ROWS[0], "cas_Status": "Closed"}
    report = importer.import_rows(build_workbook(template, tmp_path / "cerrado.xlsx", [row]), lima, lead, today=TODAY)
    [(_number, reference)] = report.written
    case = Case.objects.get(reference=reference)
    assert case.closed_on == TODAY
    due_day = TODAY.replace(year=TODAY.year + 11)
    [review] = retention.request_erasures(today=due_day)
    reviews.review_decide(
        actor=lead, review=review, approve=True, now=timezone.make_aware(datetime.datetime.combine(due_day, datetime.time(12)))
    )

    incoming, sent = IncomingReferral.objects.get(case=case), CaseTransfer.objects.get(case=case)
    assert (incoming.caseworker, incoming.details) == ("", "")
    assert (sent.caseworker, sent.details) == (None, None)
    # What reports may count stays: organisations, reasons, dates.
    assert (incoming.organisation, incoming.reason_code, sent.organisation) == (
        "Fiscalía Provincial de Cusco",
        "ADDITIONAL_SERVICES",
        "CEM Wanchaq",
    )
    erased = AccessEvent.objects.get(action=AccessAction.ERASE, object_id=str(case.pk))
    assert {"incoming_referral", "case_transfers"} <= set(erased.fields)


def test_a_second_import_of_the_same_file_writes_nothing_new(filled, lima, lead):
    importer.import_rows(filled, lima, lead, today=TODAY)
    before = counts()
    again = importer.import_rows(filled, lima, lead, today=TODAY)
    assert again.written == []
    assert counts() == before
    assert all(problems_of(again, number) == {("", mapping.DUPLICATE_EXISTING)} for number in GOOD_ROW_NUMBERS)


def test_only_administrators_and_the_offices_supervisors_may_import(filled, lima):
    cusco = OfficeFactory(code="CUS", region="08")
    outsider = supervisor("cusco-lead", cusco)
    caseworker = user_with_role("worker", Role.CASEWORKER)
    administrator = user_with_role("admin", Role.ADMINISTRATOR)
    assert importer.may_import(administrator, lima)
    assert not importer.may_import(outsider, lima)
    assert not importer.may_import(caseworker, lima)
    with pytest.raises(importer.NotAllowed):
        importer.import_rows(filled, lima, outsider, today=TODAY)
    assert Person.objects.count() == 0


def test_the_command_dry_runs_then_confirms_and_never_prints_a_name(filled, lima, lead, existing):
    before = counts()
    dry = io.StringIO()
    call_command("import_htcds", str(filled), "--office", "LIM", "--user", lead.username, stdout=dry)
    assert counts() == before
    confirmed = io.StringIO()
    call_command("import_htcds", str(filled), "--office", "lim", "--user", lead.username, "--confirm", stdout=confirmed)
    assert counts()["people"] == before["people"] + 3
    output = dry.getvalue() + confirmed.getvalue()
    assert "prs_Email" in output
    assert "not mapped" in output
    assert f"row {FIRST_DATA_ROW + 4}" in output
    assert "impossible_date" in output
    assert "3 cases imported" in output
    for row in ALL_ROWS:
        for field in (
            "prs_FirstName",
            "prs_SecondName",
            "prs_MobilePhone",
            "prs_MailingStreet",
            "cas_ReferringOrganisation",
            "cas_ReferringPrimaryCaseWorker",
            "cas_IncomingReferralDetails",
            "cas_ReferredOrganisation",
            "cas_ReferredPrimaryCaseWorker",
            "cas_OutgoingReferralDetails",
        ):
            for part in str(row.get(field, "")).split():
                if len(part) > 3:
                    assert part.casefold() not in output.casefold(), field


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--office", "XXX", "--user", "importer"], "no office"),
        (["--office", "LIM", "--user", "nobody"], "neither an administrator"),
        (["--office", "LIM", "--user", "worker"], "neither an administrator"),
    ],
)
def test_the_command_refuses_an_unknown_office_or_user(filled, lima, lead, arguments, message):
    user_with_role("worker", Role.CASEWORKER)
    with pytest.raises(CommandError, match=message):
        call_command("import_htcds", str(filled), *arguments, stdout=io.StringIO())


def test_the_command_refuses_what_is_not_an_xlsx_template(tmp_path, lima, lead):
    text = tmp_path / "casos.csv"
    text.write_text("prs_FirstName,prs_SecondName\nRosa,Quispe\n", encoding="utf-8")
    disguised = tmp_path / "disguised.xlsx"
    shutil.copy(text, disguised)
    other = tmp_path / "other.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["Nombre", "Apellido"])
    workbook.save(other)
    for path, code in [(text, "not_xlsx"), (disguised, "not_xlsx"), (other, "no_headers")]:
        with pytest.raises(CommandError, match=code):
            call_command("import_htcds", str(path), "--office", "LIM", "--user", lead.username, stdout=io.StringIO())


def test_a_file_over_the_size_limit_is_refused(filled, settings, lima):
    settings.HTCDS_IMPORT_MAX_BYTES = 1024
    with pytest.raises(reader.TemplateError) as refused:
        importer.preview(filled, lima)
    assert refused.value.code == "too_large"


def test_a_file_with_more_rows_than_the_limit_is_refused_whole(filled, settings, lima):
    settings.HTCDS_IMPORT_MAX_ROWS = 2
    with pytest.raises(reader.TemplateError) as refused:
        importer.preview(filled, lima)
    assert refused.value.code == "too_many_rows"


def test_a_workbook_with_macros_is_refused(filled, tmp_path):
    with_macros = tmp_path / "macros.xlsx"
    shutil.copy(filled, with_macros)
    with zipfile.ZipFile(with_macros, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\0")
    with pytest.raises(reader.TemplateError, match="macros"):
        reader.read_template(with_macros)


def test_formulas_are_never_evaluated(template, tmp_path, lima):
    path = build_workbook(template, tmp_path / "formula.xlsx", [{**GOOD_ROWS[1], "prs_FirstName": '=HYPERLINK("http://x","y")'}])
    report = importer.preview(path, lima, today=TODAY)
    # Saved by openpyxl, the formula has no cached value: the name reads as missing, never computed.
    assert problems_of(report, FIRST_DATA_ROW) == {("prs_FirstName", mapping.MISSING_NAME)}


# --- The pure mapping ------------------------------------------------------------------------------

CELLS = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.dates(min_value=datetime.date(1, 1, 1)),
    st.from_regex(r"\d{1,2}/\d{1,2}/\d{4}", fullmatch=True),
    st.from_regex(r"\d{4}-\d{1,2}-\d{1,2}", fullmatch=True),
)


@given(CELLS)
def test_parse_date_returns_a_plausible_date_or_a_problem_and_never_raises(value):
    parsed, problem = mapping.parse_date(value, TODAY)
    assert (parsed is None) or (problem is None)
    if parsed is not None:
        assert datetime.date(mapping.OLDEST_BIRTH_YEAR, 1, 1) <= parsed <= TODAY
    if value not in (None, ""):
        assert (parsed is None) != (problem is None)


@given(st.dictionaries(st.sampled_from(sorted(mapping.COLUMN_RULES)), CELLS))
def test_map_row_never_raises_and_every_code_it_gives_is_ours(values):
    from casework.choices import ExploitationType, Gender, MeansOfControl

    mapped = mapping.map_row(7, values, today=TODAY)
    assert all(problem.row == 7 and problem.column in mapping.COLUMN_RULES for problem in mapped.problems)
    assert mapped.person_fields["gender"] in Gender.values
    assert set(mapped.case_fields["exploitation_types"]) <= set(ExploitationType.values)
    assert set(mapped.case_fields["means_of_control"]) <= set(MeansOfControl.values)
    if mapped.valid:
        assert mapped.person_fields["given_names"]
        assert mapped.person_fields["birth_date"]


def test_every_htcds_value_of_our_tables_round_trips_through_our_codes():
    for table in (mapping.GENDER, mapping.TRAFFICKING_STATUS, mapping.METHODS_OF_CONTROL, mapping.EXPLOITATION, mapping.CASE_STATUS):
        for name, (label, code) in table.choices.items():
            assert table.to_ours(name) == table.to_ours(label) == code
            # What the export writes comes back as the same code, but where a value is exported on purpose
            # as a broader one (our sale of children as HTCDS's Other, as the aggregate export does).
            if code not in table.exported:
                assert table.to_ours(table.to_htcds(code)) == code
    assert mapping.EXPLOITATION.to_htcds("SALE_OF_CHILDREN") == "Other"
    assert mapping.country_to_ours("PE") == mapping.country_to_ours("Perú") == "PER"
    assert mapping.country_to_htcds("PER") == "PE"
