"""Translated content: Italian in the plain field, other languages in ``<field>_<lang>``.

Every user-facing text of products, services and venues is stored as a plain
column holding the Italian text (the fallback) plus one column per other
language (``name_en``, ``name_fr``, ``name_de``). ``pick`` returns the text in the
asked language, or the Italian one when that translation is empty.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

FALLBACK = "it"
# The languages content may be written in; Italian first (the plain field).
CONTENT_LANGUAGES: tuple[str, ...] = ("it", "en", "fr", "de")


def normalize(lang: str | None) -> str:
    """A supported content language for ``lang`` (``"en-GB"`` -> ``"en"``), else Italian.

    ``None`` means the language of the current request.
    """
    if lang is None:
        lang = translation.get_language() or settings.LANGUAGE_CODE
    code = str(lang).strip().lower().replace("_", "-").split("-")[0]
    return code if code in CONTENT_LANGUAGES else FALLBACK


def column(field: str, lang: str) -> str:
    """The model column holding ``field`` in ``lang``."""
    return field if lang == FALLBACK else f"{field}_{lang}"


def pick(obj: object, field: str, lang: str | None = None) -> str:
    """``obj.field`` in ``lang``, falling back to Italian when the translation is empty."""
    code = normalize(lang)
    text = getattr(obj, column(field, code), "") or ""
    if not text.strip():
        text = getattr(obj, field, "") or ""
    return text


def columns(field: str) -> list[str]:
    """Every column of a translated field, Italian first (for searches and forms)."""
    return [column(field, lang) for lang in CONTENT_LANGUAGES]
