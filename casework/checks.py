"""System checks: the app does not start with keys it cannot use."""

from django.conf import settings
from django.core import checks

from .encryption import Keyring, KeyringError


@checks.register(checks.Tags.security)
def check_encryption_keys(app_configs, **kwargs):
    errors = []
    for keys_setting, active_setting, what in (
        ("FIELD_ENCRYPTION_KEYS", "FIELD_ENCRYPTION_ACTIVE_KEY", "field encryption"),
        ("BLIND_INDEX_KEY", "BLIND_INDEX_ACTIVE_KEY", "blind index"),
    ):
        try:
            Keyring.parse(getattr(settings, keys_setting, ""), getattr(settings, active_setting, ""))
        except KeyringError as error:
            errors.append(
                checks.Error(
                    f"The {what} keys in {keys_setting} are unusable: {error}.",
                    hint=f"Set {keys_setting} to id:base64key[,id2:base64key] (32-byte keys) and {active_setting} to the id that encrypts.",
                    id="casework.E001",
                )
            )
    return errors
