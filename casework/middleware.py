"""Per-request context: the user's chosen language, and who is acting (for the access log)."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _

from . import audit
from .addresses import client_address


def chosen_language(request):
    """The signed-in user's saved choice, else the language cookie, else Spanish.

    The browser's Accept-Language is ignored on purpose: the office works in Spanish, and a phone
    set up in English must not switch a caseworker's screens; English is a choice (the switcher).
    """
    available = {code for code, _name in settings.LANGUAGES}
    saved = getattr(request.user, "language", "") if request.user.is_authenticated else ""
    if saved in available:
        return saved
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return cookie if cookie in available else settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Activates chosen_language() for the request (in place of Django's LocaleMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class AccessContextMiddleware:
    """Access events recorded during the request name the user and the address it came from."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user if request.user.is_authenticated else None
        with audit.acting_as(user, client_address(request)):
            return self.get_response(request)


SIGNED_IN_AT = "signed_in_at"


@receiver(user_logged_in, dispatch_uid="casework.remember_sign_in_time")
def remember_sign_in_time(sender, request, user, **kwargs):
    request.session[SIGNED_IN_AT] = int(time.time())


class SessionLimitsMiddleware:
    """Ends a session 12 hours after sign-in however active it is; signed-in pages are never cached.

    The 30-minute idle limit is the session's own expiry (SESSION_COOKIE_AGE, renewed on every
    request); a session without a sign-in time (made before this rule) counts from now.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated:
            return self.get_response(request)
        signed_in_at = request.session.setdefault(SIGNED_IN_AT, int(time.time()))
        if time.time() - signed_in_at > settings.SESSION_ABSOLUTE_AGE:
            logout(request)
            messages.info(request, _("Your session ended 12 hours after you signed in. Please sign in again."))
            return redirect(settings.LOGIN_URL)
        response = self.get_response(request)
        # Case content must not stay in a shared phone's or a proxy's cache.
        patch_cache_control(response, no_store=True, private=True)
        return response
