"""Second factor: a TOTP device per supervisor or administrator, its secret encrypted at rest.

django-otp's own TOTPDevice keeps the secret as plain hex; a database dump would then let anyone
mint codes. This device is the same algorithm (django_otp.oath) with the secret in an encrypted
field, and a verification that locks the row so that one code is never accepted twice.
"""

import secrets
import time
import uuid
from base64 import b32encode
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from ..fields import EncryptedTextField

SECRET_BYTES = 20  # 160 bits, as RFC 4226 recommends for HMAC-SHA1


def new_secret():
    return secrets.token_hex(SECRET_BYTES)


class TwoFactorDevice(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app enrolled by scanning a QR code (RFC 6238: 6 digits, 30-second steps)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = EncryptedTextField(_("secret"), max_length=80, default=new_secret)
    step = 30
    digits = 6
    # One step either side: a phone clock a little off still works.
    tolerance = 1
    # The time step of the last accepted code: only later codes are accepted (no replay).
    last_t = models.BigIntegerField(default=-1, editable=False)

    class Meta(Device.Meta):
        verbose_name = _("two-factor device")
        verbose_name_plural = _("two-factor devices")

    def __str__(self):
        return f"{self._meta.verbose_name} {self.pk}"

    @property
    def persistent_id(self):
        # django-otp looks a device up with `id=int(...)`; a UUID's integer form passes that and
        # UUIDField takes it back. The UUID key is what binds the encrypted secret to its row.
        return f"{self._meta.label_lower}/{self.pk.int}"

    @property
    def base32_secret(self):
        """The secret as authenticator apps take it when typed in by hand."""
        return b32encode(bytes.fromhex(self.key)).decode()

    def config_url(self, issuer):
        """The otpauth:// address the QR code carries; the label is the username, never a name."""
        label = quote(f"{issuer}:{self.user.get_username()}")
        query = urlencode({"secret": self.base32_secret, "issuer": issuer, "digits": self.digits, "period": self.step})
        return f"otpauth://totp/{label}?{query}"

    def get_throttle_factor(self):
        return settings.TWO_FACTOR_THROTTLE_SECONDS

    def verify_token(self, token):
        """True for a current code not used before; wrong codes slow further attempts (throttling)."""
        with transaction.atomic():
            # The row lock makes two simultaneous uses of one code see each other's last_t.
            device = type(self).objects.select_for_update().get(pk=self.pk)
            allowed, _details = device.verify_is_allowed()
            if not allowed:
                return False
            verified = device._matches(token)
            if verified:
                device.throttle_reset(commit=False)
                device.set_last_used_timestamp(commit=False)
                device.save()
            else:
                device.throttle_increment(commit=True)
        self.refresh_from_db()
        return verified

    def _matches(self, token):
        """Checks the code and, when it matches, moves last_t to its time step."""
        token = str(token).strip().replace(" ", "")
        if not (token.isdigit() and len(token) == self.digits):
            return False
        totp = TOTP(bytes.fromhex(self.key), self.step, 0, self.digits, 0)
        totp.time = time.time()
        if not totp.verify(int(token), self.tolerance, self.last_t + 1):
            return False
        self.last_t = totp.t()
        return True
