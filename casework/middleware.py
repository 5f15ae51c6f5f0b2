"""Per-request context: the user's chosen language, and who is acting (for the access log)."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

from . import audit


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
        with audit.acting_as(user, request.META.get("REMOTE_ADDR")):
            return self.get_response(request)
