"""Backups of the configured database (DATABASES["default"]): one dump file and one manifest per run.

PostgreSQL: pg_dump's custom format, taken from a snapshot that a REPEATABLE READ transaction of
our own exports, so the row counts written to the manifest are exactly those of the dump even
while the application keeps writing; restored by pg_restore in one transaction. SQLite: the
online backup API (`sqlite3.Connection.backup`) in both directions. The client programs get the
connection from the environment (PGHOST, PGUSER, PGPASSWORD...), never the password in their
arguments, and run from an argument list, never through a shell.

The manifest says what a restore must find: the format, when, which database, the latest
migration of each app, the rows of each table and the dump's SHA-256. Nothing else: no value
of any row. The dump itself holds every row: encrypted fields only as ciphertext, but the
plaintext columns (codes, dates, staff accounts) as they are, so it must be kept encrypted.

Every expected failure raises BackupError, whose message names no value of any row.
"""

import datetime
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from casework import audit, rotation
from casework.models import AccessEvent

FORMAT_VERSION = 1
POSTGRESQL, SQLITE = "postgresql", "sqlite"
DUMP_SUFFIXES = {POSTGRESQL: ".pgdump", SQLITE: ".sqlite3"}
DUMP_FORMATS = {POSTGRESQL: "pg_dump custom format", SQLITE: "SQLite database file"}
NAME_PREFIX = "casework-"
MANIFEST_SUFFIX = ".json"

# Connection options of DATABASES[...]["OPTIONS"] that libpq also reads from the environment.
_LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "options": "PGOPTIONS",
}


class BackupError(Exception):
    """An expected failure: the message is for the operator and names no value of any row."""


@dataclass(frozen=True)
class Manifest:
    created_at: str  # ISO 8601, UTC
    database_vendor: str
    dump_file: str  # the dump's file name, in the manifest's folder
    dump_format: str
    dump_sha256: str
    dump_bytes: int
    migrations: dict  # app label -> its latest applied migration
    row_counts: dict  # table -> rows
    format_version: int = FORMAT_VERSION

    def to_json(self):
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text):
        try:
            data = json.loads(text)
        except ValueError:
            raise BackupError(_("The manifest is not valid JSON.")) from None
        if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
            raise BackupError(_("The manifest is not of a format this version knows (format %(version)s).") % {"version": FORMAT_VERSION})
        try:
            return cls(**{field.name: data[field.name] for field in fields(cls)})
        except KeyError as missing:
            raise BackupError(_("The manifest lacks the entry %(name)s.") % {"name": missing}) from None


# --- Pure helpers ----------------------------------------------------------------------------------


def backup_stem(moment):
    """ "casework-20261115T030000Z": sortable, and says when in UTC whatever the server's zone."""
    return NAME_PREFIX + moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def manifest_path_of(dump_path):
    return dump_path.with_suffix(MANIFEST_SUFFIX)


def latest_migrations(applied):
    """{app: latest migration name} from (app, name) pairs. Names start with their number, so the
    greatest name is the latest."""
    latest = {}
    for app, name in applied:
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def unknown_migrations(backup_migrations, known):
    """ "app.name" of each migration the backup has applied that the code lacks, for the apps the
    code has (`known`: (app, name) pairs of the code's migrations)."""
    apps_known = {app for app, _name in known}
    return sorted(f"{app}.{name}" for app, name in backup_migrations.items() if app in apps_known and (app, name) not in known)


def compare_counts(expected, actual):
    """(table, rows expected, rows found) for every table of either; None where a table is absent."""
    return [(table, expected.get(table), actual.get(table)) for table in sorted(expected.keys() | actual.keys())]


def libpq_environment(settings_dict, inherited):
    """The environment that points pg_dump and pg_restore at the database of `settings_dict`.

    The password goes in PGPASSWORD, never in the arguments (which any local user can list).
    """
    environment = dict(inherited)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            environment[variable] = str(settings_dict[key])
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in _LIBPQ_OPTIONS.items():
        if options.get(option) not in (None, ""):
            environment[variable] = str(options[option])
    return environment


def pg_dump_command(program, settings_dict, *, snapshot):
    """pg_dump's arguments: the database's name, never its password (libpq_environment() has it)."""
    options = ["--format=custom", "--no-owner", "--no-privileges", "--no-password", f"--snapshot={snapshot}"]
    return [program, *options, f"--dbname={settings_dict['NAME']}"]


def pg_restore_command(program, settings_dict, dump_path, *, replace):
    options = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--no-password"]
    if replace:
        options += ["--clean", "--if-exists"]  # drop what the backup holds first, in the same transaction
    return [program, *options, f"--dbname={settings_dict['NAME']}", str(dump_path)]


_QUOTED = re.compile(r"\"([^\"]*)\"|'([^']*)'")
_IDENTIFIER = re.compile(r"^[a-z0-9_$.:-]*$")


def error_line(text, *, limit=300):
    """The first error line of a database's or a client's message, with any quoted text that is not
    an identifier (a table, a column, a host) replaced by "...": a failing COPY would otherwise show
    a value."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = next((line for line in lines if "error" in line.lower()), lines[0] if lines else "")

    def redact(match):
        quoted = match.group(0)
        return quoted if _IDENTIFIER.match(quoted[1:-1]) else quoted[0] + "..." + quoted[0]

    line = _QUOTED.sub(redact, line)
    return line if len(line) <= limit else line[: limit - 3] + "..."


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- Reading a database ----------------------------------------------------------------------------


def quote_name(name):
    return '"' + name.replace('"', '""') + '"'


def table_names(cursor, vendor):
    """The database's own tables (PostgreSQL: those on the search path), sorted."""
    if vendor == POSTGRESQL:
        cursor.execute(
            "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND pg_catalog.pg_table_is_visible(c.oid)"
        )
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return sorted(name for (name,) in cursor.fetchall() if not name.startswith("sqlite_"))


def row_counts(cursor, vendor):
    counts = {}
    for table in table_names(cursor, vendor):
        # The name comes from the database's catalogue, and is quoted.
        cursor.execute(f"SELECT COUNT(*) FROM {quote_name(table)}")  # noqa: S608  # nosec B608
        counts[table] = cursor.fetchone()[0]
    return counts


def applied_migrations(cursor, tables):
    if "django_migrations" not in tables:
        return []
    cursor.execute("SELECT app, name FROM django_migrations")
    return cursor.fetchall()


def census(cursor, vendor):
    """(row counts per table, latest migration per app) of the database `cursor` reads."""
    counts = row_counts(cursor, vendor)
    return counts, latest_migrations(applied_migrations(cursor, counts))


def configured_vendor():
    if connection.vendor not in DUMP_SUFFIXES:
        raise BackupError(_("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {"vendor": connection.vendor})
    return connection.vendor


def configured_row_counts():
    with connection.cursor() as cursor:
        return row_counts(cursor, connection.vendor)


def code_migrations():
    """(app, name) of every migration the code has."""
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def pending_migrations():
    """How many of the code's migrations the configured database lacks."""
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


# --- Files -----------------------------------------------------------------------------------------


def _create_private_file(path):
    """Open a new file for writing, readable by its owner only; never reuse an existing one."""
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(_("%(path)s already exists; nothing was written.") % {"path": path}) from None
    except OSError as error:
        raise BackupError(_("Cannot create %(path)s: %(reason)s.") % {"path": path, "reason": error.strerror}) from None


def _write_private_text(path, text):
    partial = path.with_name(path.name + ".partial")
    descriptor = _create_private_file(partial)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(partial, path)


def read_manifest(path):
    """(dump path, manifest) from either the dump file or its manifest."""
    path = Path(path)
    manifest_path = path if path.suffix == MANIFEST_SUFFIX else manifest_path_of(path)
    try:
        manifest = Manifest.from_json(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(
            _("No manifest at %(path)s: a backup is the dump file and its manifest, side by side.") % {"path": manifest_path}
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or _("not a manifest")
        raise BackupError(_("Cannot read %(path)s: %(reason)s.") % {"path": manifest_path, "reason": reason}) from None
    if not isinstance(manifest.dump_file, str) or Path(manifest.dump_file).name != manifest.dump_file or not manifest.dump_file:
        raise BackupError(_("The manifest names its backup file wrongly: a file name, without a folder, is expected."))
    dump_path = manifest_path.with_name(manifest.dump_file) if path.suffix == MANIFEST_SUFFIX else path
    if not dump_path.is_file():
        raise BackupError(_("No backup file at %(path)s.") % {"path": dump_path})
    return dump_path, manifest


# --- Client programs -------------------------------------------------------------------------------


def _client_program(name):
    path = shutil.which(name)
    if path is None:
        raise BackupError(_("%(program)s is not installed (Debian: apt-get install postgresql-client).") % {"program": name})
    return path


def _run_client(command, **kwargs):
    program = Path(command[0]).name
    environment = libpq_environment(connection.settings_dict, os.environ)
    try:
        # An argument list and no shell: nothing in a path or a name is ever interpreted.
        result = subprocess.run(command, env=environment, stderr=subprocess.PIPE, check=False, **kwargs)  # noqa: S603
    except OSError as error:
        raise BackupError(_("Cannot run %(program)s: %(reason)s.") % {"program": program, "reason": error.strerror}) from None
    if result.returncode != 0:
        raise BackupError(
            _("%(program)s failed: %(error)s") % {"program": program, "error": error_line(result.stderr.decode("utf-8", errors="replace"))}
        )


# --- Backup ----------------------------------------------------------------------------------------


def _dump_postgresql(descriptor):
    pg_dump = _client_program("pg_dump")
    # A connection of our own holds the snapshot: its transaction stays open while pg_dump reads
    # the same snapshot, so the counts below and the dump agree row for row.
    snapshot_holder = connection.copy()
    try:
        with snapshot_holder.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_catalog.pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            counts, migrations = census(cursor, POSTGRESQL)
            _run_client(pg_dump_command(pg_dump, connection.settings_dict, snapshot=snapshot), stdout=descriptor)
            cursor.execute("ROLLBACK")
    finally:
        snapshot_holder.close()
    return counts, migrations


def _dump_sqlite(dump_path):
    connection.ensure_connection()
    target = sqlite3.connect(dump_path)
    try:
        connection.connection.backup(target)  # one step: a consistent copy, even in write-ahead-log mode
        # The copy inherits write-ahead-log mode; a backup should be one self-contained file.
        target.execute("PRAGMA journal_mode=DELETE")
        return census(target.cursor(), SQLITE)
    except sqlite3.Error as error:
        raise BackupError(_("The SQLite backup failed: %(reason)s.") % {"reason": error}) from None
    finally:
        target.close()


def make_backup(directory, *, now=None):
    """Write a backup of the configured database into `directory`; return (dump path, manifest)."""
    vendor = configured_vendor()
    moment = now or datetime.datetime.now(datetime.UTC)
    directory = Path(directory)
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(_("Cannot create the folder %(path)s: %(reason)s.") % {"path": directory, "reason": error.strerror}) from None
    dump_path = directory / (backup_stem(moment) + DUMP_SUFFIXES[vendor])
    descriptor = _create_private_file(dump_path)
    try:
        if vendor == POSTGRESQL:
            with os.fdopen(descriptor, "wb") as file:
                counts, migrations = _dump_postgresql(file)
        else:
            os.close(descriptor)  # SQLite opens the (empty, private) file itself
            counts, migrations = _dump_sqlite(dump_path)
        manifest = Manifest(
            created_at=moment.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            database_vendor=vendor,
            dump_file=dump_path.name,
            dump_format=DUMP_FORMATS[vendor],
            dump_sha256=sha256_of(dump_path),
            dump_bytes=dump_path.stat().st_size,
            migrations=migrations,
            row_counts=counts,
        )
        _write_private_text(manifest_path_of(dump_path), manifest.to_json())
    except BaseException:
        dump_path.unlink(missing_ok=True)  # never leave half a backup that looks like one
        raise
    return dump_path, manifest


# --- Restore ---------------------------------------------------------------------------------------


def _restore_postgresql(dump_path, *, replace):
    command = pg_restore_command(_client_program("pg_restore"), connection.settings_dict, dump_path, replace=replace)
    connection.close()  # no session of ours may hold a lock the restore would wait for
    try:
        _run_client(command, stdout=subprocess.DEVNULL)
    except BackupError as error:
        raise BackupError(_("%(error)s\nNothing was restored: the restore runs in one transaction.") % {"error": error}) from None


def _restore_sqlite(dump_path):
    connection.close()
    connection.ensure_connection()
    source = sqlite3.connect(dump_path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        # One step, inside the destination's write transaction: all of the backup or nothing.
        source.backup(connection.connection)
    except sqlite3.Error as error:
        raise BackupError(_("The SQLite restore failed: %(reason)s.") % {"reason": error}) from None
    finally:
        source.close()
        connection.close()


def check_backup(dump_path, manifest):
    """Refuse a backup that is not for the configured database, is damaged, or was made by newer code."""
    vendor = configured_vendor()
    if manifest.database_vendor != vendor:
        raise BackupError(
            _("This is a backup of a %(backup)s database; the configured database is %(configured)s. Nothing was restored.")
            % {"backup": manifest.database_vendor, "configured": vendor}
        )
    try:
        checksum = sha256_of(dump_path)
    except OSError as error:
        raise BackupError(_("Cannot read %(path)s: %(reason)s.") % {"path": dump_path, "reason": error.strerror}) from None
    if checksum != manifest.dump_sha256:
        raise BackupError(
            _("The backup file does not match the checksum in its manifest: it is damaged or was altered. Nothing was restored.")
        )
    newer = unknown_migrations(manifest.migrations, code_migrations())
    if newer:
        raise BackupError(
            _("The backup was made by a newer version of the application (migrations %(names)s); install that version first.")
            % {"names": ", ".join(newer)}
        )


def existing_tables():
    with connection.cursor() as cursor:
        return table_names(cursor, connection.vendor)


def restore_backup(dump_path, *, replace=False):
    """Put the backup's contents into the configured database (after check_backup()).

    PostgreSQL: into an empty database, or with `replace` over the tables the backup holds.
    SQLite: the whole file's contents are replaced either way.
    """
    if configured_vendor() == POSTGRESQL:
        _restore_postgresql(dump_path, replace=replace)
    else:
        _restore_sqlite(dump_path)


# --- Verification ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    counts: list  # compare_counts(): (table, rows in the backup, rows in the database)
    decryption: rotation.DecryptionCheck
    chain: audit.ChainReport

    @property
    def differing_tables(self):
        return [row for row in self.counts if row[1] != row[2]]

    @property
    def ok(self):
        return not self.differing_tables and self.decryption.ok and self.chain.ok


def verify_database(manifest, *, progress=None):
    """Check the configured database against a backup's manifest: the same rows in every table,
    every encrypted value decrypts with the configured keys, the access log's chain is intact.
    Reads only. `progress(description, total)` returns a bar with update(n) and close()."""
    progress = progress or rotation.no_progress
    counts = compare_counts(manifest.row_counts, configured_row_counts())
    decryption = rotation.check_decryption(progress=progress)
    bar = progress(_("Access log"), AccessEvent.objects.count())
    try:
        chain = audit.verify_chain(progress=bar.update)
    finally:
        bar.close()
    return Verification(counts, decryption, chain)
