"""rights.rule: where a work may be shown (licence window and territories less its withdrawals), the union a series
shows, the viewer's side (a viewer with no country sees worldwide titles only), and the quarantine reason that names
the licence that is missing."""

import datetime as dt
from types import SimpleNamespace

import pytest

from reelhouse.rights import rule

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)

AT = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def lic(territories="WW", start=-10, end=None, name="L", downloads=True, height=None):
    return SimpleNamespace(territories=territories, starts_at=AT + start * DAY,
                           ends_at=None if end is None else AT + end * DAY, name=name, allows_downloads=downloads,
                           max_height=height)


@pytest.mark.parametrize("licence, withdrawn, key", [
    (lic("WW"), [], ",WW,"),
    (lic("fr, de"), [], ",DE,FR,"),
    (lic("WW,FR"), [], ",WW,"),
    (lic("WW"), [",FR,"], ",WW,XFR,"),
    (lic("WW"), [",FR,", ",DE,"], ",WW,XDE,XFR,"),
    (lic("FR,DE"), [",FR,"], ",DE,"),
    (lic("FR"), [",FR,"], ""),
    (lic("WW"), [""], ""),
    (lic("WW", start=1), [], ""),
    (lic("WW", start=-5, end=-1), [], ""),
    (None, [], ""),  # no licence: shown nowhere (issue 15), as playback refuses it
    (None, [",FR,"], ""),
])
def test_work_territories(licence, withdrawn, key):
    assert rule.work_territories(licence=licence, withdrawn=withdrawn, at=AT) == key


@pytest.mark.parametrize("keys, union", [
    ([",FR,", ",DE,"], ",DE,FR,"),
    ([",WW,XFR,", ",FR,"], ",WW,X00,"),  # France through the second; nothing worldwide
    ([",WW,XFR,XDE,", ",WW,XFR,"], ",WW,XFR,"),
    ([",WW,XFR,", ",DE,"], ",WW,XFR,"),
    ([",WW,XFR,", ",WW,XDE,"], ",WW,X00,"),  # every country, but no episode a viewer with no country may see
    ([",WW,XFR,", ",WW,"], ",WW,"),
    (["", ",DE,"], ",DE,"),
    ([",DE,", None], ",DE,"),  # a NULL key (indexed before issue 15) adds nowhere
    ([], ""),
])
def test_a_series_is_shown_where_any_episode_is(keys, union):
    assert rule.territories_union(keys) == union


@pytest.mark.parametrize("key, country, expected", [
    (",WW,", "FR", True), (",WW,", "", True), (",WW,XFR,", "FR", False), (",WW,XFR,", "DE", True),
    (",WW,XFR,", "", False), (",FR,", "FR", True), (",FR,", "", False), (",FR,", "US", False), ("", "FR", False),
    (None, "", False), (None, "FR", False), (None, None, True),
    (",FR,", None, True), (",WW,X00,", "", False), (",WW,X00,", "FR", True),
])
def test_shown(key, country, expected):
    assert rule.shown(key, country) is expected


def test_a_viewer_with_no_country_may_play_worldwide_titles_only():
    assert rule.work_refusal(licence=lic("WW"), country="", at=AT) == ("", "")
    code, reason = rule.work_refusal(licence=lic("FR", name="French rights"), country="", at=AT)
    assert code == "territory" and "French rights" in reason and "no country" in reason
    assert rule.work_refusal(licence=lic("WW"), withdrawn=[",FR,"], country="", at=AT)[0] == "withdrawn"
    assert rule.work_refusal(licence=lic("WW"), withdrawn=[",FR,"], country="DE", at=AT) == ("", "")
    assert rule.viewer_country(" fr") == "FR" and rule.viewer_country("1'") == "" and rule.viewer_country(None) == ""


def test_the_quarantine_reason_names_the_missing_licence_and_what_it_must_cover():
    missing = rule.delivery_problem(None, AT, source="Partner X")
    assert "source 'Partner X' has no licence attached" in missing
    assert all(word in missing for word in ("series, season, episode or film", "territories", "window"))
    ended = rule.delivery_problem(lic("FR,DE", start=-400, end=-30, name="Old deal"), AT, source="Partner X")
    assert "licence 'Old deal' ended 2026-05-02" in ended and "2025-04-27 to 2026-05-02" in ended
    assert "territories FR,DE" in ended
    assert rule.delivery_problem(lic("WW", start=5), AT, source="Partner X") == ""  # held until it starts
    assert rule.embargo_until(lic("WW", start=5), AT) == AT + 5 * DAY


def test_downloads_and_quality_come_from_the_licence():
    assert rule.downloads_allowed(lic(downloads=False)) is False and rule.downloads_allowed(None) is False
    assert rule.max_height(lic(height=720)) == 720 and rule.max_height(lic()) is None


@pytest.mark.parametrize("country, fts", [("fr", "access : ((tww NOT txfr) OR tfr)"),
                                          ("", "access : (tww NOT tx*)"), ("1' OR", "access : (tww NOT tx*)")])
def test_the_fts_form_lets_nothing_else_into_the_expression(country, fts):
    assert rule.entry_fts(country) == fts
