"""Per-request context: the user's chosen language, and who is acting (for the access log)."""

from django.utils import translation

from . import audit


class UserLanguageMiddleware:
    """A signed-in user sees the language they chose, on any device (after LocaleMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = getattr(request.user, "language", "") if request.user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class AccessContextMiddleware:
    """Access events recorded during the request name the user and the address it came from."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user if request.user.is_authenticated else None
        with audit.acting_as(user, request.META.get("REMOTE_ADDR")):
            return self.get_response(request)
