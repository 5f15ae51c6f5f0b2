"""Consented transfer of one case to another organisation, as an HTCDS 2.0 record (docs/htcds.md).

The one exception to "only aggregates leave the system": a supervisor of the case's office hands
the case over to an organisation that takes it on. It leaves only if the person's consent in force
covers sharing with that organisation's sector (checked when asked and again at the download), or
through a CASE_TRANSFER_OVERRIDE review approved by another supervisor. Whoever asked downloads
the file once, within DOWNLOAD_DAYS: a zip holding the case as a row of the HTCDS 2.0 Excel
template and as JSON keyed by the HTCDS field names. The download is an EXPORT access event
naming ids and the sector only; the CaseTransfer row stays on the case as its outgoing referral.
A CaseTransfer an HTCDS import recorded (`imported`) was sent before the case came here: it is
listed with the others and never offered.

What goes out is exactly what the importer maps back (casework.htcds.mapping, its code tables
read in reverse), so importing the file gives the same values, but where a table merges several
of our codes into one HTCDS value. The case's incoming referral, if it has one, goes in the
incoming-referral columns. Never in the file: safe-contact details (DOMAIN.md section 10), notes,
summaries, document numbers, our ids, the access log.
"""

import datetime
import io
import json
import zipfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .. import audit, retention, reviews, services
from ..aggregate_exports import DOWNLOAD_DAYS
from ..models import AccessAction, CaseTransfer, IncomingReferral, ReviewStatus
from ..roles import Role, has_role
from . import mapping, reader

OVERRIDE_KIND = "CASE_TRANSFER_OVERRIDE"
XLSX_NAME = "htcds_record.xlsx"
JSON_NAME = "htcds_record.json"

# Rows 1 and 2 of the first sheet of HTCDS_Excel_Spreadsheet_v2.0.xlsx, as published (column A
# numbers the rows; the typo and the missing name of column AJ are the template's own). The test
# checks them against the reference file, so the export needs no file outside the repository.
TEMPLATE_NAMES = (
    None, "cas_CaseOwner", "prs_Salutation", "prs_FirstName", "prs_SecondName", "con_Consent", "prs_Birthdate", "prs_Gender",
    "prs_Citizenship", "prs_Title", "prs_Email", "prs_HomePhone", "prs_MobilePhone", "prs_MailingCity", "prs_MailingCountry",
    "prs_MailingState", "prs_MailingStreet", "prs_MailingPostalCode", "vic_TraffickingStatus", "vic_TraffickinStatusDecisionMakingOrg",
    "vic_MethodOfRecruitment", "vic_LocationOfRecruitment", "vic_MethodsOfControl", "vic_TypeOfExploitation", "vic_ForcedLabourIndustry",
    "vic_TypeOfSexExploitation", "vic_LocationOfExploitation", "cas_Status", "cas_ReferringOrganisation", "cas_IncomingReferralDate",
    "cas_ReferringPrimaryCaseWorker", "cas_ReasonForIncomingReferral", "cas_IncomingReferralDetails", "cas_ReferredOrganisation",
    "cas_ReferredPrimaryCaseWorker", None, "cas_OutgoingReferralDate", "cas_OutgoingReferralDetails", "cas_ReasonForCaseClosure",
)  # fmt: skip
TEMPLATE_LABELS = (
    None, "Case Owner", "Salutation", "First Name", "Second Name", "Consent", "Birthdate", "Gender", "Citizenship", "Title", "Email",
    "Home Phone", "Mobile Phone", "Mailing Street", "Mailing City", "Mailing State/Province", "Mailing Zip/Postal Code", "Mailing Country",
    "Trafficking Status", "Trafficking Status Decision Making Organization", "Method of Recruitment", "Location of Recruitment",
    "Methods of Control", "Type of Exploitation", "Forced Labour Industry", "Type of Sex Exploitation", "Location of Exploitation",
    "Status", "Referring Organisation", "Incoming Referral Date", "Referring Primary Case Worker", "Reason for Incoming Referral",
    "Incoming Referral Details", "Referred Organisation", "Referred Primary Case Worker", "Reason for Outgoing Referral",
    "Outgoing Referral Date", "Outgoing Referral Details", "Reason for Case Closure",
)  # fmt: skip
# The HTCDS field of each column, by its label: every column has one, and where the template's
# names and labels disagree (the mailing columns) a person reading the sheet goes by the label.
FIELD_OF_COLUMN = tuple(reader.FIELD_BY_LABEL.get(label.casefold()) if label else None for label in TEMPLATE_LABELS)
HTCDS_FIELDS = tuple(field for field in FIELD_OF_COLUMN if field)
# Our fields the record carries (the access event names them).
FIELDS_EXPORTED = (
    "given_names", "family_names", "birth_date", "gender", "nationality", "phone", "address", "trafficking_status",
    "trafficking_status_decided_by", "recruitment_channel", "means_of_control", "exploitation_types", "labour_sector", "status",
)  # fmt: skip
INCOMING_REFERRAL_EXPORTED = "incoming_referral"  # named too when the case has one


class ConsentMissing(Exception):
    """The consent in force does not cover the receiving sector, and no override is approved."""

    def __init__(self, sector):
        super().__init__(sector)
        self.sector = sector


class NotReady(Exception):
    """The override review is still waiting, or was sent back."""


class Gone(Exception):
    """Downloaded already, or offered for longer than DOWNLOAD_DAYS: never offered again."""


# --- Who, and whether the consent covers it --------------------------------------------------


def may_transfer(user, case):
    """The supervisors of the case's office, while the case still holds personal data."""
    # The role first: it is read once per request, so the case file costs a caseworker no query.
    return has_role(user, Role.SUPERVISOR) and case.erased_at is None and reviews.supervises(user, case)


# --- Asking ------------------------------------------------------------------------------------


def transfer_prepare(*, actor, case, organisation, sector, reason_code, justification=""):
    """A transfer ready at once when the consent covers the sector; else, given a `justification`,
    one waiting for another supervisor's OVERRIDE_KIND review (the justification is its reason);
    else ConsentMissing, and nothing is written."""
    if not may_transfer(actor, case):
        raise PermissionDenied
    # The model allows them empty for a transfer an import recorded (HTCDS has no sector); not here.
    given = {"sector": sector, "reason_code": reason_code}
    missing = {name: gettext_lazy("This field is required.") for name, value in given.items() if not value}
    if missing:
        raise ValidationError(missing)
    covered = services.consent_allows(case, sector)
    if not covered and not justification.strip():
        raise ConsentMissing(sector)
    transfer = CaseTransfer(case=case, organisation=organisation, sector=sector, reason_code=reason_code, requested_by=actor)
    transfer.full_clean(exclude=["case", "requested_by", "override"])
    with transaction.atomic():
        if not covered:
            details = {"transfer": str(transfer.pk), "sector": sector, "reason": reason_code}
            transfer.override = reviews.review_request(actor=actor, case=case, kind=OVERRIDE_KIND, reason=justification, details=details)
        transfer.save()
        audit.record(
            action=AccessAction.CREATE, target=case, actor=actor, fields=["case_transfer"], detail=f"transfer {transfer.pk} {sector}"
        )
    return transfer


# --- Its state -----------------------------------------------------------------------------------

READY, WAITING, SENT_BACK, DOWNLOADED, EXPIRED, CONSENT_WITHDRAWN = "ready", "waiting", "sent_back", "downloaded", "expired", "withdrawn"
IMPORTED = "imported"
STATE_TEXTS = {
    READY: gettext_lazy("Ready: the file can be downloaded once."),
    WAITING: gettext_lazy("Waiting for another supervisor to approve the exception."),
    SENT_BACK: gettext_lazy("The exception was sent back: the case cannot be transferred this way."),
    DOWNLOADED: gettext_lazy("Sent: the file was downloaded."),
    EXPIRED: gettext_lazy("No longer offered: it was not downloaded in time."),
    CONSENT_WITHDRAWN: gettext_lazy("The consent in force no longer covers this sector: nothing can be sent."),
    IMPORTED: gettext_lazy("Recorded by an HTCDS import: sent before the case came into this system; there is no file to download."),
}


def ready_since(transfer):
    """When the file was first offered: at the request, or when the override was approved (None before)."""
    if transfer.override_id is None:
        return transfer.requested_at
    return transfer.override.decided_at if transfer.override.status == ReviewStatus.APPROVED else None


def state(transfer, now=None):
    """One of the states above, as the consent and the review are now."""
    now = now or timezone.now()
    if transfer.imported:
        return IMPORTED
    if transfer.downloaded_at is not None:
        return DOWNLOADED
    if transfer.override_id is not None and transfer.override.status == ReviewStatus.PENDING:
        return WAITING
    if transfer.override_id is not None and transfer.override.status == ReviewStatus.SENT_BACK:
        return SENT_BACK
    if now - ready_since(transfer) > datetime.timedelta(days=DOWNLOAD_DAYS):
        return EXPIRED
    if transfer.override_id is None and not services.consent_allows(transfer.case, transfer.sector):
        return CONSENT_WITHDRAWN
    return READY


# --- The download --------------------------------------------------------------------------------


def transfer_download(*, actor, transfer, now=None):
    """(file name, zip bytes), once: the transfer is marked downloaded and the export logged.

    Gone when downloaded already or expired, NotReady while the override waits or after it was
    sent back, ConsentMissing when the consent in force no longer covers the sector.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Locked: two clicks at once give one file.
        locked = CaseTransfer.objects.select_for_update(of=("self",)).select_related("case__person", "override").get(pk=transfer.pk)
        if locked.requested_by_id != actor.pk or not may_transfer(actor, locked.case):
            raise PermissionDenied
        current = state(locked, now)
        if current in (DOWNLOADED, EXPIRED, IMPORTED):
            raise Gone
        if current in (WAITING, SENT_BACK):
            raise NotReady
        if current == CONSENT_WITHDRAWN:
            raise ConsentMissing(locked.sector)
        record = htcds_record(locked.case, locked, today=timezone.localdate(now))
        data = record_zip(record)
        locked.downloaded_at = now
        locked.save(update_fields=["downloaded_at"])
        with_incoming = any(record[column] is not None for column in mapping.INCOMING_COLUMNS)
        audit.record(
            action=AccessAction.EXPORT,
            target=locked.case,
            actor=actor,
            fields=[*FIELDS_EXPORTED, *([INCOMING_REFERRAL_EXPORTED] if with_incoming else [])],
            detail=f"HTCDS case transfer {locked.pk} to sector {locked.sector}",
        )
    # Named by the day, not by our case reference: our identifiers never leave with the record.
    return f"htcds-transfer-{timezone.localdate():%Y-%m-%d}.zip", data


# --- The record ----------------------------------------------------------------------------------


def _multiple(table, codes):
    names = []
    for code in codes:
        name = table.to_htcds(code)
        if name and name not in names:
            names.append(name)
    return names


def htcds_record(case, transfer, *, today):
    """{HTCDS field name: value} for every column of the template: text, a date, a list of value
    names for a multi-select, or None. Only what the importer maps back, and the transfer itself."""
    person = case.person
    record = dict.fromkeys(HTCDS_FIELDS)
    record.update(
        {
            "prs_FirstName": person.given_names,
            "prs_SecondName": person.family_names or None,
            "con_Consent": mapping.CONSENT.to_htcds(services.consent_allows(case, transfer.sector)),
            "prs_Birthdate": person.birth_date,
            "prs_Gender": mapping.GENDER.to_htcds(person.gender),
            "prs_Citizenship": mapping.country_to_htcds(person.nationality),
            # One phone and one address of ours: the importer reads them back from these columns.
            "prs_MobilePhone": person.phone or None,
            "prs_MailingStreet": person.address or None,
            "vic_TraffickingStatus": mapping.TRAFFICKING_STATUS.to_htcds(case.trafficking_status),
            "vic_TraffickingStatusDecisionMakingOrg": mapping.DECISION_MAKER.to_htcds(case.trafficking_status_decided_by),
            "vic_MethodOfRecruitment": mapping.RECRUITMENT.to_htcds(case.recruitment_channel),
            "vic_MethodsOfControl": _multiple(mapping.METHODS_OF_CONTROL, case.means_of_control),
            "vic_TypeOfExploitation": _multiple(mapping.EXPLOITATION, case.exploitation_types),
            "vic_ForcedLabourIndustry": mapping.LABOUR_INDUSTRY.to_htcds(case.labour_sector),
            "cas_Status": mapping.CASE_STATUS.to_htcds(case.status),
            "cas_ReferredOrganisation": transfer.organisation,
            "cas_ReasonForOutgoingReferral": mapping.REFERRAL_REASON.to_htcds(transfer.reason_code),
            "cas_OutgoingReferralDate": today,
            **_incoming_columns(case),
        }
    )
    return {field: value if value not in ("", []) else None for field, value in record.items()}


def _incoming_columns(case):
    """The incoming-referral columns, as the importer reads them back (empty without one)."""
    incoming = IncomingReferral.objects.filter(case_id=case.pk).first() if case.pk else None
    if incoming is None:
        return {}
    return {
        "cas_ReferringOrganisation": incoming.organisation,
        "cas_IncomingReferralDate": incoming.referred_on,
        "cas_ReferringPrimaryCaseWorker": incoming.caseworker,
        "cas_ReasonForIncomingReferral": mapping.REFERRAL_REASON.to_htcds(incoming.reason_code) if incoming.reason_code else None,
        "cas_IncomingReferralDetails": incoming.details,
    }


def _json_value(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def record_json(record):
    return json.dumps({field: _json_value(value) for field, value in record.items()}, ensure_ascii=False, indent=2).encode()


def _cell_value(value):
    # XLSForm writes a multi-select as its value names separated by spaces; the importer reads that.
    return " ".join(value) if isinstance(value, list) else value


def record_xlsx(record):
    """The template's two header rows and the record as row 3 (numbered 1 in column A, as the template)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append(TEMPLATE_NAMES)
    sheet.append(TEMPLATE_LABELS)
    sheet.cell(row=3, column=1, value=1)
    for index, field in enumerate(FIELD_OF_COLUMN, start=1):
        value = _cell_value(record.get(field)) if field else None
        if value is None:
            continue
        cell = sheet.cell(row=3, column=index, value=value)
        if isinstance(value, datetime.date):
            cell.number_format = "yyyy-mm-dd"
        elif isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # text that looks like a formula stays text: nothing runs on opening
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def record_zip(record):
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(XLSX_NAME, record_xlsx(record))
        archive.writestr(JSON_NAME, record_json(record))
    return output.getvalue()


# --- Retention ------------------------------------------------------------------------------------


def erase_referral_texts(case):
    """The caseworkers' names and the details of the case's incoming referral and transfers, emptied
    with the rest of the case (casework.retention); organisations, reasons and dates stay."""
    erased = []
    for name, rows in (("incoming_referral", IncomingReferral.objects.filter(case=case)), ("case_transfers", case.transfers.all())):
        found = False
        for row in rows:
            retention.blank_encrypted(row)
            row.save()
            found = True
        if found:
            erased.append(name)
    return erased


# --- Registration --------------------------------------------------------------------------------

reviews.register(reviews.ReviewKind(OVERRIDE_KIND, gettext_lazy("Case transfer (HTCDS) sharing personal data without consent")))
retention.register_eraser(erase_referral_texts)
