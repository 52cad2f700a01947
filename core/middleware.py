from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class RussianFirstLocaleMiddleware(LocaleMiddleware):
    """Russian unless the user chose otherwise with the language switcher (the language
    cookie). The browser's Accept-Language is not consulted: municipal staff often work on
    machines set up in English, and the product speaks Russian first."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
