"""Check the access log's hash chain and store the outcome (casework.audit.verify_chain)."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from casework import audit
from casework.models import AccessEvent


class Command(BaseCommand):
    @property
    def help(self):
        return _("Verifies that no row of the access log was changed, removed or reordered, and stores the outcome.")

    def handle(self, *, verbosity, **options):
        total = AccessEvent.objects.count()
        with tqdm(total=total, desc=_("Access log"), unit=" " + _("rows"), file=sys.stderr, disable=verbosity == 0) as bar:
            report = audit.verify_chain(progress=bar.update)
        audit.save_chain_report(report)
        if not report.ok:
            raise CommandError(
                _("The access log is broken at row %(sequence)s. %(reason)s")
                % {"sequence": report.first_broken_sequence, "reason": report.message}
            )
        self.stdout.write(_("All %(count)s rows are intact.") % {"count": report.rows_checked})
