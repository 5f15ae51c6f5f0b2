"""No sensitive value is ever at rest in plaintext: not in the database files, not in a pg_dump,
not in `dumpdata`.

Fifty cases are opened with distinctive canary values in every encrypted field of every model
(person, case, case note, review, break-the-glass grant, two-factor device, referral, visit record,
incoming referral, case transfer). Each check looks for every canary in
several forms (as typed, casefolded, with accents folded, and the project's own blind-index
normalisations, in UTF-8 and UTF-16), and also inside
any hex (bytea) or base64 blob of the dump, so a value stored as plaintext bytes in a binary
column is caught too. Each check also finds the rows' real ciphertexts in what it reads, so it
cannot pass by reading the wrong file or a database that holds nothing.

The data must be committed for another process (pg_dump) or the database file to see it, hence
`transaction=True`.
"""

import base64
import binascii
import contextlib
import datetime
import io
import json
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from casework import services
from casework.encryption import fold, identifier_form
from casework.fields import encrypted_fields
from casework.models import BreakGlassGrant, Case, CaseNote, CaseTransfer, IncomingReferral, Person, Review, TwoFactorDevice
from followup.models import FollowUpPlan, Visit, VisitRecord
from referrals.models import Provider, Referral, Service
from tests.conftest import service_missing
from tests.factories import OfficeFactory, UserFactory, open_case

pytestmark = pytest.mark.django_db(transaction=True)

CASES = 50
CANARY_WORD = "canary"  # in every text canary: no fragment of one may appear either


def person_canaries(i):
    values = {
        "given_names": f"Canary{i}Nómbre",
        "family_names": f"Canary{i}Apellído Quíspe",
        "aliases": [f"Canary{i}Alías"],
        "document_type": f"Canary{i}Típo",
        "document_number": f"CANARY-{i:04d}.DOC",
        "languages": ["spa", "que"],  # codes, checked by the model: covered, not searched for
        "preferred_language": "que",
        "needs_interpreter": True,
        "disabilities": ["VISUAL"],
        "safe_channels": ["SMS", "TRUSTED_PERSON"],
        "safe_hours": f"Canary{i}Horas: lunes 9 a 12",
        "contact_kept_secret": True,
        "must_not_know": f"Canary{i}Conviviente, el tío",
        "code_word": f"Canary{i}Palabra",
        "never_visit": f"Canary{i}Casa del tío, Av. Ejército 45",
        "phone": f"Canary{i}Fono +51 987 {i:03d}",
        "address": f"Jr. Canary{i}Calle 123, Puerto Maldonado",
        "notes": f"Canary{i}Nota: llegó acompañada de una tía.",
    }
    # Dates: never on the 1st (the plaintext age_band_changes_in is always a 1st) and in years no
    # plaintext column holds, so a date found in a dump can only be the encrypted one.
    if i % 2 == 0:
        values["birth_date"] = datetime.date(1985 + i % 10, 1 + i % 12, 2 + i % 27)
        values["age_estimate"] = None
    else:
        values["birth_date"] = None
        values["age_estimate"] = {
            "min": 20 + i % 20,
            "max": 25 + i % 20,
            "estimated_on": datetime.date(2019, 1 + i % 12, 2 + i % 27).isoformat(),
        }
    return values


def case_canaries(i):
    return {
        "place_identified": f"Canary{i}Lugar, Madre de Díos",
        "summary": f"Canary{i}Resumen: captada con una oferta de trabajo.",
        "statement_reference": f"Canary{i}Carpeta fiscal 2026-{i:04d}",
        "needs_notes": f"Canary{i}Necesita lentes y un albergue.",
    }


def note_canaries(i):
    return {"text": f"Canary{i}Nota de caso: la visité en su casa."}


def review_canaries(i):
    return {"reason": f"Canary{i}Motivo: vive con su tía", "decision_note": f"Canary{i}Decisión: conforme"}


def grant_canaries(i):
    return {"reason": f"Canary{i}Urgencia: llamó desde Cusco"}


def referral_canaries(i):
    return {"note": f"Canary{i}Derivación: la recibe la psicóloga del CEM"}


def visit_record_canaries(i):
    return {
        "not_seen_detail": f"Canary{i}Motivo: el tío vigila la casa",
        "goals": [{"goal": f"Canary{i}Meta: terminar la secundaria", "status": "IN_PROGRESS"}],
        "notes": f"Canary{i}Visita: trabaja en un restaurante de Tambopata",
    }


def incoming_referral_canaries(i):
    return {"caseworker": f"Canary{i}Fiscal Ñahuí", "details": f"Canary{i}Llegó derivada por la fiscalía de Tambopata"}


def case_transfer_canaries(i):
    return {"caseworker": f"Canary{i}Psicóloga Huamán", "details": f"Canary{i}Derivada al albergue de Cusco"}


def device_canaries(i):
    # A TOTP secret is hex; this one spells out the canary word so that the search can find it.
    return {"key": f"{CANARY_WORD}{i:04d}{'0' * 30}"}


# Every model with encrypted fields, and the canaries each case's rows carry.
ENCRYPTED_MODELS = {
    Person: "person",
    Case: "case",
    CaseNote: "note",
    Review: "review",
    BreakGlassGrant: "grant",
    TwoFactorDevice: "device",
    Referral: "referral",
    VisitRecord: "visit record",
    IncomingReferral: "incoming referral",
    CaseTransfer: "case transfer",
}


def texts_of(value):
    """The strings a stored value is made of."""
    if value is None:
        return []
    if isinstance(value, datetime.date):
        return [value.isoformat()]
    if isinstance(value, list):
        return [text for item in value for text in texts_of(item)]
    if isinstance(value, dict):
        return [text for item in value.values() if isinstance(item, str) for text in texts_of(item)]
    return [str(value)]


def is_canary(text):
    """Distinctive enough to search for ("spa", a language code, is not)."""
    return CANARY_WORD in text.casefold() or re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) is not None


def all_canaries():
    """(where, text) of every sensitive value of the fifty cases."""
    found = []
    for i in range(CASES):
        canaries = (
            person_canaries(i),
            case_canaries(i),
            note_canaries(i),
            review_canaries(i),
            grant_canaries(i),
            device_canaries(i),
            referral_canaries(i),
            visit_record_canaries(i),
            incoming_referral_canaries(i),
            case_transfer_canaries(i),
        )
        for model, values in zip(ENCRYPTED_MODELS.values(), canaries, strict=True):
            found += [(f"{model} {i} {name}", text) for name, value in values.items() for text in texts_of(value) if is_canary(text)]
    return found


def ascii_folded(text):
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def needles(text):
    """Byte strings that would betray `text`, in lower case (haystacks are lowered too)."""
    forms = {text, text.casefold(), ascii_folded(text), fold(text), identifier_form(text)}
    return {form.lower().encode(encoding) for form in forms if form for encoding in ("utf-8", "utf-16-le")}


def leaks(haystack):
    """Where each canary found in `haystack` came from; empty when nothing leaked."""
    lowered = haystack.lower()
    found = [where for where, text in all_canaries() if any(needle in lowered for needle in needles(text))]
    if any(CANARY_WORD.encode(encoding) in lowered for encoding in ("utf-8", "utf-16-le")):
        found.append(f"the word {CANARY_WORD!r}")
    return found


def stored_ciphertexts():
    """Every encrypted column value of the people and cases, read raw with SQL."""
    ciphertexts = []
    with connection.cursor() as cursor:
        for model in ENCRYPTED_MODELS:
            for field in encrypted_fields(model):
                table, column = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(field.column)
                cursor.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608 (names from the models)
                ciphertexts += [bytes(value) for (value,) in cursor.fetchall()]
    return ciphertexts


@pytest.fixture
def canary_cases():
    office = OfficeFactory(code="CAN", name="Oficina de prueba", region="17")
    author = UserFactory(username="note-author")
    cases = [open_case(office, case_fields=case_canaries(i), **person_canaries(i)) for i in range(CASES)]
    decider = UserFactory(username="decider")
    provider = Provider.objects.create(name="Centro Emergencia Mujer", sector="SOCIAL_PROTECTION", region="17")
    service = Service.objects.create(provider=provider, name="Psicología", type="PSYCHOLOGICAL", sector="SOCIAL_PROTECTION", regions=["17"])
    for i, case in enumerate(cases):
        services.note_add(actor=author, case=case, **note_canaries(i))
        decided = {"status": "APPROVED", "decided_by": decider, "decided_at": timezone.now()}
        Review.objects.create(case=case, kind="CASE_CLOSURE", requested_by=author, **decided, **review_canaries(i))
        expires = timezone.now() + datetime.timedelta(hours=4)
        BreakGlassGrant.objects.create(case=case, user=decider, expires_at=expires, **grant_canaries(i))
        TwoFactorDevice.objects.create(user=UserFactory(username=f"supervisor-{i}"), **device_canaries(i))
        Referral.objects.create(case=case, service=service, need="PSYCHOLOGICAL", created_by=author, **referral_canaries(i))
        plan = FollowUpPlan.objects.create(case=case, care_ended_on=case.opened_on, created_by=author)
        due = case.opened_on + datetime.timedelta(days=30)
        visit = Visit.objects.create(plan=plan, case=case, track="ADULT", offset_months=1, due=due, window_opens=due, window_closes=due)
        VisitRecord.objects.create(visit=visit, recorded_by=author, seen=False, **visit_record_canaries(i))
        IncomingReferral.objects.create(case=case, organisation="Fiscalía Provincial", recorded_by=author, **incoming_referral_canaries(i))
        CaseTransfer.objects.create(
            case=case,
            organisation="Casa Refugio",
            requested_by=author,
            imported=True,
            downloaded_at=timezone.now(),
            **case_transfer_canaries(i),
        )
    ciphertexts = stored_ciphertexts()
    # Per case: 18 always-set person fields + birth date or age estimate, 4 case fields, a note, a
    # review (2), a grant, a referral's note, a visit record (3), an incoming referral (2), a case
    # transfer (2); and one supervisor's TOTP secret.
    assert len(ciphertexts) == CASES * (18 + 1 + 4 + 1 + 2 + 1 + 1 + 3 + 2 + 2 + 1)
    return cases, ciphertexts


def test_the_canaries_cover_every_encrypted_field():
    covered = {f"person.{name}" for name in {*person_canaries(0), *person_canaries(1)}}
    covered |= {f"case.{name}" for name in case_canaries(0)} | {f"casenote.{name}" for name in note_canaries(0)}
    covered |= {f"review.{name}" for name in review_canaries(0)} | {f"breakglassgrant.{name}" for name in grant_canaries(0)}
    covered |= {f"twofactordevice.{name}" for name in device_canaries(0)} | {f"referral.{name}" for name in referral_canaries(0)}
    covered |= {f"visitrecord.{name}" for name in visit_record_canaries(0)}
    covered |= {f"incomingreferral.{name}" for name in incoming_referral_canaries(0)}
    covered |= {f"casetransfer.{name}" for name in case_transfer_canaries(0)}
    encrypted = {f"{model._meta.model_name}.{field.name}" for model in apps.get_models() for field in encrypted_fields(model)}
    assert covered == encrypted, "give the new encrypted field a canary value here"
    assert len(all_canaries()) >= 50


def test_the_canaries_are_readable_through_the_models(canary_cases):
    cases, _ = canary_cases
    for i, opened in enumerate(cases):
        case = Case.objects.select_related("person").get(pk=opened.pk)
        assert {name: getattr(case.person, name) for name in person_canaries(i)} == person_canaries(i)
        assert {name: getattr(case, name) for name in case_canaries(i)} == case_canaries(i)
        assert case.notes.get().text == note_canaries(i)["text"]


def test_dumpdata_holds_no_canary(canary_cases):
    _, ciphertexts = canary_cases
    out = io.StringIO()
    call_command("dumpdata", "casework", "referrals", "followup", format="json", stdout=out)
    dump = out.getvalue()
    decoded = []
    for record in json.loads(dump):
        for value in record["fields"].values():
            if isinstance(value, str):
                with contextlib.suppress(binascii.Error, ValueError):  # not base64: a plain value
                    decoded.append(base64.b64decode(value, validate=True))
    found = leaks(dump.encode("utf-8") + b"\n" + b"\n".join(decoded))
    assert not found, f"dumpdata writes {len(found)} sensitive values in plaintext: {', '.join(found[:12])}"
    missing = [ciphertext for ciphertext in ciphertexts if base64.b64encode(ciphertext).decode("ascii") not in dump]
    assert not missing, f"{len(missing)} of {len(ciphertexts)} stored ciphertexts are not in the dump: it is not dumping these rows"


def test_the_sqlite_database_files_hold_no_canary(canary_cases):
    if connection.vendor != "sqlite":
        pytest.skip("the database is not SQLite")
    _, ciphertexts = canary_cases
    path = Path(connection.settings_dict["NAME"])
    assert path.is_file(), f"the SQLite test database should be a file, not {path}"
    with connection.cursor() as cursor:
        # Move everything from the write-ahead log into the main file, then truncate the log.
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _, _ = cursor.fetchone()
    assert busy == 0, "another connection kept the checkpoint from completing"
    connection.close()
    files = [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]
    contents = b"".join(file.read_bytes() for file in files if file.exists())
    found = leaks(contents)
    assert not found, f"{len(found)} sensitive values are in plaintext in the SQLite files: {', '.join(found[:12])}"
    missing = [ciphertext for ciphertext in ciphertexts if ciphertext not in contents]
    assert not missing, f"{len(missing)} of {len(ciphertexts)} stored ciphertexts are not in {path}: it is the wrong file"


def test_a_pg_dump_of_the_database_holds_no_canary(canary_cases):
    if connection.vendor != "postgresql":
        pytest.skip("the database is not PostgreSQL")
    _, ciphertexts = canary_cases
    pg_dump = shutil.which("pg_dump") or "/usr/bin/pg_dump"
    if not Path(pg_dump).is_file():
        service_missing("pg_dump is not installed")
    database = connection.settings_dict
    command = [pg_dump, "--no-password", "--dbname", database["NAME"]]
    if database["HOST"]:
        command += ["--host", database["HOST"]]
    if database["PORT"]:
        command += ["--port", str(database["PORT"])]
    if database["USER"]:
        command += ["--username", database["USER"]]
    environment = {**os.environ, "PGPASSWORD": database["PASSWORD"] or "", "PGCONNECT_TIMEOUT": "10"}
    result = subprocess.run(command, capture_output=True, env=environment, timeout=120, check=False)
    assert result.returncode == 0, f"pg_dump failed: {result.stderr.decode(errors='replace')}"
    dump = result.stdout
    # bytea columns are dumped as hex (\x...): decode them, so plaintext bytes in one are caught too.
    decoded = [binascii.unhexlify(blob[: len(blob) // 2 * 2]) for blob in re.findall(rb"\\x([0-9a-f]+)", dump)]
    found = leaks(dump + b"\n" + b"\n".join(decoded))
    assert not found, f"pg_dump shows {len(found)} sensitive values in plaintext: {', '.join(found[:12])}"
    missing = [ciphertext for ciphertext in ciphertexts if ciphertext.hex().encode("ascii") not in dump]
    assert not missing, f"{len(missing)} of {len(ciphertexts)} stored ciphertexts are not in the dump: it is the wrong database"
