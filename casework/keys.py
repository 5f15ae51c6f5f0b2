"""The configured keyrings, parsed once per process (and again when a test changes the settings)."""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from .encryption import BlindIndex, FieldCipher, Keyring

_KEY_SETTINGS = {"FIELD_ENCRYPTION_KEYS", "FIELD_ENCRYPTION_ACTIVE_KEY", "BLIND_INDEX_KEY", "BLIND_INDEX_ACTIVE_KEY"}


@cache
def field_cipher():
    return FieldCipher(Keyring.parse(settings.FIELD_ENCRYPTION_KEYS, settings.FIELD_ENCRYPTION_ACTIVE_KEY))


@cache
def blind_index():
    return BlindIndex(Keyring.parse(settings.BLIND_INDEX_KEY, settings.BLIND_INDEX_ACTIVE_KEY))


@receiver(setting_changed)
def _forget_keyrings(*, setting, **kwargs):
    if setting in _KEY_SETTINGS:
        field_cipher.cache_clear()
        blind_index.cache_clear()
