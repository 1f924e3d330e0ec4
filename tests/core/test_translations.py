"""The French and German catalogues are complete, and the compiled .mo files match the .po sources."""

import gettext
import json
import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "reelhouse" / "locale"


def po_entries(path: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for every entry but the header; plural entries are skipped."""
    text = re.sub(r"^#~.*\n", "", path.read_text(encoding="utf-8"), flags=re.M)  # obsolete entries
    text = re.sub(r'"\n(#)', r'"\n\n\1', text)
    entries = []
    for block in text.split("\n\n"):
        if "msgid_plural" in block or "msgid " not in block:
            continue
        msgid = "".join(json.loads(s) for s in re.findall(r'^(?:msgid )?("(?:[^"\\]|\\.)*")$',
                                                            block.split("msgstr ")[0], re.M))
        msgstr = "".join(json.loads(s) for s in re.findall(r'^(?:msgstr )?("(?:[^"\\]|\\.)*")$',
                                                             "msgstr " + block.split("msgstr ", 1)[1], re.M))
        if msgid:
            entries.append((msgid, msgstr, "#, fuzzy" in block))
    return entries


@pytest.mark.parametrize("language", ["fr", "de"])
def test_catalogue_is_complete_and_compiled(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    entries = po_entries(po)
    assert len(entries) > 40
    assert [m for m, s, fuzzy in entries if not s or fuzzy] == []
    with (po.with_suffix(".mo")).open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [m for m, s, _ in entries if compiled.gettext(m) != s]
    assert stale == [], "run `make messages` (compilemessages) after editing the .po files"
    # placeholders survive translation
    for msgid, msgstr, _ in entries:
        assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", msgstr)), msgid
