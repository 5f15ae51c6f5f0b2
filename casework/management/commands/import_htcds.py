"""Import people and cases from a filled HTCDS 2.0 Excel template (casework.htcds; docs/htcds.md).

Dry run by default: prints what each column becomes and each row's problems. `--confirm` writes
the valid rows that are not duplicates. The output names rows by number and columns by their HTCDS
field name, never a cell's content: the file holds names and contacts of people in danger.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.htcds import importer, mapping, reader
from casework.models import Office, User

HEADER_NOTES = {
    "field_from_label": gettext_lazy("no field name in the header, read from its label"),
    "label_disagrees": gettext_lazy("the header's field name and label disagree: the field name is taken"),
}


class Command(BaseCommand):
    @property
    def help(self):
        return _("Checks a filled HTCDS 2.0 Excel template (dry run) or, with --confirm, imports its valid rows into an office.")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("The .xlsx workbook."))
        parser.add_argument("--office", required=True, help=_("Code of the office the cases go to, e.g. LIM."))
        parser.add_argument("--user", required=True, help=_("Username of the administrator or supervisor importing."))
        parser.add_argument("--confirm", action="store_true", help=_("Write the valid rows (without it nothing is written)."))

    def handle(self, *, file, office, user, confirm, **options):
        office = Office.objects.filter(code=office.strip().upper()).first()
        if office is None:
            raise CommandError(_("There is no office with that code."))
        actor = User.objects.filter(username=user).first()
        if actor is None or not importer.may_import(actor, office):
            raise CommandError(_("That user does not exist, is inactive, or is neither an administrator nor a supervisor of the office."))
        try:
            report = importer.import_rows(file, office, actor) if confirm else importer.preview(file, office, actor=actor)
        except FileNotFoundError:
            raise CommandError(_("The file does not exist.")) from None
        except reader.TemplateError as error:
            raise CommandError(f"{error} ({error.code})") from None
        self._columns(report)
        self._rows(report)
        self._summary(report, confirm)

    def _columns(self, report):
        self.stdout.write(
            _("Sheet %(sheet)s, header rows %(rows)s, %(count)s filled rows.")
            % {"sheet": report.sheet, "rows": ", ".join(map(str, report.header_rows)), "count": len(report.rows)}
        )
        self.stdout.write(_("Columns:"))
        for column in report.columns:
            target = f" -> {column.target}" if column.target else ""
            why = f" ({column.why})" if column.why else ""
            header = f" [{HEADER_NOTES[column.note]}]" if column.note in HEADER_NOTES else ""
            self.stdout.write(f"  {column.letter} {column.field}{header}: {column.status_text}{target}{why}")
        if report.unknown_headers:
            self.stdout.write(_("Headers that are not HTCDS 2.0 columns, ignored: %(count)s.") % {"count": len(report.unknown_headers)})

    def _rows(self, report):
        self.stdout.write(_("Rows:"))
        for row in report.rows:
            if not row.problems:
                self.stdout.write(_("  row %(row)s: valid") % {"row": row.row})
                continue
            verdict = _("valid, with notes") if row.valid else _("not importable")
            self.stdout.write(f"  {_('row %(row)s') % {'row': row.row}}: {verdict}")
            for problem in row.problems:
                self.stdout.write(f"    - {self._problem(problem)}")

    @staticmethod
    def _problem(problem):
        where = problem.column or _("row")
        text = str(problem.text)
        if problem.code == mapping.DUPLICATE_IN_FILE:
            text = f"{text} ({_('row %(row)s') % {'row': problem.other_row}})"
        return f"{where}: {problem.code}: {text}"

    def _summary(self, report, confirm):
        counts = {"valid": len(report.valid_rows), "invalid": len(report.invalid_rows)}
        if not confirm:
            self.stdout.write(
                _("Dry run, nothing written: %(valid)s rows can be imported, %(invalid)s cannot. Add --confirm to import.") % counts
            )
            return
        for number, reference in report.written:
            self.stdout.write(_("Written: row %(row)s as case %(reference)s.") % {"row": number, "reference": reference})
        for number, problems in report.skipped:
            codes = ", ".join(sorted({problem.code for problem in problems}))
            self.stdout.write(_("Skipped: row %(row)s (%(codes)s).") % {"row": number, "codes": codes})
        self.stdout.write(
            self.style.SUCCESS(
                _("%(written)s cases imported, %(skipped)s rows skipped.")
                % {"written": len(report.written), "skipped": len(report.skipped)}
            )
        )
