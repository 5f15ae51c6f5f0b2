"""Re-encrypt field values and recompute blind-index tokens under the active keys (casework.rotation)."""

import argparse
from functools import partial

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casework import rotation


def _positive_int(raw):
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(_("must be a whole number of at least 1, not %(value)r") % {"value": raw})
    return value


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Re-encrypts every encrypted value that is not under the active field key, and recomputes the search tokens "
            "that are not under the active blind-index key. Safe to interrupt and run again."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=_positive_int,
            default=rotation.DEFAULT_BATCH_SIZE,
            help=_("Rows read per query (default: %(default)s)."),
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", help=_("Count what would change; write nothing."))
        mode.add_argument(
            "--verify",
            action="store_true",
            help=_("Write nothing; show how many values are under each key, and fail if any key is not configured."),
        )

    def handle(self, *, batch_size, dry_run, verify, verbosity, **options):
        progress = partial(rotation.progress_bar, disable=verbosity == 0)
        if verify:
            self._verify(rotation.key_census(batch_size=batch_size, progress=progress))
        else:
            self._rotate(rotation.rotate_keys(batch_size=batch_size, dry_run=dry_run, progress=progress))

    def _rotate(self, report):
        if report.dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
            lines = [
                (_("Values that would be re-encrypted"), report.reencrypted),
                (_("Values already under the active key"), report.unchanged),
                (_("Values that cannot be read (key not configured)"), report.unreadable),
                (_("People whose search tokens would be recomputed"), report.people_reindexed),
                (_("Search tokens under an old key"), report.tokens_replaced),
            ]
        else:
            lines = [
                (_("Values re-encrypted"), report.reencrypted),
                (_("Values skipped (changed concurrently; run again to finish them)"), report.skipped),
                (_("Values already under the active key"), report.unchanged),
                (_("Values that cannot be read (key not configured, or altered)"), report.unreadable),
                (_("People whose search tokens were recomputed"), report.people_reindexed),
                (_("Search tokens under an old key replaced"), report.tokens_replaced),
                (_("People whose search tokens could not be recomputed"), report.people_failed),
            ]
        for label, count in lines:
            self.stdout.write(f"{label}: {count}")
        if report.failed:
            raise CommandError(
                _("Some values could not be read. Configure the keys they were written with, or look at the access log for the rows.")
            )

    def _verify(self, census):
        self.stdout.write(
            _("Field encryption keys configured: %(keys)s (active: %(active)s).")
            % {"keys": ", ".join(census.field_key_ids), "active": census.field_active_key}
        )
        for name, counts in census.fields.items():
            self.stdout.write(f"  {name}: {self._counts(counts)}")
        self.stdout.write(
            _("Blind-index keys configured: %(keys)s (active: %(active)s).")
            % {"keys": ", ".join(census.token_key_ids), "active": census.token_active_key}
        )
        self.stdout.write(f"  {_('search tokens')}: {self._counts(census.tokens)}")
        problems = []
        if census.unknown_field_keys:
            message = _("Values are under field keys that are not configured: %(keys)s.")
            problems.append(message % {"keys": ", ".join(census.unknown_field_keys)})
        if census.unknown_token_keys:
            message = _("Search tokens are under blind-index keys that are not configured: %(keys)s.")
            problems.append(message % {"keys": ", ".join(census.unknown_token_keys)})
        if problems:
            raise CommandError(" ".join(problems))

    @staticmethod
    def _counts(counts):
        return ", ".join(f"{key_id}={count}" for key_id, count in sorted(counts.items())) or "-"
