"""Who must pass a second factor, and the gate that holds them at it until they do.

Supervisors and administrators (and anyone with Django staff or superuser flags, who can open the
admin site) pass a TOTP code after their password, in every new session, before any page beyond
signing in. Caseworkers and auditors sign in with their password alone.
"""

from django.db import transaction
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode

from . import audit
from .models import AccessAction, TwoFactorDevice
from .roles import Role, roles_of

ROLES_WITH_TWO_FACTOR = (Role.SUPERVISOR, Role.ADMINISTRATOR)

# What an unverified user may still reach: signing in and out, the two-factor screens, the language.
# The monitoring health checks show counts and states only, and are open to anyone.
OPEN_BEFORE_SECOND_FACTOR = {"login", "logout", "two_factor_verify", "two_factor_setup", "set_language", "reminders_health", "health"}


def needs_two_factor(user):
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return not roles_of(user).isdisjoint(ROLES_WITH_TWO_FACTOR)


def confirmed_device(user):
    return TwoFactorDevice.objects.filter(user=user, confirmed=True).first()


def enrolment_device(user):
    """The unconfirmed device being enrolled (one per user), made on first call with a new secret."""
    device = TwoFactorDevice.objects.filter(user=user, confirmed=False).first()
    return device or TwoFactorDevice.objects.create(user=user, name="authenticator", confirmed=False)


def confirm_enrolment(device, token):
    """Confirms the device if `token` is its current code; the user's older devices are removed."""
    if not device.verify_token(token):
        return False
    with transaction.atomic():
        TwoFactorDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record(action=AccessAction.CREATE, target=device)
    return True


def reset(user):
    """Removes the user's devices (a lost phone): they enrol again at their next sign-in."""
    with transaction.atomic():
        for device in TwoFactorDevice.objects.filter(user=user):
            audit.record(action=AccessAction.UPDATE, target=device, detail="reset")
            device.delete()


def _url_name(path):
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


class TwoFactorMiddleware:
    """Sends a signed-in user who needs a second factor and has not passed it to enrol or verify.

    After django_otp's OTPMiddleware, which tells whether this session passed a code.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._held(request):
            target = "two_factor_verify" if confirmed_device(request.user) else "two_factor_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _held(request):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return False
        return _url_name(request.path_info) not in OPEN_BEFORE_SECOND_FACTOR and needs_two_factor(user)
