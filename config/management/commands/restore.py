"""`manage.py restore FILE [--force | --verify-only]`: restore a backup into the configured database and
verify it (config.management.backups)."""

from functools import partial

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from django.utils.translation import gettext as _

from casework.rotation import progress_bar
from config.management import backups


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Restores a backup made by the backup command into the configured database (DATABASE_URL), after checking its "
            "checksum, then verifies the result: row counts equal to the manifest, every encrypted value decrypts with the "
            "configured keys, the access log's chain is intact. See docs/backup.md."
        )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("The backup file (its manifest must be next to it)."))
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--force",
            action="store_true",
            help=_("Replace the contents of a database that already holds tables (without it, only an empty database is restored into)."),
        )
        mode.add_argument(
            "--verify-only",
            action="store_true",
            help=_("Restore nothing: verify the configured database against the backup's manifest."),
        )

    def handle(self, *, file, force, verify_only, verbosity, **options):
        try:
            self._handle(file, force=force, verify_only=verify_only, verbosity=verbosity)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        except DatabaseError as error:
            raise CommandError(_("The database cannot be reached or read: %(error)s") % {"error": backups.error_line(str(error))}) from None

    def _handle(self, file, *, force, verify_only, verbosity):
        dump_path, manifest = backups.read_manifest(file)
        backups.check_backup(dump_path, manifest)
        if not verify_only:
            self._restore(dump_path, manifest, force=force)
        verification = backups.verify_database(manifest, progress=partial(progress_bar, disable=verbosity == 0))
        self._report(verification)
        if not verification.ok:
            raise CommandError(_("Verification failed: %(problems)s.") % {"problems": "; ".join(self._problems(verification))})
        self.stdout.write(_("Verification passed: the database holds what the backup holds, readable with the configured keys."))
        pending = backups.pending_migrations()
        if pending:
            self.stdout.write(_("The code has %(count)s migrations the database lacks: run manage.py migrate.") % {"count": pending})

    def _restore(self, dump_path, manifest, *, force):
        name = connection.settings_dict["NAME"]
        tables = backups.existing_tables()
        if tables and not force:
            raise backups.BackupError(
                _(
                    "The database %(name)s already holds %(count)s tables; nothing was restored. Restore into a new, empty "
                    "database, or add --force to replace its contents."
                )
                % {"name": name, "count": len(tables)}
            )
        if tables:
            self.stdout.write(_("--force: the contents of the database %(name)s are replaced by the backup.") % {"name": name})
        backups.restore_backup(dump_path, replace=bool(tables))
        self.stdout.write(
            _("Restored %(file)s (made %(created)s) into the database %(name)s.")
            % {"file": dump_path.name, "created": manifest.created_at, "name": name}
        )

    def _report(self, verification):
        self.stdout.write(_("Rows per table (in the backup / in the database):"))
        for table, expected, found in verification.counts:
            mark = "" if expected == found else "  <- " + _("differs")
            self.stdout.write(f"  {table}: {self._count(expected)} / {self._count(found)}{mark}")
        decryption = verification.decryption
        if decryption.ok:
            self.stdout.write(_("Encrypted values: all %(count)s decrypt with the configured keys.") % {"count": decryption.total})
        else:
            self.stdout.write(
                _("Encrypted values: %(failed)s of %(count)s do not decrypt with the configured keys:")
                % {"failed": decryption.failed, "count": decryption.total}
            )
            for name, failed in sorted(decryption.failures.items()):
                self.stdout.write(f"  {name}: {failed}")
        self.stdout.write(_("Access log: %(message)s") % {"message": verification.chain.message})

    @staticmethod
    def _count(rows):
        return "-" if rows is None else str(rows)

    @staticmethod
    def _problems(verification):
        problems = []
        if verification.differing_tables:
            problems.append(_("%(count)s tables do not hold the rows the backup holds") % {"count": len(verification.differing_tables)})
        if not verification.decryption.ok:
            problems.append(
                _("%(count)s encrypted values do not decrypt (configure the keys the backup was made with)")
                % {"count": verification.decryption.failed}
            )
        if not verification.chain.ok:
            problems.append(_("the access log is broken at row %(sequence)s") % {"sequence": verification.chain.first_broken_sequence})
        return problems
