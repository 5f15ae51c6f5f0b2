"""Field-level encryption and blind indexes, free of Django's ORM.

Stored value (bytes):

    format version (1 byte) | key-id length (1 byte) | key id (ASCII) | nonce (12 bytes) | ciphertext + GCM tag

Each value is encrypted with AES-256-GCM under a subkey derived by HKDF-SHA256 from the named
master key, with info = "<format>|<app.model>|<field>|<key id>", so no two fields share a key.
The associated data binds the ciphertext to its model, field and row id: a value copied into
another row or column fails authentication instead of decrypting.
"""

import base64
import binascii
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FORMAT_VERSION = 1
NONCE_BYTES = 12
KEY_BYTES = 32
BLIND_INDEX_BYTES = 16
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


class KeyringError(ValueError):
    """The configured keys cannot be used. The message names the problem, never a key."""


class DecryptionError(Exception):
    """A stored value could not be decrypted. Names where, never what."""

    def __init__(self, *, label, field, row_id, reason):
        self.label, self.field, self.row_id, self.reason = label, field, row_id, reason
        super().__init__(f"Cannot decrypt {label}.{field} of row {row_id}: {reason}.")


@dataclass(frozen=True)
class FieldContext:
    """Where a value lives: it is part of the key derivation and the associated data."""

    label: str  # "casework.person"
    field: str

    def associated_data(self, row_id):
        return self._associated_prefix + str(row_id).encode()

    @cached_property
    def _associated_prefix(self):
        # Built once per field rather than once per value (frozen: cached_property writes __dict__).
        return f"v{FORMAT_VERSION}|{self.label}|{self.field}|".encode()


def generate_key():
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()


def _decode_key(key_id, encoded):
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        raise KeyringError(f"key {key_id!r} is not valid base64") from None
    if len(raw) != KEY_BYTES:
        raise KeyringError(f"key {key_id!r} must be {KEY_BYTES} bytes, it is {len(raw)}")
    return raw


class Keyring:
    """Named master keys: the active one encrypts, every one decrypts.

    Spec: "id:base64key,id2:base64key". With several keys, `active` names the one that encrypts.
    """

    def __init__(self, keys, active):
        if not keys:
            raise KeyringError("no keys are configured")
        if active not in keys:
            raise KeyringError(f"the active key {active!r} is not among the configured keys")
        self._keys = dict(keys)
        self.active_id = active

    @classmethod
    def parse(cls, spec, active=""):
        keys = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            key_id, separator, encoded = item.partition(":")
            key_id = key_id.strip()
            if not separator or not _KEY_ID.match(key_id):
                raise KeyringError("each key must be written as id:base64key, the id 1-16 letters, digits, - or _")
            if key_id in keys:
                raise KeyringError(f"key id {key_id!r} appears twice")
            keys[key_id] = _decode_key(key_id, encoded.strip())
        if not active and len(keys) > 1:
            raise KeyringError("several keys are configured: name the active one")
        return cls(keys, active or next(iter(keys), ""))

    @property
    def key_ids(self):
        return tuple(self._keys)

    def master(self, key_id):
        return self._keys[key_id]

    def __contains__(self, key_id):
        return key_id in self._keys

    def __repr__(self):
        return f"Keyring(ids={list(self._keys)}, active={self.active_id!r})"


@lru_cache(maxsize=4096)
def _subkey(master, purpose, context, key_id):
    info = f"{purpose}/v{FORMAT_VERSION}|{context}|{key_id}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(master)


@lru_cache(maxsize=4096)
def _aead(master, label, field, key_id):
    return AESGCM(_subkey(master, "field", f"{label}|{field}", key_id))


class FieldCipher:
    def __init__(self, keyring):
        self.keyring = keyring
        # (key id, model label, field) -> (AESGCM, stored-value header), looked up once per value.
        # A keyring does not change once parsed; new keys mean a new cipher (casework.keys).
        self._sealers = {}

    def _sealer(self, key_id, context):
        cache_key = (key_id, context.label, context.field)
        sealer = self._sealers.get(cache_key)
        if sealer is None:
            aead = _aead(self.keyring.master(key_id), context.label, context.field, key_id)
            header = bytes((FORMAT_VERSION, len(key_id))) + key_id.encode("ascii")
            sealer = self._sealers[cache_key] = (aead, header)
        return sealer

    def encrypt(self, plaintext, *, context, row_id):
        aead, header = self._sealer(self.keyring.active_id, context)
        nonce = os.urandom(NONCE_BYTES)
        return header + nonce + aead.encrypt(nonce, plaintext, context.associated_data(row_id))

    def decrypt(self, stored, *, context, row_id):
        stored = bytes(stored)
        if len(stored) < 2 or stored[0] != FORMAT_VERSION:
            raise _failure(context, row_id, "unknown storage format")
        body_start = 2 + stored[1]
        if len(stored) < body_start + NONCE_BYTES + 16:
            raise _failure(context, row_id, "the stored value is truncated")
        key_id = stored[2:body_start].decode("ascii", errors="replace")
        sealer = self._sealers.get((key_id, context.label, context.field))  # cached only for configured keys
        if sealer is None:
            if key_id not in self.keyring:
                raise _failure(context, row_id, f"key {key_id!r} is not configured")
            sealer = self._sealer(key_id, context)
        aead = sealer[0]
        sealed_start = body_start + NONCE_BYTES
        try:
            return aead.decrypt(stored[body_start:sealed_start], stored[sealed_start:], context.associated_data(row_id))
        except InvalidTag:
            raise _failure(context, row_id, "the value was altered, or belongs to another row or field") from None

    def key_id_of(self, stored):
        """The id of the key a stored value was encrypted with (for rotation and --verify)."""
        stored = bytes(stored)
        if len(stored) < 2 or stored[0] != FORMAT_VERSION:
            return None
        return stored[2 : 2 + stored[1]].decode("ascii", errors="replace")


def _failure(context, row_id, reason):
    return DecryptionError(label=context.label, field=context.field, row_id=row_id, reason=reason)


# --- Blind indexes -------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[^0-9a-z]+")


def fold(value):
    """Case, accents, compatibility forms and spacing folded: 'María  QUISPE' -> 'maria quispe'."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", value))
    without_marks = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(without_marks.casefold().split())


def name_tokens(value):
    """The searchable tokens of a name: 'María-José Quispe' -> {'maria', 'jose', 'quispe'}."""
    return {token for token in _SEPARATORS.split(fold(value)) if len(token) >= 2}


def identifier_form(value):
    """A document number with spaces, dots and dashes folded away: '12.345-678 ' -> '12345678'."""
    return _SEPARATORS.sub("", fold(value))


class BlindIndex:
    """HMAC-SHA256 tokens under a dedicated keyring, separate per purpose.

    Tokens are "<key id>$<hex>", truncated to BLIND_INDEX_BYTES. Lookups compute the token under
    every configured key, so a search keeps working while a key rotation is half way through.
    Matches are candidates: the caller decrypts and confirms them.
    """

    def __init__(self, keyring):
        self.keyring = keyring

    def token(self, normalised, *, purpose, key_id=None):
        key_id = key_id or self.keyring.active_id
        key = _subkey(self.keyring.master(key_id), "blind-index", purpose, key_id)
        digest = hmac.new(key, normalised.encode("utf-8"), hashlib.sha256).digest()
        return f"{key_id}${digest[:BLIND_INDEX_BYTES].hex()}"

    def lookup_tokens(self, normalised, *, purpose):
        return [self.token(normalised, purpose=purpose, key_id=key_id) for key_id in self.keyring.key_ids]

    @staticmethod
    def key_id_of(token):
        return token.partition("$")[0]
