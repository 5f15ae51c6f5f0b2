"""The HTCDS 2.0 import screen (docs/htcds.md, "The upload screen"): upload, check, confirm.

Step 1 chooses the office and the workbook; step 2 shows what each column becomes and each row's
problems, and writes nothing; step 3 writes the valid rows (casework.htcds.importer).

Nothing of the file is kept between the check and the confirmation: the confirmation carries a
signed token (the file's SHA-256, the office and the user, valid for an hour) and the same file,
chosen again. A file that is not the one checked is checked instead, and nothing is written. The
upload stays in memory (never a temporary file on disk), and the pages name rows by number and
columns by their HTCDS field name: no name, contact or file name from the workbook is echoed.
"""

import hashlib
import io
import re
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.cache import add_never_cache_headers
from django.utils.html import escape, format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from .htcds import importer, mapping, reader
from .models import Office

TOKEN_SALT = "casework.import_views.htcds_preview"  # noqa: S105 (a namespace for the signature, not a secret)
TOKEN_MAX_AGE = 60 * 60  # seconds to confirm what was checked
XLSX_ACCEPT = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADER_NOTES = {
    "field_from_label": gettext_lazy("no field name in the header, read from its label"),
    "label_disagrees": gettext_lazy("the header's field name and label disagree: the field name is taken"),
}


# --- The upload, in memory only --------------------------------------------------------------


class InMemoryUploadHandler(FileUploadHandler):
    """Keeps uploaded files in memory, never in a temporary file on disk (the workbook holds names
    of people in danger), and skips them once together they pass `max_bytes` (`refused` tells)."""

    def __init__(self, request=None, *, max_bytes):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0
        self.refused = False
        self.file = None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file = io.BytesIO()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.refused = True
            raise SkipFile
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size):
        self.file.seek(0)
        return InMemoryUploadedFile(
            file=self.file,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def sha256_of(upload):
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


# --- The confirmation token ------------------------------------------------------------------


def confirmation_token(user, office, sha256):
    """What the confirmation must match: this file, this office, this user (signed, timestamped)."""
    return signing.dumps({"user": user.pk, "office": office.pk, "sha256": sha256}, salt=TOKEN_SALT)


def previewed(token, user):
    """The token's {office, sha256} if it is intact, less than an hour old and the user's; else None."""
    try:
        payload = signing.loads(token or "", salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired included
        return None
    if not isinstance(payload, dict) or payload.get("user") != user.pk:
        return None
    return payload


# --- Forms -----------------------------------------------------------------------------------


def template_error_text(code):
    """A reader.TemplateError, said in the user's language (the reader's own text is English)."""
    max_bytes, max_rows = importer.upload_limits()
    texts = {
        "not_xlsx": _(
            "The file cannot be read as an Excel workbook (.xlsx). A workbook with macros is refused too: "
            "save it as a plain .xlsx workbook."
        ),
        "too_large": _("The file is larger than the limit of %(size)s, or expands to more data than it allows.")
        % {"size": filesizeformat(max_bytes)},
        "too_many_rows": _("The workbook has more than %(rows)s filled rows, or too many formatted empty rows: split it.")
        % {"rows": max_rows},
        "no_headers": _("No sheet has the HTCDS 2.0 header row (field names such as prs_FirstName, or their labels)."),
    }
    return texts.get(code, texts["not_xlsx"])


class UploadForm(forms.Form):
    office = forms.ModelChoiceField(label=gettext_lazy("Office the cases go to"), queryset=Office.objects.none())
    workbook = forms.FileField(
        label=gettext_lazy("Filled HTCDS 2.0 template (.xlsx)"),
        widget=forms.FileInput(attrs={"accept": XLSX_ACCEPT}),
        allow_empty_file=False,
    )

    def __init__(self, *args, offices, refused_as_too_large=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices.order_by("code")
        self.refused_as_too_large = refused_as_too_large
        if refused_as_too_large:  # the handler dropped the file: say why instead of "required"
            self.fields["workbook"].required = False

    def clean_workbook(self):
        workbook = self.cleaned_data.get("workbook")
        max_bytes, _max_rows = importer.upload_limits()
        if self.refused_as_too_large or (workbook is not None and workbook.size > max_bytes):
            raise forms.ValidationError(_("The file is larger than the limit of %(size)s.") % {"size": filesizeformat(max_bytes)})
        if not workbook.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(
                _("Choose an Excel workbook (.xlsx): other formats (.xls, .ods, .csv) cannot be read. Save the template as .xlsx first.")
            )
        return workbook


class ConfirmForm(forms.Form):
    """Rendered only: the view checks the token itself and the file with UploadForm's checks."""

    token = forms.CharField(widget=forms.HiddenInput)
    workbook = forms.FileField(
        label=gettext_lazy("The same file, chosen again"),
        help_text=gettext_lazy("The file is not kept on the server: choose it again to import it."),
        widget=forms.FileInput(attrs={"accept": XLSX_ACCEPT}),
    )


# --- What the pages show ---------------------------------------------------------------------


_BREAK_POINTS = re.compile(r"(?<=[_.])|(?<=[a-z])(?=[A-Z])")


def breakable(name):
    """A field name that may wrap on a phone (vic_TraffickingStatusDecisionMakingOrg is wider than one)."""
    first, *rest = _BREAK_POINTS.split(name)
    html = escape(first)
    for part in rest:
        html = format_html("{}<wbr>{}", html, part)
    return html


@dataclass(frozen=True)
class ProblemLine:
    column: str  # "prs_Birthdate (G)", or "" for the row as a whole; may hold <wbr>
    text: str
    blocking: bool


def problem_lines(problems, letters):
    lines = []
    for problem in problems:
        column = breakable(f"{problem.column} ({letters[problem.column]})" if problem.column in letters else problem.column)
        text = str(problem.text)
        if problem.code == mapping.DUPLICATE_IN_FILE and problem.other_row:
            text = f"{text} ({_('row %(row)s') % {'row': problem.other_row}})"
        lines.append(ProblemLine(column, text, problem.blocking))
    return lines


def number_ranges(numbers):
    """[3, 4, 5, 9] -> "3-5, 9" (with an en dash): the valid rows, short."""
    ranges, numbers = [], sorted(numbers)
    for number in numbers:
        if ranges and number == ranges[-1][1] + 1:
            ranges[-1][1] = number
        else:
            ranges.append([number, number])
    return ", ".join(str(first) if first == last else f"{first}\N{EN DASH}{last}" for first, last in ranges)


def _letters(report):
    return {column.field: column.letter for column in report.columns}


def preview_context(report, office, token):
    letters = _letters(report)
    checked = [(row.row, row.valid, problem_lines(row.problems, letters)) for row in report.rows if row.problems]
    columns = [(column, breakable(column.field), breakable(column.target), HEADER_NOTES.get(column.note, "")) for column in report.columns]
    return {
        "office": office,
        "report": report,
        "columns": columns,
        "checked": checked,
        "clean_rows": number_ranges(row.row for row in report.rows if not row.problems),
        "valid_count": len(report.valid_rows),
        "invalid_count": len(report.invalid_rows),
        "confirm": ConfirmForm(initial={"token": token}),
    }


def result_context(report, office):
    letters = _letters(report)
    skipped = [(number, problem_lines(problems, letters)) for number, problems in report.skipped]
    return {"office": office, "report": report, "skipped": skipped}


# --- The view --------------------------------------------------------------------------------


@csrf_exempt  # only so that the upload handler is set before the POST is read: csrf_protect checks it below
@require_http_methods(["GET", "HEAD", "POST"])
def htcds_import(request):
    """Upload a filled HTCDS 2.0 template, see its check, then confirm to import its valid rows."""
    handler = InMemoryUploadHandler(request, max_bytes=importer.upload_limits()[0])
    request.upload_handlers = [handler]
    response = _htcds_import(request, handler)
    add_never_cache_headers(response)
    return response


@csrf_protect
@login_required
def _htcds_import(request, handler):
    offices = importer.offices_open_to(request.user)
    if not offices.exists():
        raise PermissionDenied
    if request.method != "POST":
        single = offices.first() if offices.count() == 1 else None
        return _upload_page(request, UploadForm(offices=offices, initial={"office": single}))
    if "token" in request.POST:
        return _confirm(request, offices, handler)
    form = UploadForm(request.POST, request.FILES, offices=offices, refused_as_too_large=handler.refused)
    return _check(request, form)


def _upload_page(request, form):
    max_bytes, max_rows = importer.upload_limits()
    return render(request, "casework/htcds_import.html", {"form": form, "max_size": filesizeformat(max_bytes), "max_rows": max_rows})


def _valid_upload(request, form):
    """(office, workbook) of a valid form the user may import with, else None."""
    if not form.is_valid():
        return None
    office = form.cleaned_data["office"]
    if not importer.may_import(request.user, office):
        raise PermissionDenied
    return office, form.cleaned_data["workbook"]


def _check(request, form):
    """Step 2: the preview of the uploaded file. Writes nothing (the duplicate search is logged)."""
    upload = _valid_upload(request, form)
    if upload is None:
        return _upload_page(request, form)
    office, workbook = upload
    try:
        report = importer.preview(workbook, office, actor=request.user)
    except reader.TemplateError as error:
        form.add_error("workbook", template_error_text(error.code))
        return _upload_page(request, form)
    token = confirmation_token(request.user, office, sha256_of(workbook))
    return render(request, "casework/htcds_import_preview.html", preview_context(report, office, token))


def _confirm(request, offices, handler):
    """Step 3: the same file again, matched against the token; then the valid rows are written."""
    payload = previewed(request.POST.get("token"), request.user)
    if payload is None:
        messages.error(
            request, _("This check is more than an hour old or was not made by you. Nothing was imported: check the file again.")
        )
        return _upload_page(request, UploadForm(offices=offices))
    office = Office.objects.filter(pk=payload.get("office")).first()
    if office is None or not importer.may_import(request.user, office):
        raise PermissionDenied
    form = UploadForm({"office": office.pk}, request.FILES, offices=offices, refused_as_too_large=handler.refused)
    upload = _valid_upload(request, form)
    if upload is None:
        messages.error(request, _("Nothing was imported: choose the file you checked again."))
        return _upload_page(request, form)
    office, workbook = upload
    if sha256_of(workbook) != payload.get("sha256"):
        messages.warning(
            request, _("This is not the file you checked, so nothing was imported. Here is the check of the file you chose now.")
        )
        return _check(request, form)
    try:
        report = importer.import_rows(workbook, office, request.user)
    except reader.TemplateError as error:  # e.g. the limits changed meanwhile
        form.add_error("workbook", template_error_text(error.code))
        return _upload_page(request, form)
    except importer.NotAllowed:
        raise PermissionDenied from None
    return render(request, "casework/htcds_import_result.html", result_context(report, office))
