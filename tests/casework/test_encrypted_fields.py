"""Encrypted model fields: no ORM path stores plaintext or a ciphertext not bound to its row."""

import datetime

import pytest
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.forms import modelform_factory

from casework.encryption import DecryptionError
from casework.fields import EncryptedFieldMisuse, RowBoundCiphertext
from casework.keys import field_cipher
from casework.models import AccessAction, AccessEvent, Case, Person

from ..factories import open_case

pytestmark = pytest.mark.django_db


def stored_bytes(person, field):
    """The column's bytes as the database holds them, read without the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {field}_ct FROM casework_person WHERE id = %s",  # noqa: S608  (field names come from the tests)
            [person.pk.hex if connection.vendor == "sqlite" else person.pk],
        )
        (value,) = cursor.fetchone()
    return None if value is None else bytes(value)


def test_every_field_type_round_trips_through_the_database(lima):
    case = open_case(
        lima,
        given_names="María José",
        aliases=["Majo", "La Flaca"],
        birth_date=datetime.date(2010, 2, 28),
        languages=["spa", "que"],
        notes="Texto con tildes y eñes: ñandú, acción.",
        case_fields={"summary": "Resumen reservado", "place_identified": "Km 107, Interoceánica"},
    )
    person = Person.objects.get(pk=case.person.pk)
    assert person.given_names == "María José"
    assert person.aliases == ["Majo", "La Flaca"]
    assert person.birth_date == datetime.date(2010, 2, 28)
    assert person.languages == ["spa", "que"]
    assert person.notes == "Texto con tildes y eñes: ñandú, acción."
    case = Case.objects.get(pk=case.pk)
    assert (case.summary, case.place_identified) == ("Resumen reservado", "Km 107, Interoceánica")


def test_empty_text_and_zero_are_stored_encrypted_not_as_null(lima):
    case = open_case(lima, notes="", phone="", aliases=[])
    person = Person.objects.get(pk=case.person.pk)
    assert stored_bytes(person, "notes") is not None
    assert person.notes == ""
    assert person.aliases == []


def test_the_column_holds_only_ciphertext(maria_case):
    person = maria_case.person
    raw = stored_bytes(person, "given_names")
    assert b"Mar" not in raw
    assert field_cipher().key_id_of(raw) == field_cipher().keyring.active_id


def test_a_ciphertext_copied_into_another_row_fails_to_decrypt_and_is_logged(lima, maria_case):
    other = open_case(lima, given_names="Rosa").person
    other.given_names_ct = maria_case.person.given_names_ct
    with pytest.raises(DecryptionError) as raised:
        other.given_names  # noqa: B018
    assert raised.value.row_id == str(other.pk)
    assert "María" not in str(raised.value)
    event = AccessEvent.objects.get(action=AccessAction.DECRYPTION_FAILED)
    assert (event.object_type, event.object_id, event.fields) == ("casework.person", str(other.pk), ["given_names"])


def test_saving_a_ciphertext_copied_from_another_row_is_refused(lima, maria_case):
    other = open_case(lima, given_names="Rosa").person
    other.given_names_ct = maria_case.person.given_names_ct
    with pytest.raises(DecryptionError), transaction.atomic():
        other.save()
    assert Person.objects.get(pk=other.pk).given_names == "Rosa"


def test_a_ciphertext_copied_into_another_column_fails(maria_case):
    person = Person.objects.get(pk=maria_case.person.pk)
    person.family_names_ct = person.given_names_ct
    with pytest.raises(DecryptionError):
        person.family_names  # noqa: B018


def test_a_flipped_byte_in_the_database_fails_to_decrypt(maria_case):
    person = Person.objects.get(pk=maria_case.person.pk)
    tampered = bytearray(person.document_number_ct)
    tampered[-1] ^= 0x01
    person.document_number_ct = bytes(tampered)
    with pytest.raises(DecryptionError):
        person.document_number  # noqa: B018


def test_queryset_update_refuses_plaintext_and_raw_ciphertext(maria_case):
    person = maria_case.person
    with pytest.raises(EncryptedFieldMisuse, match="update"), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(given_names="Plain")
    with pytest.raises(EncryptedFieldMisuse), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(given_names_ct=bytes(person.given_names_ct))
    assert Person.objects.get(pk=person.pk).given_names == "María José"


def test_bulk_update_is_refused(maria_case):
    person = Person.objects.get(pk=maria_case.person.pk)
    person.notes = "nuevo"
    with pytest.raises(EncryptedFieldMisuse), transaction.atomic():
        Person.objects.bulk_update([person], ["notes"])
    assert Person.objects.get(pk=person.pk).notes == "Llegó acompañada de una tía."


def test_bulk_create_binds_each_value_to_its_row(lima):
    people = [Person(given_names=f"Persona {n}", age_band="ADULT") for n in range(3)]
    Person.objects.bulk_create(people)
    assert sorted(person.given_names for person in Person.objects.all()) == ["Persona 0", "Persona 1", "Persona 2"]


def test_values_and_values_list_return_ciphertext_never_plaintext(maria_case):
    (row,) = Person.objects.values("given_names", "document_number")
    assert isinstance(row["given_names"], bytes)
    assert b"Mar" not in row["given_names"]
    (raw,) = Person.objects.values_list("notes", flat=True)
    assert "tía".encode() not in raw


def test_only_and_defer_load_the_ciphertext_and_decrypt_on_access(maria_case):
    deferred = Person.objects.defer("given_names").get(pk=maria_case.person.pk)
    assert "given_names_ct" not in deferred.__dict__
    assert deferred.given_names == "María José"
    only = Person.objects.only("id").get(pk=maria_case.person.pk)
    assert only.family_names == "Quispe Mamani"


def test_plaintext_never_sits_in_the_instance(maria_case):
    person = Person.objects.get(pk=maria_case.person.pk)
    person.notes = "Confidencial"
    assert not any("Confidencial" in str(value) for value in vars(person).values())


@pytest.mark.parametrize("lookup", ["given_names", "given_names__iexact", "given_names__contains", "birth_date__year", "birth_date__gt"])
def test_filtering_on_an_encrypted_field_raises(maria_case, lookup):
    with pytest.raises(EncryptedFieldMisuse, match=r"blind index|has no"):
        list(Person.objects.filter(**{lookup: "x" if "year" not in lookup else 2010}))


def test_filtering_through_a_relation_raises_too(maria_case):
    with pytest.raises(EncryptedFieldMisuse):
        list(Case.objects.filter(person__document_number="12345678"))


@pytest.mark.parametrize("ordering", ["given_names", "-birth_date"])
def test_ordering_on_an_encrypted_field_raises(maria_case, ordering):
    with pytest.raises(EncryptedFieldMisuse, match="order"):
        Person.objects.order_by(ordering)


def test_ordering_through_a_relation_raises(maria_case):
    with pytest.raises(EncryptedFieldMisuse):
        Case.objects.order_by("person__family_names")


def test_is_null_and_ordinary_fields_still_filter(maria_case):
    assert Person.objects.filter(birth_date__isnull=False, gender="WOMAN").count() == 1
    assert Case.objects.order_by("-opened_on").count() == 1


def test_the_exact_compare_is_reserved_for_bound_ciphertexts(maria_case):
    stored = Person.objects.values_list("given_names", flat=True).get()
    assert Person.objects.filter(given_names=RowBoundCiphertext(stored)).count() == 1


@pytest.mark.parametrize("format_name", ["json", "jsonl", "python", "xml"])
def test_dumps_carry_ciphertext_not_plaintext_in_every_format(maria_case, format_name):
    dumped = str(serializers.serialize(format_name, Person.objects.all()))
    assert "María" not in dumped
    assert "Quispe" not in dumped
    assert "2009-03-14" not in dumped  # dates are where Django's serializer would pass plaintext through


def test_full_clean_validates_the_plaintext_length(lima):
    person = Person(given_names="x" * 201, age_band="ADULT")
    with pytest.raises(ValidationError) as raised:
        person.full_clean()
    assert "given_names" in raised.value.message_dict


def test_a_model_form_shows_and_saves_plaintext(maria_case):
    form_class = modelform_factory(Person, fields=["given_names", "birth_date"])
    person = Person.objects.get(pk=maria_case.person.pk)
    assert form_class(instance=person).initial["given_names"] == "María José"
    form = form_class({"given_names": "María", "birth_date": "2010-05-02"}, instance=person)
    assert form.is_valid(), form.errors
    form.save()
    person = Person.objects.get(pk=person.pk)
    assert (person.given_names, person.birth_date) == ("María", datetime.date(2010, 5, 2))


def test_a_model_form_rejects_an_impossible_date(maria_case):
    form_class = modelform_factory(Person, fields=["birth_date"])
    form = form_class({"birth_date": "2010-02-30"}, instance=Person.objects.get(pk=maria_case.person.pk))
    assert not form.is_valid()
    assert "birth_date" in form.errors
