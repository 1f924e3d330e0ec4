"""The French and German catalogues are complete, and the compiled .mo files match the .po sources."""

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)

LOCALE = Path(__file__).resolve().parents[2] / "reelhouse" / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def catalogue(language: str):
    """The .po file's entries (Babel's reader: plural forms and contexts included; obsolete entries left out)."""
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as fh:
        return [m for m in read_po(fh, locale=language) if m.id]


@pytest.mark.parametrize("language", ["fr", "de"])
def test_catalogue_is_complete_and_compiled(language):
    messages = catalogue(language)
    assert len(messages) > 40
    assert [m.id for m in messages if m.fuzzy or not all(m.string if m.pluralizable else [m.string])] == []
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = []
    for m in messages:
        if m.pluralizable:
            got = [compiled.npgettext(m.context, m.id[0], m.id[1], n) if m.context else
                   compiled.ngettext(m.id[0], m.id[1], n) for n in (1, 5)]
            want = [m.string[0], m.string[-1]]
        else:
            got = compiled.pgettext(m.context, m.id) if m.context else compiled.gettext(m.id)
            want = m.string
        if got != want:
            stale.append(m.id)
    assert stale == [], "run `make messages` (compilemessages) after editing the .po files"
    # placeholders survive translation, in every plural form
    for m in messages:
        ids = m.id if m.pluralizable else [m.id]
        strings = m.string if m.pluralizable else [m.string]
        for s in strings:
            assert sorted(set(PLACEHOLDER.findall(ids[-1]))) == sorted(set(PLACEHOLDER.findall(s))), m.id
