"""Read a filled HTCDS 2.0 Excel template: its header row(s) and its rows, as untrusted text.

Pure (no Django models). Both published variants (the plain one, and "single select with
validation", which adds a validation sheet) put the HTCDS field names in row 1 and the labels in
row 2 of the first sheet, with a row number in column A and the data from row 3. The published
files disagree with themselves in places (row 1 names the mailing columns in another order than
row 2, and the outgoing-referral reason has a label but no field name): the field name wins when
there is one, the label fills in when there is none, and each disagreement is reported.

Never evaluates formulas (cached values only, `data_only=True`), streams the sheet
(`read_only=True`), refuses what is not an .xlsx workbook, and caps the file's size, its
uncompressed size and the number of rows.
"""

import datetime
import os
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_ROWS = 5000
MAX_CELL_CHARS = 2000
# A zip bomb expands far beyond the file's size: refuse a workbook that would.
MAX_EXPANSION = 40
# The template numbers 1000 empty rows; a sheet of a million formatted rows is refused, not scanned.
MAX_ROWS_SCANNED_PER_FILLED = 20
HEADER_SCAN_ROWS = 10
MIN_HEADER_MATCHES = 5

# The HTCDS field name of each column label of the template (row 2), and the field names that
# differ between the template and the XLSForm (the template's spelling is the key).
FIELD_BY_LABEL = {
    "case owner": "cas_CaseOwner",
    "salutation": "prs_Salutation",
    "first name": "prs_FirstName",
    "second name": "prs_SecondName",
    "consent": "con_Consent",
    "birthdate": "prs_Birthdate",
    "gender": "prs_Gender",
    "citizenship": "prs_Citizenship",
    "title": "prs_Title",
    "email": "prs_Email",
    "home phone": "prs_HomePhone",
    "mobile phone": "prs_MobilePhone",
    "mailing street": "prs_MailingStreet",
    "mailing city": "prs_MailingCity",
    "mailing state/province": "prs_MailingState",
    "mailing zip/postal code": "prs_MailingPostalCode",
    "mailing country": "prs_MailingCountry",
    "trafficking status": "vic_TraffickingStatus",
    "trafficking status decision making organization": "vic_TraffickingStatusDecisionMakingOrg",
    "method of recruitment": "vic_MethodOfRecruitment",
    "location of recruitment": "vic_LocationOfRecruitment",
    "methods of control": "vic_MethodsOfControl",
    "type of exploitation": "vic_TypeOfExploitation",
    "forced labour industry": "vic_ForcedLabourIndustry",
    "type of sex exploitation": "vic_TypeOfSexExploitation",
    "location of exploitation": "vic_LocationOfExploitation",
    "status": "cas_Status",
    "referring organisation": "cas_ReferringOrganisation",
    "incoming referral date": "cas_IncomingReferralDate",
    "referring primary case worker": "cas_ReferringPrimaryCaseWorker",
    "reason for incoming referral": "cas_ReasonForIncomingReferral",
    "incoming referral details": "cas_IncomingReferralDetails",
    "referred organisation": "cas_ReferredOrganisation",
    "referred primary case worker": "cas_ReferredPrimaryCaseWorker",
    "reason for outgoing referral": "cas_ReasonForOutgoingReferral",
    "outgoing referral date": "cas_OutgoingReferralDate",
    "outgoing referral details": "cas_OutgoingReferralDetails",
    "reason for case closure": "cas_ReasonForCaseClosure",
}
KNOWN_FIELDS = frozenset(FIELD_BY_LABEL.values())
# Spellings found in the published files, to the one used here.
FIELD_ALIASES = {
    "vic_TraffickinStatusDecisionMakingOrg": "vic_TraffickingStatusDecisionMakingOrg",  # the Excel templates' typo
    "vic_Methods_of_Control": "vic_MethodsOfControl",  # the XLSForm's spelling
}

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class TemplateError(Exception):
    """The file cannot be read as an HTCDS template. `code` is stable; the message holds no cell content."""

    def __init__(self, code, message):
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class Column:
    index: int  # 0-based position in the sheet
    letter: str
    field: str  # the HTCDS field name
    label: str = ""
    note: str = ""  # why the field was read from the label, or the label disagrees with the name


@dataclass
class Template:
    sheet: str
    header_rows: tuple
    columns: list
    rows: list = field(default_factory=list)  # (row number as Excel shows it, {field: str or date})
    unknown_headers: list = field(default_factory=list)  # header texts that name no HTCDS field

    @property
    def fields(self):
        return [column.field for column in self.columns]


def column_letter(index):
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def clean_text(value):
    """A cell's text as untrusted input: normalised, without control characters, trimmed and capped."""
    text = unicodedata.normalize("NFC", str(value))
    text = _CONTROL_CHARACTERS.sub("", text).replace("\r\n", "\n").strip()
    return text[:MAX_CELL_CHARS]


def cell_value(value):
    """A cell as the mapping sees it: None, a date, or text (numbers and booleans become text)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean_text(value)
    return text or None


def _field_name(text):
    name = clean_text(text) if text is not None else ""
    name = FIELD_ALIASES.get(name, name)
    return name if name in KNOWN_FIELDS else None


def _label_field(text):
    return FIELD_BY_LABEL.get(" ".join(clean_text(text).casefold().split())) if text is not None else None


def check_file(path_or_file, *, max_bytes=DEFAULT_MAX_BYTES):
    """Refuse, with a TemplateError, what is not an .xlsx workbook of a sensible size."""
    name = path_or_file if isinstance(path_or_file, str | os.PathLike) else getattr(path_or_file, "name", "") or ""
    if name and not str(name).lower().endswith(".xlsx"):
        raise TemplateError("not_xlsx", "The file is not an Excel workbook (.xlsx).")
    size = _size_of(path_or_file)
    if size > max_bytes:
        raise TemplateError("too_large", f"The file is larger than the limit of {max_bytes // 1024} KiB.")
    try:
        with zipfile.ZipFile(path_or_file) as archive:
            names = set(archive.namelist())
            expanded = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise TemplateError("not_xlsx", "The file is not an Excel workbook (.xlsx).") from None
    finally:
        _rewind(path_or_file)
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise TemplateError("not_xlsx", "The file is not an Excel workbook (.xlsx).")
    if "xl/vbaProject.bin" in names:
        raise TemplateError("not_xlsx", "The workbook contains macros: save it as a plain .xlsx workbook.")
    if expanded > max_bytes * MAX_EXPANSION:
        raise TemplateError("too_large", "The workbook expands to more data than the limit allows.")


def _size_of(path_or_file):
    if isinstance(path_or_file, str | os.PathLike):
        return os.path.getsize(path_or_file)
    position = path_or_file.tell()
    path_or_file.seek(0, os.SEEK_END)
    size = path_or_file.tell()
    path_or_file.seek(position)
    return size


def _rewind(path_or_file):
    if hasattr(path_or_file, "seek"):
        path_or_file.seek(0)


def _find_header(head_rows):
    """(index of the field-name row or None, index of the label row or None) among the first rows."""
    names_row = labels_row = None
    for index, row in enumerate(head_rows):
        if names_row is None and sum(1 for value in row if _field_name(value)) >= MIN_HEADER_MATCHES:
            names_row = index
        elif labels_row is None and sum(1 for value in row if _label_field(value)) >= MIN_HEADER_MATCHES:
            labels_row = index
        if names_row is not None and labels_row is not None:
            break
    return names_row, labels_row


def _columns(head_rows, names_row, labels_row):
    width = max(len(row) for row in head_rows)
    names = head_rows[names_row] if names_row is not None else ()
    labels = head_rows[labels_row] if labels_row is not None else ()
    columns, unknown, seen = [], [], set()
    for index in range(width):
        raw_name = names[index] if index < len(names) else None
        raw_label = labels[index] if index < len(labels) else None
        by_name, by_label = _field_name(raw_name), _label_field(raw_label)
        chosen, note = by_name or by_label, ""
        if by_name and by_label and by_name != by_label:
            note = "label_disagrees"
        elif by_label and not by_name:
            note = "field_from_label"
        if chosen is None:
            unknown.extend(clean_text(raw) for raw in (raw_name, raw_label) if raw is not None and clean_text(raw))
            continue
        if chosen in seen:
            unknown.append(chosen)
            continue
        seen.add(chosen)
        label = clean_text(raw_label) if raw_label is not None else ""
        columns.append(Column(index=index, letter=column_letter(index), field=chosen, label=label, note=note))
    return columns, unknown


def read_template(path_or_file, *, max_bytes=DEFAULT_MAX_BYTES, max_rows=DEFAULT_MAX_ROWS):
    """The HTCDS columns and the non-empty rows of the first sheet that has the HTCDS headers."""
    import openpyxl

    check_file(path_or_file, max_bytes=max_bytes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns that it drops the validation lists: we never need them
        try:
            workbook = openpyxl.load_workbook(path_or_file, read_only=True, data_only=True, keep_links=False)
        except Exception:  # openpyxl raises many kinds on a damaged file; none is the user's data
            raise TemplateError("not_xlsx", "The workbook could not be read.") from None
    try:
        return _read_first_template_sheet(workbook, max_rows)
    finally:
        workbook.close()


def _read_first_template_sheet(workbook, max_rows):
    for sheet in workbook.worksheets:
        head_rows = [tuple(row) for row in sheet.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True)]
        if not head_rows:
            continue
        names_row, labels_row = _find_header(head_rows)
        if names_row is None and labels_row is None:
            continue
        columns, unknown = _columns(head_rows, names_row, labels_row)
        header_rows = tuple(index + 1 for index in (names_row, labels_row) if index is not None)
        template = Template(sheet=sheet.title, header_rows=header_rows, columns=columns, unknown_headers=unknown)
        template.rows = _data_rows(sheet, columns, first_row=max(header_rows) + 1, max_rows=max_rows)
        return template
    raise TemplateError("no_headers", "No sheet has the HTCDS 2.0 header row (field names such as prs_FirstName, or their labels).")


def _data_rows(sheet, columns, *, first_row, max_rows):
    rows = []
    for offset, cells in enumerate(sheet.iter_rows(min_row=first_row, values_only=True)):
        if offset >= max_rows * MAX_ROWS_SCANNED_PER_FILLED:
            raise TemplateError("too_many_rows", "The sheet has too many rows, filled or not: copy the filled ones into a new template.")
        values = {column.field: cell_value(cells[column.index]) if column.index < len(cells) else None for column in columns}
        if not any(value is not None for value in values.values()):
            continue  # the template numbers its empty rows in column A
        if len(rows) >= max_rows:
            raise TemplateError("too_many_rows", f"The workbook has more than {max_rows} filled rows: split it.")
        rows.append((first_row + offset, values))
    return rows
