"""Serializers for dumpdata that write encrypted fields as their ciphertext.

Django's python serializer passes dates and numbers through `value_from_object()`, which for an
encrypted field is the plaintext; these write `value_to_string()` (base64 ciphertext) instead.
Registered for the python, json and jsonl formats in settings.SERIALIZATION_MODULES; the xml
serializer already uses value_to_string.
"""

from ..fields import EncryptedField


class CiphertextFieldsMixin:
    def handle_field(self, obj, field):
        if isinstance(field, EncryptedField):
            self._current[field.name] = field.value_to_string(obj)
        else:
            super().handle_field(obj, field)
