"""Titles and synopses in several languages: each series and work keeps {"fr": {"title", "synopsis"}, ...} next to
its catalog title, and pages pick the active language's text, falling back to the catalog's own. Stored on the
row itself (and copied onto search entries), so showing translated text costs no query."""

import re

from django.core.exceptions import ValidationError
from django.utils import translation

LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$")
FIELDS = ("title", "synopsis")
MAX_TITLE = 300


def language_chain(language: str | None = None) -> list[str]:
    """The languages to try, most specific first: 'fr-ca' -> ['fr-ca', 'fr']; the active language by default."""
    code = (language or translation.get_language() or "").lower().replace("_", "-")
    if not code:
        return []
    base = code.split("-", 1)[0]
    return [code, base] if base != code else [code]


def localized_text(translations: dict | None, field: str, fallback: str, language: str | None = None) -> str:
    """`field` of the translation in the active (or given) language, or `fallback` when there is none."""
    if translations:
        for code in language_chain(language):
            text = (translations.get(code) or {}).get(field)
            if text:
                return text
    return fallback


def cleaned_translations(value) -> dict:
    """A translations mapping checked and trimmed: language codes like 'fr' or 'pt-br', each with a title and/or a
    synopsis. Raises ValidationError naming what is wrong."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError(f'translations must be an object like {{"fr": {{"title": "..."}}}}, got {value!r:.60}')
    clean = {}
    for code, texts in value.items():
        key = str(code).strip().lower().replace("_", "-")
        if not LANGUAGE_RE.match(key):
            raise ValidationError(f"translations: {code!r:.40} is not a language code (expected e.g. 'fr', 'de', "
                                  "'pt-br')")
        if not isinstance(texts, dict) or set(texts) - set(FIELDS):
            raise ValidationError(f"translations[{key!r}] must be an object with 'title' and/or 'synopsis' only")
        entry = {}
        for field in FIELDS:
            text = texts.get(field)
            if text is None:
                continue
            if not isinstance(text, str):
                raise ValidationError(f"translations[{key!r}][{field!r}] must be text, got {type(text).__name__}")
            text = " ".join(text.split()) if field == "title" else text.strip()
            if field == "title" and len(text) > MAX_TITLE:
                raise ValidationError(f"translations[{key!r}]['title'] is {len(text)} characters (at most "
                                      f"{MAX_TITLE})")
            if text:
                entry[field] = text
        if entry:
            clean[key] = entry
    return clean


class Localized:
    """display_title / display_synopsis for models with title, synopsis, original_title and translations."""

    @property
    def display_title(self) -> str:
        return localized_text(self.translations, "title", self.title)

    @property
    def display_synopsis(self) -> str:
        return localized_text(self.translations, "synopsis", self.synopsis)

    @property
    def shown_original_title(self) -> str:
        """The original title when it differs from the title shown (worth printing under it), else ''."""
        original = self.original_title or ""
        return original if original and original.casefold() != self.display_title.casefold() else ""

    def clean(self):
        super().clean()
        self.translations = cleaned_translations(self.translations)
