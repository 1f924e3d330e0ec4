"""Titles in other languages (from NFO and guides), kept on the title and its search entries."""

from django.db import transaction

from reelhouse.catalog import translations
from reelhouse.catalog.models import (
    Series,
    Work,
)
from reelhouse.catalog.services.search_index import search_entries_refresh
from reelhouse.core.audit import audit_record


def _original_title(info, title: str) -> str:
    """An NFO's <originaltitle> when it says something the title does not."""
    original = " ".join((getattr(info, "originaltitle", None) or "").split())[:300]
    return original if original and original.casefold() != (title or "").casefold() else ""


@transaction.atomic
def title_translation_set(*, title: Series | Work, language: str, text: str | None = None,
                          synopsis: str | None = None) -> dict:
    """Set (or, given empty strings, clear) the title and/or synopsis of a series, film or episode in one language,
    and refresh what cards and search show. Returns the title's translations."""
    merged = dict(title.translations or {})
    key = language.strip().lower().replace("_", "-")
    entry = dict(merged.get(key) or {})
    for field, value in (("title", text), ("synopsis", synopsis)):
        if value is not None:
            entry[field] = value
    merged[key] = {k: v for k, v in entry.items() if v}
    title.translations = translations.cleaned_translations(merged)
    type(title).objects.filter(pk=title.pk).update(translations=title.translations)
    audit_record(action="title.translated", subject=title, language=key)
    search_entries_refresh(title=title)
    return title.translations
