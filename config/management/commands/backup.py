"""`manage.py backup [--output DIR]`: a dump of the configured database and its manifest (config.management.backups)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from config.management import backups


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Writes a backup of the database: one file named with the UTC time (readable by its owner only) and a manifest "
            "next to it (migrations, row counts, checksum). See docs/backup.md."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help=_("Folder to write the backup into (default: backups/ in VAR_DIR, which is var/ unless set)."),
        )

    def handle(self, *, output, verbosity, **options):
        directory = output or Path(settings.VAR_DIR) / "backups"
        try:
            dump_path, manifest = backups.make_backup(directory)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        except DatabaseError as error:
            raise CommandError(_("The database cannot be read: %(error)s") % {"error": backups.error_line(str(error))}) from None
        self.stdout.write(_("Backup: %(path)s (%(size)s bytes)") % {"path": dump_path, "size": manifest.dump_bytes})
        self.stdout.write(_("Manifest: %(path)s") % {"path": backups.manifest_path_of(dump_path)})
        if verbosity > 1:
            for table, rows in manifest.row_counts.items():
                self.stdout.write(f"  {table}: {rows}")
        self.stdout.write(
            _("%(tables)s tables, %(rows)s rows.") % {"tables": len(manifest.row_counts), "rows": sum(manifest.row_counts.values())}
        )
        self.stdout.write(_("The file holds the agency's data: encrypt it before it leaves this machine (docs/backup.md)."))
