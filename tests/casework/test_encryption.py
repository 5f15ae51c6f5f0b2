"""The pure encryption module: keyrings, AES-GCM values bound to their place, blind indexes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.encryption import (
    BlindIndex,
    DecryptionError,
    FieldCipher,
    FieldContext,
    Keyring,
    KeyringError,
    fold,
    generate_key,
    identifier_form,
    name_tokens,
)

K1, K2 = generate_key(), generate_key()
PERSON_NAMES = FieldContext("casework.person", "given_names")
ROW = "0b7c2f0e-3f3e-4d53-9a51-0d6f3c6b2a10"
OTHER_ROW = "7e1d9c55-1111-4c3b-8a9e-2f0a4c1b9d22"


def cipher(spec=f"k1:{K1}", active=""):
    return FieldCipher(Keyring.parse(spec, active))


@given(st.binary(max_size=2000))
def test_any_value_comes_back_as_it_went_in(plaintext):
    sealed = cipher().encrypt(plaintext, context=PERSON_NAMES, row_id=ROW)
    assert cipher().decrypt(sealed, context=PERSON_NAMES, row_id=ROW) == plaintext


def test_the_same_value_encrypts_differently_each_time():
    one = cipher().encrypt(b"Quispe", context=PERSON_NAMES, row_id=ROW)
    two = cipher().encrypt(b"Quispe", context=PERSON_NAMES, row_id=ROW)
    assert one != two
    assert b"Quispe" not in one


def test_the_stored_value_names_its_format_and_key():
    sealed = cipher().encrypt(b"x", context=PERSON_NAMES, row_id=ROW)
    assert sealed[0] == 1
    assert cipher().key_id_of(sealed) == "k1"


def test_a_value_moved_to_another_row_does_not_decrypt():
    sealed = cipher().encrypt(b"Rosa", context=PERSON_NAMES, row_id=ROW)
    with pytest.raises(DecryptionError, match="another row or field") as raised:
        cipher().decrypt(sealed, context=PERSON_NAMES, row_id=OTHER_ROW)
    assert raised.value.row_id == OTHER_ROW
    assert "Rosa" not in str(raised.value)


def test_a_value_moved_to_another_field_does_not_decrypt():
    sealed = cipher().encrypt(b"Rosa", context=PERSON_NAMES, row_id=ROW)
    with pytest.raises(DecryptionError):
        cipher().decrypt(sealed, context=FieldContext("casework.person", "family_names"), row_id=ROW)


@given(st.data())
def test_any_flipped_byte_is_detected(data):
    sealed = bytearray(cipher().encrypt(b"70123456", context=PERSON_NAMES, row_id=ROW))
    position = data.draw(st.integers(min_value=0, max_value=len(sealed) - 1))
    sealed[position] ^= data.draw(st.integers(min_value=1, max_value=255))
    with pytest.raises(DecryptionError):
        cipher().decrypt(bytes(sealed), context=PERSON_NAMES, row_id=ROW)


def test_a_truncated_value_is_refused():
    sealed = cipher().encrypt(b"x", context=PERSON_NAMES, row_id=ROW)
    with pytest.raises(DecryptionError, match="truncated"):
        cipher().decrypt(sealed[:10], context=PERSON_NAMES, row_id=ROW)


def test_a_value_under_a_key_no_longer_configured_names_the_key():
    sealed = cipher(f"old:{K1}").encrypt(b"x", context=PERSON_NAMES, row_id=ROW)
    with pytest.raises(DecryptionError, match="'old' is not configured"):
        cipher(f"new:{K2}").decrypt(sealed, context=PERSON_NAMES, row_id=ROW)


def test_the_active_key_encrypts_and_every_key_decrypts():
    old = cipher(f"k1:{K1}").encrypt(b"x", context=PERSON_NAMES, row_id=ROW)
    both = cipher(f"k1:{K1},k2:{K2}", active="k2")
    new = both.encrypt(b"y", context=PERSON_NAMES, row_id=ROW)
    assert both.key_id_of(new) == "k2"
    assert both.decrypt(old, context=PERSON_NAMES, row_id=ROW) == b"x"
    assert both.decrypt(new, context=PERSON_NAMES, row_id=ROW) == b"y"


@pytest.mark.parametrize(
    ("spec", "active", "message"),
    [
        ("", "", "no keys"),
        ("k1", "", "id:base64key"),
        ("k1:not base64!", "", "not valid base64"),
        ("k1:c2hvcnQ=", "", "must be 32 bytes"),
        (f"k1:{K1},k1:{K2}", "k1", "appears twice"),
        (f"k1:{K1},k2:{K2}", "", "name the active one"),
        (f"k1:{K1}", "k9", "not among the configured keys"),
        (f"bad id:{K1}", "", "id:base64key"),
    ],
)
def test_an_unusable_keyring_is_refused_with_the_reason(spec, active, message):
    with pytest.raises(KeyringError, match=message) as raised:
        Keyring.parse(spec, active)
    assert K1 not in str(raised.value)


def test_a_keyring_never_shows_its_keys():
    assert K1 not in repr(Keyring.parse(f"k1:{K1}"))


@pytest.mark.parametrize(
    ("written", "folded"),
    [("María  QUISPE", "maria quispe"), ("ÑAHUI", "nahui"), ("\uff31\uff55\uff49\uff53\uff50\uff45", "quispe"), ("José\u0301", "jose")],
)
def test_names_are_folded_for_case_accents_width_and_spacing(written, folded):
    assert fold(written) == folded


def test_a_name_splits_into_its_searchable_tokens():
    assert name_tokens("María-José  Quispe d'Ávila y") == {"maria", "jose", "quispe", "avila"}


def test_document_numbers_ignore_spaces_dots_and_dashes():
    assert identifier_form(" 12.345-678 ") == identifier_form("12345678") == "12345678"


def test_blind_index_tokens_depend_on_key_and_purpose_and_hide_the_value():
    index = BlindIndex(Keyring.parse(f"b1:{K1}"))
    token = index.token("quispe", purpose="name")
    assert token.startswith("b1$")
    assert "quispe" not in token
    assert token == index.token("quispe", purpose="name")
    assert token != index.token("quispe", purpose="document")
    assert token != BlindIndex(Keyring.parse(f"b1:{K2}")).token("quispe", purpose="name")


def test_lookups_compute_a_token_under_every_key_during_a_rotation():
    index = BlindIndex(Keyring.parse(f"b1:{K1},b2:{K2}", "b2"))
    tokens = index.lookup_tokens("quispe", purpose="name")
    assert {BlindIndex.key_id_of(token) for token in tokens} == {"b1", "b2"}
