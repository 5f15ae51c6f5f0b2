"""`manage.py backup` and `manage.py restore`: a backup restores whole into an empty database.

The world is the one of tests/casework/test_no_plaintext_at_rest.py: fifty cases with a canary in
every encrypted field of every model. The backup is restored into an empty database (PostgreSQL: a
second database on the same server, `<test database>_restore`; SQLite: a new file), reached the
way production reaches it: the default connection pointed at it, as DATABASE_URL does. There every
table holds the rows of the source, every encrypted value decrypts with the configured keys, the
people's names read back, and the access log's chain verifies. The backup's bytes hold no canary:
the file as stored, and for PostgreSQL also the SQL that pg_restore makes of it, since the custom
format is compressed and a scan of the file alone would find nothing whatever it held. The scan
also finds every row's real ciphertext there, so it reads the data and not something else.

Also: a backup with one byte changed is refused by its checksum and nothing is written; a database
that already holds tables is replaced only with --force; the verification fails on wrong keys, an
edited access log and a missing row.

pg_dump reads committed data from its own connection, hence `transaction=True`.
"""

import binascii
import contextlib
import hashlib
import io
import json
import re
import shutil
import stat
import subprocess

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation
from psycopg import sql

from casework import audit, rotation
from casework.encryption import generate_key
from casework.models import Case, Person, PersonSearchToken
from config.management import backups
from tests.casework import test_no_plaintext_at_rest as at_rest
from tests.conftest import service_missing
from tests.factories import OfficeFactory, open_case

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

canary_cases = at_rest.canary_cases  # the fixture: fifty cases with a canary in every encrypted field
BACKUP_NAME = re.compile(r"^casework-\d{8}T\d{6}Z\.(pgdump|sqlite3)$")


@pytest.fixture(autouse=True)
def postgresql_clients():
    if connection.vendor == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        service_missing("pg_dump and pg_restore are not installed (postgresql-client)")


@contextlib.contextmanager
def server_session(settings_dict):
    """An autocommit session on the server's `postgres` database, to create and drop databases."""
    with psycopg.connect(
        dbname="postgres",
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        user=settings_dict["USER"] or None,
        password=settings_dict["PASSWORD"] or None,
        autocommit=True,
    ) as session:
        yield session


@pytest.fixture
def empty_database(tmp_path):
    """The settings of a new, empty database: SQLite a new file, PostgreSQL a new database."""
    source = connection.settings_dict
    if connection.vendor == "sqlite":
        yield {**source, "NAME": str(tmp_path / "restored.sqlite3")}
        return
    name = f"{source['NAME']}_restore"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with server_session(source) as session:
        session.execute(drop)
        session.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield {**source, "NAME": name}
    finally:
        with server_session(source) as session:
            session.execute(drop)


@contextlib.contextmanager
def configured_database(settings_dict):
    """The default connection pointed at another database, as DATABASE_URL points the commands."""
    original = connection.settings_dict
    connection.close()
    connection.settings_dict = settings_dict
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict = original


def back_up(directory):
    call_command("backup", output=directory, verbosity=0, stdout=io.StringIO())
    (dump,) = (path for path in directory.iterdir() if path.suffix != backups.MANIFEST_SUFFIX)
    return dump


def restore(dump, **options):
    out = io.StringIO()
    with translation.override("en"):
        call_command("restore", str(dump), verbosity=0, stdout=out, **options)
    return out.getvalue()


def refusal(dump, **options):
    """The message restore fails with."""
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("restore", str(dump), verbosity=0, stdout=io.StringIO(), **options)
    return str(refused.value)


def backup_contents(dump):
    """What to search for plaintext: the file as stored and, for PostgreSQL, the SQL that pg_restore
    makes of it, with its bytea columns (hex) decoded so plaintext bytes in one are caught too."""
    raw = dump.read_bytes()
    if connection.vendor != "postgresql":
        return raw, raw
    script = subprocess.run([shutil.which("pg_restore"), "--file=-", str(dump)], capture_output=True, check=True, timeout=120).stdout
    decoded = [binascii.unhexlify(blob[: len(blob) // 2 * 2]) for blob in re.findall(rb"\\x([0-9a-f]+)", script)]
    return b"\n".join([raw, script, *decoded]), script


def test_a_backup_restores_whole_and_readable_into_an_empty_database_and_holds_no_plaintext(canary_cases, tmp_path, empty_database):
    _, ciphertexts = canary_cases
    source_counts = backups.configured_row_counts()
    dump = back_up(tmp_path / "backups")
    manifest_path = backups.manifest_path_of(dump)

    assert BACKUP_NAME.match(dump.name), dump.name
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert stat.S_IMODE(manifest_path.stat().st_mode) == 0o600
    manifest = json.loads(manifest_path.read_text())
    assert manifest["row_counts"] == source_counts
    assert manifest["dump_sha256"] == hashlib.sha256(dump.read_bytes()).hexdigest()
    assert manifest["database_vendor"] == connection.vendor
    assert manifest["migrations"]["casework"].startswith("00")

    contents, data = backup_contents(dump)
    found = at_rest.leaks(contents + b"\n" + manifest_path.read_bytes())
    assert not found, f"the backup holds {len(found)} sensitive values in plaintext: {', '.join(found[:12])}"
    missing = [ciphertext for ciphertext in ciphertexts if ciphertext not in data and ciphertext.hex().encode() not in data]
    assert not missing, f"{len(missing)} of {len(ciphertexts)} stored ciphertexts are not in the backup: the scan read something else"

    with configured_database(empty_database):
        assert backups.existing_tables() == []
        output = restore(dump)
        restored_counts = backups.configured_row_counts()
        decryption = rotation.check_decryption()
        chain = audit.verify_chain()
        names = {person.given_names for person in Person.objects.all()}

    assert "Verification passed" in output
    assert restored_counts == source_counts
    assert decryption.ok, dict(decryption.failures)
    assert decryption.total == len(ciphertexts)
    assert chain.ok, chain.message
    assert chain.rows_checked == source_counts["casework_accessevent"] > 0
    assert names == {at_rest.person_canaries(i)["given_names"] for i in range(at_rest.CASES)}


def test_a_damaged_backup_is_refused_by_its_checksum_and_nothing_is_written(tmp_path, empty_database):
    open_case(OfficeFactory(code="LIM", name="Lima", region="15"))
    dump = back_up(tmp_path / "backups")
    damaged = bytearray(dump.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01
    dump.write_bytes(damaged)

    with configured_database(empty_database):
        message = refusal(dump)
        assert backups.existing_tables() == []
    assert "checksum" in message
    assert "Nothing was restored" in message


def test_a_database_that_holds_data_is_replaced_only_with_force(tmp_path):
    lima = OfficeFactory(code="LIM", name="Lima", region="15")
    open_case(lima)
    dump = back_up(tmp_path / "backups")
    manifest = json.loads(backups.manifest_path_of(dump).read_text())
    open_case(lima, given_names="Added", family_names="After the backup")
    before = backups.configured_row_counts()

    message = refusal(dump)
    assert "already holds" in message
    assert "--force" in message
    assert backups.configured_row_counts() == before

    output = restore(dump, force=True)
    assert "replaced by the backup" in output
    assert "Verification passed" in output
    assert backups.configured_row_counts() == manifest["row_counts"]
    assert Case.objects.count() == 1


def test_the_verification_fails_on_other_keys_an_edited_access_log_and_a_missing_row(tmp_path, settings):
    open_case(OfficeFactory(code="LIM", name="Lima", region="15"), given_names="Rosa")
    dump = back_up(tmp_path / "backups")
    assert "Verification passed" in restore(dump, verify_only=True)

    real_keys = settings.FIELD_ENCRYPTION_KEYS, settings.FIELD_ENCRYPTION_ACTIVE_KEY
    settings.FIELD_ENCRYPTION_KEYS, settings.FIELD_ENCRYPTION_ACTIVE_KEY = f"other:{generate_key()}", "other"
    message = refusal(dump, verify_only=True)
    assert "do not decrypt" in message
    assert "Rosa" not in message
    settings.FIELD_ENCRYPTION_KEYS, settings.FIELD_ENCRYPTION_ACTIVE_KEY = real_keys

    table, detail = connection.ops.quote_name("casework_accessevent"), connection.ops.quote_name("detail")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {detail} = 'edited' WHERE sequence = 1")  # noqa: S608 (names quoted)
    message = refusal(dump, verify_only=True)
    assert "access log is broken at row 1" in message

    PersonSearchToken.objects.first().delete()
    message = refusal(dump, verify_only=True)
    assert "do not hold the rows the backup holds" in message


def test_a_backup_made_by_newer_code_is_refused(tmp_path, empty_database):
    open_case(OfficeFactory(code="LIM", name="Lima", region="15"))
    dump = back_up(tmp_path / "backups")
    manifest_path = backups.manifest_path_of(dump)
    manifest = json.loads(manifest_path.read_text())
    manifest["migrations"]["casework"] = "9999_from_the_future"
    manifest_path.write_text(json.dumps(manifest))

    with configured_database(empty_database):
        message = refusal(dump)
        assert backups.existing_tables() == []
    assert "newer version" in message
    assert "casework.9999_from_the_future" in message


def test_the_password_reaches_the_postgresql_clients_only_through_their_environment():
    database = {"NAME": "casework", "HOST": "db.internal", "PORT": 5432, "USER": "casework", "PASSWORD": "s3cret-pw"}
    database["OPTIONS"] = {"sslmode": "verify-full", "pool": True}
    commands = [
        backups.pg_dump_command("pg_dump", database, snapshot="00000003-1"),
        backups.pg_restore_command("pg_restore", database, "/backups/x.pgdump", replace=True),
    ]
    environment = backups.libpq_environment(database, {"PATH": "/usr/bin"})

    assert not any("s3cret-pw" in argument for command in commands for argument in command)
    assert environment == {
        "PATH": "/usr/bin",
        "PGHOST": "db.internal",
        "PGPORT": "5432",
        "PGUSER": "casework",
        "PGPASSWORD": "s3cret-pw",
        "PGSSLMODE": "verify-full",
    }
    assert "--dbname=casework" in commands[0]
    assert commands[1][-1] == "/backups/x.pgdump"


def test_a_client_error_shows_identifiers_but_no_value():
    stderr = (
        'pg_restore: error: COPY failed for table "casework_user": ERROR:  value too long for type character varying(150): '
        '"maria.quispe@example.org"\nCONTEXT:  COPY casework_user, line 3: "Quispe Mamani"'
    )
    line = backups.error_line(stderr)
    assert '"casework_user"' in line
    assert "maria" not in line
    assert "Quispe" not in line
