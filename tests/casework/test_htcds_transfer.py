"""Consented transfer of one case as an HTCDS 2.0 record: who may, under which consent, once.

The file is read back with the importer's own reader and mapping: the values it gives are the
case's values, field by field.
"""

import datetime
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from casework import reviews, services, transfer_views
from casework.choices import ConsentSector
from casework.htcds import importer, mapping, reader, transfer
from casework.models import AccessAction, AccessEvent, CaseTransfer, IncomingReferral, ReferralReason, ReviewStatus

from ..factories import OfficeFactory, StaffProfileFactory, UserFactory, open_case, sign_in, supervisor

pytestmark = pytest.mark.django_db

REFERENCE_TEMPLATE = Path(__file__).resolve().parents[1] / "fixtures" / "htcds" / "HTCDS_Excel_Spreadsheet_v2.0.xlsx"
# Values that must never leave in the file: safe contact, notes, the document number.
CANARIES = {
    "safe_hours": "Horascanario",
    "must_not_know": "Esposocanario",
    "code_word": "Palabracanario",
    "never_visit": "Casacanario",
    "notes": "Notapersonacanario",
    "document_number": "DNI-77777",
    "summary": "Resumencanario",
    "needs_notes": "Necesidadcanario",
    "place_identified": "Lugarcanario",
    "case_note": "Notacasocanario",
    "reason": "Motivocanario",
}
PERSON = {
    "given_names": "Ñusta Killa",
    "family_names": "Quispe Mamani",
    "birth_date": datetime.date(1998, 5, 17),
    "gender": "WOMAN",
    "nationality": "PER",
    "phone": "+51 984 111 222",
    "address": "Jr. Ayacucho 145, Cusco",
    "document_number": CANARIES["document_number"],
    "notes": CANARIES["notes"],
    "safe_channels": ["WHATSAPP"],
    "safe_hours": CANARIES["safe_hours"],
    "contact_kept_secret": True,
    "must_not_know": CANARIES["must_not_know"],
    "code_word": CANARIES["code_word"],
    "never_visit": CANARIES["never_visit"],
}
CASE = {
    "status": "FOLLOW_UP",
    "trafficking_status": "CONFIRMED",
    "trafficking_status_decided_by": "PROSECUTOR",
    "recruitment_channel": "SOCIAL_MEDIA",
    "means_of_control": ["DEBT_BONDAGE", "WITHHOLDS_DOCUMENTS", "THREATS"],
    "exploitation_types": ["LABOUR", "SEXUAL"],
    "labour_sector": "MINING",
    "summary": CANARIES["summary"],
    "needs_notes": CANARIES["needs_notes"],
    "place_identified": CANARIES["place_identified"],
}
TRANSFER = {"organisation": "Casa Refugio Warmi Wasi", "sector": "SHELTER", "reason_code": "CHANGE_OF_LOCATION"}
INCOMING = {
    "organisation": "Fiscalía Provincial de Cusco",
    "referred_on": datetime.date(2024, 3, 14),
    "reason_code": "ADDITIONAL_SERVICES",
    "caseworker": "Dra. Kusi Ccahuana",
    "details": "Derivada tras el operativo en La Pampa.",
}


@pytest.fixture
def world(client):
    lima, cusco = OfficeFactory(code="LIM", region="15"), OfficeFactory(code="CUS", region="08")
    sofia, susana = supervisor("sofia", lima), supervisor("susana", lima)
    case = open_case(lima, case_fields=CASE, **PERSON)
    services.note_add(actor=sofia, case=case, text=CANARIES["case_note"])
    sign_in(client, sofia)
    return {"lima": lima, "cusco": cusco, "sofia": sofia, "susana": susana, "case": case}


def give_consent(case, share_with, actor=None):
    consent = {"given_on": datetime.date(2026, 11, 2), "method": "WRITTEN", "services": True, "share_with": share_with}
    return services.case_update(actor=actor, case=case, expected_version=case.version, consent=consent)


def prepare(client, case, *, override=False):
    """The supervisor's form; with `override`, the exception's form, justified."""
    data = {**TRANSFER, **({"justification": f"{CANARIES['reason']}: peligro inminente."} if override else {})}
    return client.post(reverse("case_transfer", args=[case.pk]), data)


def download(client, case, transfer_row):
    return client.post(reverse("case_transfer_download", args=[case.pk]), {"transfer": str(transfer_row.pk)})


def exports_logged():
    return AccessEvent.objects.filter(action=AccessAction.EXPORT)


def members(response):
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {name: archive.read(name) for name in archive.namelist()}


def all_text_of(files):
    """Every byte of the zip's files as text, the workbook's own XML parts unpacked too."""
    texts = [files[transfer.JSON_NAME].decode()]
    with zipfile.ZipFile(io.BytesIO(files[transfer.XLSX_NAME])) as workbook:
        texts += [workbook.read(name).decode(errors="replace") for name in workbook.namelist()]
    return "\n".join(texts)


# --- The template and the code tables -------------------------------------------------------------


def test_the_header_rows_are_the_reference_templates():
    sheet = openpyxl.load_workbook(REFERENCE_TEMPLATE, read_only=True).worksheets[0]
    names, labels = (tuple(row) for row in sheet.iter_rows(min_row=1, max_row=2, values_only=True))
    assert names == transfer.TEMPLATE_NAMES
    assert labels == transfer.TEMPLATE_LABELS
    assert set(transfer.HTCDS_FIELDS) == reader.KNOWN_FIELDS


def test_the_outgoing_reasons_are_the_htcds_list():
    assert set(ReferralReason.values) == {code for _label, code in mapping.REFERRAL_REASON.choices.values()}


# --- Without consent ------------------------------------------------------------------------------


def test_without_consent_the_transfer_is_refused_and_nothing_leaves(client, world, english):
    case = world["case"]
    give_consent(case, ["HEALTH"])  # not the shelter sector
    response = prepare(client, case)
    assert response.status_code == 403
    assert "does not cover sharing their case with the sector Shelter" in response.content.decode()
    assert "Ask another supervisor to approve an exception" in response.content.decode()
    assert not CaseTransfer.objects.exists()
    assert not exports_logged().exists()
    with pytest.raises(transfer.ConsentMissing):
        transfer.transfer_prepare(actor=world["sofia"], case=case, **TRANSFER)


def test_the_refusal_is_in_spanish_by_default(client, world):
    response = prepare(client, world["case"])  # no consent recorded at all
    assert response.status_code == 403
    with translation.override("es"):
        expected = escape(transfer_views.refusal_text("SHELTER"))
        sector = str(ConsentSector.SHELTER.label)
    assert expected in response.content.decode()
    assert sector in expected
    assert '<html lang="es">' in response.content.decode()


def test_an_exception_approved_by_another_supervisor_gives_the_file_once(client, world):
    case, sofia, susana = world["case"], world["sofia"], world["susana"]
    response = prepare(client, case, override=True)
    assert response.status_code == 302
    made = CaseTransfer.objects.get()
    assert made.override.kind == transfer.OVERRIDE_KIND
    assert made.override.status == ReviewStatus.PENDING
    assert made.override.details == {"transfer": str(made.pk), "sector": "SHELTER", "reason": "CHANGE_OF_LOCATION"}
    assert made.override.reason == f"{CANARIES['reason']}: peligro inminente."
    # Waiting: no file.
    assert download(client, case, made).status_code == 302
    assert not exports_logged().exists()
    # Four eyes: she cannot approve her own exception.
    with pytest.raises(PermissionDenied):
        reviews.review_decide(actor=sofia, review=made.override, approve=True)
    other = Client()
    sign_in(other, susana)
    asked = other.get(f"/reviews/{made.override.pk}/").content.decode()
    assert "aunque su consentimiento no cubre ese sector" in asked  # what she decides: where, and that consent lacks
    reviews.review_decide(actor=susana, review=made.override, approve=True)
    first = download(client, case, made)
    assert first.status_code == 200
    assert first["Content-Type"] == "application/zip"
    second = download(client, case, made)
    assert second.status_code == 410
    assert exports_logged().count() == 1
    files = members(first)
    assert json.loads(files[transfer.JSON_NAME])["con_Consent"] == "FALSE"
    assert CANARIES["reason"] not in all_text_of(files)


def test_an_exception_sent_back_gives_no_file(client, world):
    case = world["case"]
    prepare(client, case, override=True)
    made = CaseTransfer.objects.get()
    reviews.review_decide(actor=world["susana"], review=made.override, approve=False, note="Pedir consentimiento.")
    made.refresh_from_db()
    assert transfer.state(made) == transfer.SENT_BACK
    assert download(client, case, made).status_code == 302
    assert not exports_logged().exists()


# --- With consent ---------------------------------------------------------------------------------


def test_with_consent_the_file_is_offered_once_and_logged_by_ids(client, world, english):
    case = world["case"]
    give_consent(case, ["SHELTER", "HEALTH"])
    assert prepare(client, case).status_code == 302
    made = CaseTransfer.objects.get()
    assert made.override is None
    assert transfer.state(made) == transfer.READY
    page = client.get(reverse("case_transfer", args=[case.pk])).content.decode()
    assert "Download the file (once)" in page

    first = download(client, case, made)
    assert first.status_code == 200
    assert first["Content-Disposition"] == f'attachment; filename="htcds-transfer-{timezone.localdate():%Y-%m-%d}.zip"'
    assert case.reference not in first["Content-Disposition"]
    second = download(client, case, made)
    assert second.status_code == 410
    assert "already been downloaded" in second.content.decode()

    event = exports_logged().get()
    assert (event.actor, event.object_id, event.object_ref) == (world["sofia"], str(case.pk), case.reference)
    assert event.detail == f"HTCDS case transfer {made.pk} to sector SHELTER"
    assert "given_names" in event.fields
    assert "code_word" not in event.fields
    logged = f"{event.detail} {event.fields} {event.object_ref}"
    assert not any(value in logged for value in ("Ñusta", "Quispe", "Warmi", CANARIES["reason"]))
    made.refresh_from_db()
    assert made.downloaded_at is not None


def test_a_consent_withdrawn_before_the_download_refuses_it(client, world):
    case = world["case"]
    case = give_consent(case, ["SHELTER"])
    prepare(client, case)
    made = CaseTransfer.objects.get()
    give_consent(case, [])  # the person withdrew the sharing
    response = download(client, case, made)
    assert response.status_code == 302
    assert not exports_logged().exists()
    made.refresh_from_db()
    assert made.downloaded_at is None
    assert transfer.state(made) == transfer.CONSENT_WITHDRAWN


def test_a_transfer_not_downloaded_in_time_is_gone(client, world):
    case = give_consent(world["case"], ["SHELTER"])
    prepare(client, case)
    made = CaseTransfer.objects.get()
    CaseTransfer.objects.filter(pk=made.pk).update(requested_at=timezone.now() - datetime.timedelta(days=8))
    assert download(client, case, made).status_code == 410
    assert not exports_logged().exists()


# --- Who --------------------------------------------------------------------------------------------


def test_only_the_supervisors_of_the_case_office_transfer_and_only_the_requester_downloads(client, world):
    case = give_consent(world["case"], ["SHELTER"])
    prepare(client, case)
    made = CaseTransfer.objects.get()
    url = reverse("case_transfer", args=[case.pk])

    tania = StaffProfileFactory(user=UserFactory(username="tania"), office=world["lima"]).user
    services_perm = ("casework.view_case", "casework.change_case")
    from guardian.shortcuts import assign_perm

    for permission in services_perm:
        assign_perm(permission, tania, case)
    sign_in(client, tania)
    assert client.get(url).status_code == 403
    assert download(client, case, made).status_code == 403

    sign_in(client, supervisor("sergio", world["cusco"]))
    assert client.get(url).status_code == 404
    assert download(client, case, made).status_code == 404

    sign_in(client, world["susana"])  # same office, did not ask for it
    assert client.get(url).status_code == 200
    assert download(client, case, made).status_code == 404
    assert not exports_logged().exists()


def test_a_transfer_prepared_here_needs_a_sector_and_a_reason(world):
    """Only an import records a transfer without them (HTCDS has no sector)."""
    for missing in ("sector", "reason_code"):
        with pytest.raises(ValidationError) as refused:
            transfer.transfer_prepare(actor=world["sofia"], case=world["case"], **{**TRANSFER, missing: ""}, justification="Urgente.")
        assert set(refused.value.message_dict) == {missing}
    assert not CaseTransfer.objects.exists()


def test_the_case_file_shows_the_outgoing_referral_and_the_way_to_transfer(client, world, english):
    case = give_consent(world["case"], ["SHELTER"])
    page = client.get(reverse("case_file", args=[case.pk])).content.decode()
    assert "Transfer to another organisation (HTCDS)" in page
    prepare(client, case)
    download(client, case, CaseTransfer.objects.get())
    page = client.get(reverse("case_file", args=[case.pk])).content.decode()
    assert "Casa Refugio Warmi Wasi" in page
    assert "sent on" in page


# --- The file --------------------------------------------------------------------------------------


@pytest.fixture
def exported(client, world):
    case = give_consent(world["case"], ["SHELTER"])
    prepare(client, case)
    made = CaseTransfer.objects.get()
    return case, made, members(download(client, case, made))


def test_the_zip_holds_the_row_and_its_json_and_nothing_that_must_stay(exported):
    case, made, files = exported
    assert set(files) == {transfer.XLSX_NAME, transfer.JSON_NAME}
    record = json.loads(files[transfer.JSON_NAME])
    assert set(record) == reader.KNOWN_FIELDS
    assert record["prs_FirstName"] == "Ñusta Killa"
    assert record["prs_Citizenship"] == "PE"
    assert record["vic_MethodsOfControl"] == ["DebtBondage", "WithholdsDocuments", "PhysicalThreats"]
    assert record["cas_ReferredOrganisation"] == "Casa Refugio Warmi Wasi"
    assert record["cas_ReasonForOutgoingReferral"] == "MigrationOrChangeOfLocation"
    assert record["con_Consent"] == "TRUE"
    text = all_text_of(files)
    assert "Ñusta Killa" in text  # the search below finds what is there
    leaked = [name for name, value in CANARIES.items() if value.casefold() in text.casefold()]
    assert not leaked
    ids = [str(value) for value in (case.pk, case.person.pk, made.pk)] + [str(value.pk) for value in case.notes.all()]
    assert not [value for value in ids if value in text or value.replace("-", "") in text]


def test_the_exported_row_reads_back_as_the_case(exported):
    case, made, files = exported
    person = case.person
    template = reader.read_template(io.BytesIO(files[transfer.XLSX_NAME]))
    assert template.header_rows == (1, 2)
    [(number, values)] = template.rows
    row = mapping.map_row(number, values, today=timezone.localdate(), column_order=template.fields)
    assert [problem for problem in row.problems if problem.blocking] == []
    for name in ("given_names", "family_names", "birth_date", "gender", "nationality", "phone", "address"):
        assert row.person_fields[name] == getattr(person, name), name
    for name in ("trafficking_status", "trafficking_status_decided_by", "recruitment_channel", "labour_sector"):
        assert row.case_fields[name] == getattr(case, name), name
    assert sorted(row.case_fields["means_of_control"]) == sorted(case.means_of_control)
    assert sorted(row.case_fields["exploitation_types"]) == sorted(case.exploitation_types)
    assert row.case_fields["status"] == case.status  # FOLLOW_UP is one of the statuses HTCDS names
    assert row.referral_fields["cas_ReferredOrganisation"] == made.organisation
    assert row.referral_fields["cas_ReasonForOutgoingReferral"] == "MigrationOrChangeOfLocation"
    assert row.referral_fields["cas_OutgoingReferralDate"] == timezone.localdate()
    assert row.incoming_fields is None  # the case came with no incoming referral: those columns are empty


def test_the_incoming_referral_leaves_with_the_case_and_reads_back(client, world):
    case = give_consent(world["case"], ["SHELTER"])
    IncomingReferral.objects.create(case=case, recorded_by=world["susana"], **INCOMING)
    prepare(client, case)
    made = CaseTransfer.objects.get()
    files = members(download(client, case, made))
    record = json.loads(files[transfer.JSON_NAME])
    assert (record["cas_ReferringOrganisation"], record["cas_IncomingReferralDate"], record["cas_ReasonForIncomingReferral"]) == (
        "Fiscalía Provincial de Cusco",
        "2024-03-14",
        "AdditionalServicesRequired",
    )
    assert (record["cas_ReferringPrimaryCaseWorker"], record["cas_IncomingReferralDetails"]) == (
        INCOMING["caseworker"],
        INCOMING["details"],
    )
    template = reader.read_template(io.BytesIO(files[transfer.XLSX_NAME]))
    [(number, values)] = template.rows
    row = mapping.map_row(number, values, today=timezone.localdate(), column_order=template.fields)
    assert row.problems == []
    assert row.incoming_fields == INCOMING
    assert row.outgoing_fields == {
        "organisation": "Casa Refugio Warmi Wasi",
        "sent_on": timezone.localdate(),
        "reason_code": "CHANGE_OF_LOCATION",
        "caseworker": "",
        "details": "",
    }
    assert "incoming_referral" in exports_logged().get().fields


def test_an_imported_transfer_is_shown_on_the_case_file_and_never_offered(client, world, english):
    case = give_consent(world["case"], ["SHELTER"])
    IncomingReferral.objects.create(case=case, recorded_by=world["sofia"], **INCOMING)
    made = CaseTransfer.objects.create(
        case=case,
        organisation="CEM Wanchaq",
        reason_code="OTHER",
        requested_by=world["sofia"],
        imported=True,
        downloaded_at=importer.sent_at(datetime.date(2024, 6, 1)),
        caseworker="Lic. Amaru Tupa",
        details="Atención psicológica cerca de su familia.",
    )
    page = client.get(reverse("case_file", args=[case.pk])).content.decode()
    for shown in (
        "Incoming referral",
        "Fiscalía Provincial de Cusco",
        "Additional services required",
        "Caseworker who referred the case: Dra. Kusi Ccahuana",
        "Derivada tras el operativo en La Pampa.",
        "CEM Wanchaq",
        "from an HTCDS import",
        "Caseworker who received the case: Lic. Amaru Tupa",
        "Atención psicológica cerca de su familia.",
    ):
        assert shown in page, shown
    assert transfer.state(made) == transfer.IMPORTED
    assert "Recorded by an HTCDS import" in client.get(reverse("case_transfer", args=[case.pk])).content.decode()
    assert download(client, case, made).status_code == 410
    assert not exports_logged().exists()


def test_importing_the_file_finds_only_that_the_person_is_registered(exported, world):
    _case, _made, files = exported
    report = importer.preview(io.BytesIO(files[transfer.XLSX_NAME]), world["cusco"], actor=world["sofia"])
    [row] = report.rows
    assert [(problem.column, problem.code) for problem in row.problems if problem.blocking] == [("", mapping.DUPLICATE_EXISTING)]


def test_codes_htcds_merges_read_back_as_the_htcds_value(world):
    """Where a table merges several of ours into one HTCDS value, the value read back is that one's."""
    case = open_case(
        world["lima"],
        given_names="Wayta",
        birth_date=datetime.date(1990, 1, 2),
        case_fields={"exploitation_types": ["SALE_OF_CHILDREN"], "trafficking_status_decided_by": "MIMP", "status": "IMMEDIATE_ASSISTANCE"},
    )
    row = transfer.htcds_record(case, CaseTransfer(case=case, organisation="X", sector="HEALTH", reason_code="OTHER"), today=case.opened_on)
    assert row["vic_TypeOfExploitation"] == ["Other"]
    assert row["vic_TraffickingStatusDecisionMakingOrg"] == "NonPoliceGovernmentalOrganization"
    assert row["cas_Status"] == "Active"


def test_text_that_looks_like_a_formula_stays_text(world):
    case = open_case(world["lima"], given_names='=HYPERLINK("http://x")', birth_date=datetime.date(1990, 1, 2))
    record = transfer.htcds_record(
        case, CaseTransfer(case=case, organisation="X", sector="HEALTH", reason_code="OTHER"), today=case.opened_on
    )
    sheet = openpyxl.load_workbook(io.BytesIO(transfer.record_xlsx(record))).worksheets[0]
    cell = sheet.cell(row=3, column=transfer.FIELD_OF_COLUMN.index("prs_FirstName") + 1)
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x")'
