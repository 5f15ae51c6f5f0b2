"""Import people and cases from a filled HTCDS 2.0 Excel template (docs/htcds.md).

`preview` reads and checks every row and writes nothing; `import_rows` writes the rows the preview
finds valid and new, one transaction per row, through casework.services.case_open (so everything
is encrypted and each case gets its access event, attributed to the importing user), with the
case's incoming referral and its outgoing referral (a CaseTransfer recorded as already sent) when
the row has them. Imported cases have no team: they wait in the supervisor's queue for one, and
the importer gets no access to them.

A probable duplicate is a person with the same folded full name and birth date, found through the
blind index of names (the template has no document number): already registered, or earlier in
the same file. Importing a file twice therefore writes nothing the second time.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .. import audit, services
from ..access import offices_supervised_by
from ..models import AccessAction, CaseTransfer, IncomingReferral, Office
from ..roles import Role, has_role
from ..search import find_people
from . import mapping, reader


class NotAllowed(Exception):
    """The user may not import into this office."""


def may_import(user, office):
    """Administrators, and the supervisors of the office."""
    if not (user.is_authenticated and user.is_active):
        return False
    return has_role(user, Role.ADMINISTRATOR) or offices_supervised_by(user).filter(pk=office.pk).exists()


def offices_open_to(user):
    """The offices `user` may import into (those may_import allows), as a queryset."""
    if not (user.is_authenticated and user.is_active):
        return Office.objects.none()
    if has_role(user, Role.ADMINISTRATOR):
        return Office.objects.all()
    return offices_supervised_by(user)


@dataclass
class ImportReport:
    sheet: str
    header_rows: tuple
    columns: list  # mapping.ColumnResult per column of the sheet
    unknown_headers: list
    rows: list  # mapping.MappedRow per filled row, with its problems
    written: list = field(default_factory=list)  # (row number, case reference)
    skipped: list = field(default_factory=list)  # (row number, [Problem])

    @property
    def valid_rows(self):
        return [row for row in self.rows if row.valid]

    @property
    def invalid_rows(self):
        return [row for row in self.rows if not row.valid]

    def columns_not_mapped(self):
        return [column.field for column in self.columns if column.status == mapping.NOT_MAPPED]


def _limits():
    return {
        "max_bytes": getattr(settings, "HTCDS_IMPORT_MAX_BYTES", reader.DEFAULT_MAX_BYTES),
        "max_rows": getattr(settings, "HTCDS_IMPORT_MAX_ROWS", reader.DEFAULT_MAX_ROWS),
    }


def upload_limits():
    """(largest file in bytes, most filled rows): what the upload screen tells, and checks before reading."""
    limits = _limits()
    return limits["max_bytes"], limits["max_rows"]


def preview(file, office, *, today=None, actor=None):
    """Every row checked, duplicates found; nothing written (but the duplicate search, logged)."""
    today = today or timezone.localdate()
    template = reader.read_template(file, **_limits())
    order = template.fields
    rows = [mapping.map_row(number, values, today=today, column_order=order) for number, values in template.rows]
    _mark_duplicates(rows)
    audit.record(
        action=AccessAction.SEARCH, actor=actor, fields=["given_names", "family_names"], detail=f"HTCDS import: {len(rows)} rows checked"
    )
    return ImportReport(
        sheet=template.sheet,
        header_rows=template.header_rows,
        columns=mapping.column_report(template.columns),
        unknown_headers=template.unknown_headers,
        rows=rows,
    )


def _mark_duplicates(rows):
    first_row_of = {}
    for row in rows:
        key = mapping.identity_key(row.person_fields)
        if key is None:
            continue
        if key in first_row_of:
            row.add("", mapping.DUPLICATE_IN_FILE, other_row=first_row_of[key])
            continue
        first_row_of[key] = row.row
        if is_registered(key):
            row.add("", mapping.DUPLICATE_EXISTING)


def is_registered(key):
    """Whether a person with this (folded full name, birth date) exists: blind-index candidates, confirmed."""
    name, birth_date = key
    for person in find_people(name):
        if person.birth_date == birth_date and mapping.fold_name(f"{person.given_names} {person.family_names}") == name:
            return True
    return False


def import_rows(file, office, actor, *, today=None):
    """Write the valid, new rows (one transaction each); report what was written and what skipped."""
    if not may_import(actor, office):
        raise NotAllowed
    today = today or timezone.localdate()
    report = preview(file, office, today=today, actor=actor)
    for row in report.rows:
        if not row.valid:
            report.skipped.append((row.row, [problem for problem in row.problems if problem.blocking]))
            continue
        case = _write(row, office, actor, today)
        if case is None:
            report.skipped.append((row.row, [problem for problem in row.problems if problem.blocking]))
        else:
            report.written.append((row.row, case.reference))
    return report


def _write(row, office, actor, today):
    # Checked again inside the row's transaction: another import may have written the person since.
    with transaction.atomic(), audit.acting_as(actor):
        key = mapping.identity_key(row.person_fields)
        if key is not None and is_registered(key):
            row.add("", mapping.DUPLICATE_EXISTING)
            return None
        referrals = _referrals(row, actor)
        if referrals is None:
            return None
        try:
            # No actor: whoever opens a case works it until it has a team, and an import gives
            # the importer no access to the cases; the access event still names them (acting_as).
            case = services.case_open(actor=None, office=office, person_fields=row.person_fields, case_fields=row.case_fields, today=today)
        except ValidationError as error:
            _refused(row, error, mapping.COLUMN_OF_FIELD)
            return None
        _save_referrals(case, referrals, actor)
        return case


def _refused(row, error, column_of_field):
    fields = getattr(error, "error_dict", None) or {"": None}
    for name in sorted(fields):
        row.add(column_of_field.get(name, ""), mapping.NOT_SAVED)


def sent_at(day):
    """When an imported outgoing referral left: HTCDS gives the day only, so noon of it in our time
    zone (America/Lima), which every screen shows as that day."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)), timezone.get_default_timezone()) if day else None


def _referrals(row, actor):
    """The row's referrals, built and checked before anything is written: [IncomingReferral and/or
    CaseTransfer, without their case], or None (and NOT_SAVED problems) if the models refuse a value."""
    built = []
    if row.incoming_fields:
        incoming = IncomingReferral(recorded_by=actor, **row.incoming_fields)
        built.append((incoming, _column_of(mapping.INCOMING_COLUMNS), ["case", "recorded_by"]))
    if row.outgoing_fields:
        fields = dict(row.outgoing_fields)
        sent = sent_at(fields.pop("sent_on"))
        transfer = CaseTransfer(requested_by=actor, requested_at=sent or timezone.now(), downloaded_at=sent, imported=True, **fields)
        columns = {**_column_of(mapping.OUTGOING_COLUMNS), "downloaded_at": "cas_OutgoingReferralDate"}
        built.append((transfer, columns, ["case", "requested_by", "override"]))
    for instance, columns, exclude in built:
        try:
            instance.full_clean(exclude=exclude)
        except ValidationError as error:
            _refused(row, error, columns)
            return None
    return [instance for instance, _columns, _exclude in built]


def _column_of(columns):
    """Our field -> its HTCDS column, from mapping's column -> field."""
    return {ours: column for column, ours in columns.items()}


def _save_referrals(case, referrals, actor):
    for instance in referrals:
        instance.case = case
        instance.save()
    if referrals:
        written = ["incoming_referral" if isinstance(instance, IncomingReferral) else "case_transfer" for instance in referrals]
        audit.record(action=AccessAction.CREATE, target=case, actor=actor, fields=written, detail="HTCDS import: referrals")
