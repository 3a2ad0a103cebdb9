"""The language switch in every page's header (decision 0062).

A person picks a language from the header; the choice is kept on their staff record, so it is
applied at every request after sign-in and follows them to another phone, and in Django's
language cookie, so the sign-in page and other signed-out pages use it too. Only the languages
in settings.LANGUAGES are offered: those whose catalogue is complete
(tests/web/test_translation_catalogues.py).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cwtt.access import policy
from cwtt.registry.actions import staff_language_set


def offered_languages() -> list[tuple[str, str]]:
    """(code, the language's own name) for each language a person may choose."""
    return list(settings.LANGUAGES)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=offered_languages)
    next = forms.CharField(required=False, max_length=2000)


def _safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return "/"


@policy.public
@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Change the language of the pages: the person's own staff record (never anyone else's:
    the form names no person) and the language cookie."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That language is not offered. Choose one from the list."))
        return redirect(_safe_next(request, request.POST.get("next", "")[:2000]))
    language = form.cleaned_data["language"]
    staff = policy.staff_of(request.user)
    if staff is not None:
        staff_language_set(staff=staff, language=language)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    response = redirect(_safe_next(request, form.cleaned_data["next"]))
    set_language_cookie(response, language)
    return response


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """Django's language cookie, as its own set_language view writes it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class PersonLanguageMiddleware:
    """After AuthenticationMiddleware and LocaleMiddleware: a signed-in person's chosen language
    wins over the cookie and the browser's preference, on every phone they sign in on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        staff = policy.staff_of(request.user)
        language = staff.language if staff is not None else ""
        if not (language and language in dict(settings.LANGUAGES)):
            return self.get_response(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        # On a phone the person signs in on for the first time, the cookie follows too, so the
        # sign-in page after signing out is in their language.
        if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            set_language_cookie(response, language)
        return response


def language_context(request: HttpRequest) -> dict:
    """The header's switch: the languages offered and the current one's name."""
    current = translation.get_language() or settings.LANGUAGE_CODE
    languages = offered_languages()
    names = dict(languages)
    return {
        "offered_languages": languages,
        "current_language_name": names.get(current, names.get(current.split("-")[0], current)),
    }
