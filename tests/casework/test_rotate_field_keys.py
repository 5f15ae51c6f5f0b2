"""Key rotation (manage.py rotate_field_keys): every value ends under the active key, still readable."""

import datetime
import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from casework import rotation
from casework.encryption import BlindIndex, generate_key
from casework.fields import EncryptedFieldMisuse, RowBoundCiphertext, encrypted_fields
from casework.keys import field_cipher
from casework.models import AccessAction, AccessEvent, Case, Person, PersonSearchToken
from casework.search import find_people
from tests.factories import open_case

TODAY = datetime.date(2026, 6, 1)


@pytest.fixture
def keys():
    return {key_id: generate_key() for key_id in ("k1", "k2", "k3", "b1", "b2")}


@pytest.fixture
def use_keys(settings, keys):
    """Configure the keyrings by id: use_keys(["k1", "k2"], "k2"). casework.keys forgets its cache."""

    def configure(field_ids=None, field_active=None, index_ids=None, index_active=None):
        if field_ids is not None:
            settings.FIELD_ENCRYPTION_KEYS = ",".join(f"{key_id}:{keys[key_id]}" for key_id in field_ids)
            settings.FIELD_ENCRYPTION_ACTIVE_KEY = field_active or field_ids[-1]
        if index_ids is not None:
            settings.BLIND_INDEX_KEY = ",".join(f"{key_id}:{keys[key_id]}" for key_id in index_ids)
            settings.BLIND_INDEX_ACTIVE_KEY = index_active or index_ids[-1]

    configure(["k1"], "k1", ["b1"], "b1")
    return configure


@pytest.fixture
def cases(use_keys, lima):
    """Three cases written under k1 (and index key b1): every kind of encrypted value, some empty."""
    return [
        open_case(
            lima,
            today=TODAY,
            given_names="María José",
            family_names="Quispe Mamani",
            aliases=["Majo", "La Flaca"],
            document_number="12.345.678",
            languages=["spa", "que"],
            case_fields={"place_identified": "Mina La Rinconada, Puno", "summary": "Captada con una oferta de trabajo en una cocina."},
        ),
        open_case(
            lima,
            today=TODAY,
            given_names="Ana",
            family_names="",
            birth_date=None,
            age_estimate={"min": 14, "max": 17, "estimated_on": "2026-03-01"},
            document_number="",
            phone="",
        ),
        open_case(lima, today=TODAY, given_names="Rosa Elvira", family_names="Huamán Ccori"),
    ]


def run(*args):
    """Run the command in English, without progress bars; return what it printed."""
    out = io.StringIO()
    with translation.override("en"):
        call_command("rotate_field_keys", *args, stdout=out, verbosity=0)
    return out.getvalue()


def summary(output):
    """The "Label: number" lines of the command's summary, as a dictionary."""
    return {label: int(count) for label, count in re.findall(r"^(\S[^:\n]*): (\d+)$", output, flags=re.MULTILINE)}


def verify_lines(output):
    """The per-field lines of --verify: {"casework.person.phone": {"k2": 3}}."""
    found = {}
    for name, counts in re.findall(r"^  (casework\.\w+\.\w+): (.+)$", output, flags=re.MULTILINE):
        found[name] = {key_id: int(count) for key_id, count in re.findall(r"([\w-]+)=(\d+)", counts)}
    return found


def stored_values():
    """{(model, pk, field): ciphertext} for every non-empty encrypted value, read raw."""
    values = {}
    for model in (Person, Case):
        fields = encrypted_fields(model)
        for pk, *stored in model.objects.values_list("pk", *(field.attname for field in fields)):
            values.update({(model, pk, field.name): value for field, value in zip(fields, stored, strict=True) if value is not None})
    return values


def stored_key_ids():
    return Counter(field_cipher().key_id_of(value) for value in stored_values().values())


def plaintexts():
    """Every encrypted value of every person and case, decrypted through the models."""
    found = {}
    for model in (Person, Case):
        for instance in model.objects.all():
            found[(model, instance.pk)] = {field.name: getattr(instance, field.name) for field in encrypted_fields(model)}
    return found


def rotation_events():
    return AccessEvent.objects.filter(action=AccessAction.KEY_ROTATION).count()


def test_it_walks_every_model_with_encrypted_fields():
    found = {model: [field.name for field in fields] for model, fields in rotation.encrypted_models()}
    assert set(found) >= {Person, Case}
    assert set(found[Case]) == {field.name for field in encrypted_fields(Case)} >= {"place_identified", "summary"}
    assert set(found[Person]) == {field.name for field in encrypted_fields(Person)}


def test_an_exact_filter_on_a_ciphertext_matches_only_the_row_holding_it(cases):
    person = cases[0].person
    stored = Person.objects.filter(pk=person.pk).values_list("phone_ct", flat=True).get()
    assert list(Person.objects.filter(phone=RowBoundCiphertext(stored))) == [person]
    assert not Person.objects.filter(phone=RowBoundCiphertext(stored + b"x")).exists()
    with pytest.raises(EncryptedFieldMisuse):
        Person.objects.filter(phone="+51 987 654 321").exists()


def test_values_end_under_each_new_active_key_and_stay_readable_when_old_keys_are_dropped(use_keys, cases):
    before = plaintexts()
    values = len(stored_values())
    assert stored_key_ids() == {"k1": values}

    use_keys(["k1", "k2"], "k2")
    result = summary(run())
    assert result["Values re-encrypted"] == values
    assert result["Values skipped (changed concurrently; run again to finish them)"] == 0
    assert result["Values already under the active key"] == 0
    assert stored_key_ids() == {"k2": values}
    assert plaintexts() == before
    census = verify_lines(run("--verify"))
    assert census["casework.person.given_names"] == {"k2": 3}
    assert census["casework.case.summary"] == {"k2": 3}
    assert all(set(counts) <= {"k2"} for counts in census.values())
    assert sum(sum(counts.values()) for counts in census.values()) == values
    assert rotation_events() == 1

    second = summary(run())
    assert second["Values re-encrypted"] == 0
    assert second["Values already under the active key"] == values
    assert rotation_events() == 1, "a run that changes nothing records nothing"

    use_keys(["k1", "k2", "k3"], "k3")
    assert summary(run())["Values re-encrypted"] == values
    assert stored_key_ids() == {"k3": values}
    assert plaintexts() == before

    use_keys(["k3"], "k3")
    assert plaintexts() == before
    assert set(verify_lines(run("--verify"))["casework.person.family_names"]) == {"k3"}
    assert summary(run())["Values re-encrypted"] == 0


def test_the_rotation_event_holds_counts_and_no_values(use_keys, cases):
    use_keys(["k1", "k2"], "k2")
    run()
    event = AccessEvent.objects.get(action=AccessAction.KEY_ROTATION)
    assert re.fullmatch(r"(\w+=\d+ ?)+", event.detail)
    assert f"reencrypted={len(stored_values())}" in event.detail
    assert (event.object_type, event.object_id, event.fields) == ("", "", [])


def test_it_walks_every_row_when_the_rows_span_many_batches(use_keys, cases, lima):
    open_case(lima, today=TODAY, given_names="Lucía")
    before = plaintexts()
    use_keys(["k1", "k2"], "k2")
    assert summary(run("--batch-size", "1"))["Values re-encrypted"] == len(stored_values())
    assert set(stored_key_ids()) == {"k2"}
    assert plaintexts() == before


def test_a_dry_run_counts_what_would_change_and_writes_nothing(use_keys, cases):
    values, tokens = stored_values(), set(PersonSearchToken.objects.values_list("token", flat=True))
    use_keys(["k1", "k2"], "k2", ["b1", "b2"], "b2")
    result = summary(run("--dry-run"))
    assert result["Values that would be re-encrypted"] == len(values)
    assert result["People whose search tokens would be recomputed"] == 3
    assert result["Search tokens under an old key"] == len(tokens)
    assert stored_values() == values
    assert set(PersonSearchToken.objects.values_list("token", flat=True)) == tokens
    assert rotation_events() == 0


def test_verify_writes_nothing_and_fails_when_a_value_is_under_a_key_that_is_not_configured(use_keys, cases):
    values = stored_values()
    use_keys(["k2"], "k2")
    with pytest.raises(CommandError, match="not configured: k1"):
        run("--verify")
    assert stored_values() == values


def test_verify_counts_search_tokens_per_blind_index_key(use_keys, cases):
    output = run("--verify")
    tokens = PersonSearchToken.objects.count()
    assert f"search tokens: b1={tokens}" in output
    use_keys(index_ids=["b2"])
    with pytest.raises(CommandError, match="blind-index keys that are not configured: b1"):
        run("--verify")


def test_values_under_a_missing_key_are_left_alone_and_the_command_fails(use_keys, cases):
    values = stored_values()
    use_keys(["k2"], "k2")
    with pytest.raises(CommandError, match="could not be read"):
        run()
    assert stored_values() == values
    assert rotation_events() == 0


def test_a_value_that_fails_to_decrypt_is_reported_and_logged_while_the_others_are_rotated(use_keys, cases):
    maria, ana = cases[0].person, cases[1].person
    # Maria's phone copied into Ana's row: it no longer authenticates there.
    maria_phone = Person.objects.filter(pk=maria.pk).values_list("phone_ct", flat=True).get()
    Person.objects.filter(pk=ana.pk).update(phone=RowBoundCiphertext(maria_phone))
    use_keys(["k1", "k2"], "k2")
    output = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError):
        call_command("rotate_field_keys", stdout=output, verbosity=0)
    result = summary(output.getvalue())
    assert result["Values that cannot be read (key not configured, or altered)"] == 1
    assert result["Values re-encrypted"] == len(stored_values()) - 1
    assert stored_key_ids() == {"k2": len(stored_values()) - 1, "k1": 1}
    failure = AccessEvent.objects.get(action=AccessAction.DECRYPTION_FAILED)
    assert (failure.object_id, failure.fields) == (str(ana.pk), ["phone"])
    assert rotation_events() == 1


def test_a_value_saved_between_the_read_and_the_write_is_never_overwritten(use_keys, cases, monkeypatch):
    person = cases[0].person
    before = plaintexts()
    reencrypt, edited = rotation.reencrypt, []

    def edit_first(cipher, field, pk, stored):
        if pk == person.pk and not edited:  # a caseworker saves while the rotation holds the old value
            edited.append(field.name)
            fresh = Person.objects.get(pk=pk)
            fresh.phone = "+51 911 222 333"
            fresh.save()
        return reencrypt(cipher, field, pk, stored)

    use_keys(["k1", "k2"], "k2")
    monkeypatch.setattr(rotation, "reencrypt", edit_first)
    first = summary(run())
    person_values = sum(1 for model, pk, _ in stored_values() if pk == person.pk)
    assert edited
    assert first["Values skipped (changed concurrently; run again to finish them)"] == person_values
    assert Person.objects.get(pk=person.pk).phone == "+51 911 222 333"

    monkeypatch.undo()
    second = summary(run())
    assert second["Values re-encrypted"] == person_values - 1, "the rest of the row is done by the next run"
    assert set(stored_key_ids()) == {"k2"}
    after = plaintexts()
    assert after[(Person, person.pk)].pop("phone") == "+51 911 222 333"
    assert before[(Person, person.pk)].pop("phone") == "+51 987 654 321"
    assert after == before


def test_rotating_the_blind_index_key_recomputes_the_tokens_and_search_keeps_working(use_keys, cases):
    maria = cases[0].person
    tokens = PersonSearchToken.objects.count()
    use_keys(index_ids=["b1", "b2"], index_active="b2")
    result = summary(run())
    assert result["People whose search tokens were recomputed"] == 3
    assert result["Search tokens under an old key replaced"] == tokens
    assert result["Values re-encrypted"] == 0
    assert {BlindIndex.key_id_of(token) for token in PersonSearchToken.objects.values_list("token", flat=True)} == {"b2"}
    assert PersonSearchToken.objects.count() == tokens
    assert find_people("maria") == [maria]
    assert find_people("12345678") == [maria]

    assert summary(run())["People whose search tokens were recomputed"] == 0

    use_keys(index_ids=["b2"])
    assert find_people("María Quispe") == [maria]
    assert find_people("majo") == [maria]


def test_it_shows_progress_per_model_on_stderr(use_keys, cases, capsys):
    use_keys(["k1", "k2"], "k2")
    with translation.override("en"):
        call_command("rotate_field_keys", stdout=io.StringIO())
    progress = capsys.readouterr().err
    assert "casework.Person" in progress
    assert "casework.Case" in progress
    assert "3/3" in progress


def test_a_batch_size_below_one_is_refused():
    with pytest.raises(CommandError, match="at least 1"):
        run("--batch-size", "0")
