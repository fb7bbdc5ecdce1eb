from django.conf import settings
from django.utils import translation


class PortalLanguageMiddleware:
    """Chinese unless the user chose English with the switch (the language cookie).

    Unlike Django's LocaleMiddleware the browser's Accept-Language is not consulted: officials'
    machines often run English-language browsers, and the portal speaks Chinese to everyone
    who has not asked otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "").lower()
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
