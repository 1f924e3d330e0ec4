"""The licence rule: the one place that decides whether a work may be shown, played or downloaded, where and when.

One definition, several forms. For one work at one instant, `work_territories` folds its licence (window, territories)
and its standing withdrawals into where it may be shown: a territory key such as ',FR,DE,' (exactly those), ',WW,'
(everywhere), ',WW,XFR,' (everywhere but France: an excluded code is written X + code, three letters, so it never
reads as a country), ',WW,X00,' (every country but no worldwide work, see _key) or '' (nowhere now). A work without
a licence is shown nowhere ('': browsing, search and notifications hold it back as playback refuses it,
`work_refusal`); a stored key that is NULL (an entry indexed before this rule) reads as nowhere too. A series is shown
where any of its episodes is (`territories_union`). `shown(territories, country)` is the viewer's side; the search index
stores the key and `entry_q`, `entry_sql` and `entry_fts` are that same test as a Django Q, an SQL condition and an
SQLite FTS5 `access` expression. `work_q` is the test on works themselves (licence and withdrawal rows). The
property test tests/rights/test_rule_property.py checks that every form agrees with the pure functions.

`country` everywhere: None means no territory filter (operator tools); otherwise the viewer's country as
`viewer_country` makes it: two upper-case letters, or '' for none or nonsense, which sees worldwide titles only."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import BigIntegerField, Q

from reelhouse.core.prepared import Arg, Prepared
from reelhouse.rights.models import WORLDWIDE, WorkWithdrawal, territory_key

EXCLUDED = "X"  # prefix of a code a withdrawal took out of a worldwide key
NO_COUNTRY_BLOCK = "X00"  # in a worldwide key: every country, but not a viewer with no country (see _key)


def viewer_country(code: str | None) -> str:
    """The viewer's country as two upper-case letters; '' for anything else, which sees only worldwide titles."""
    code = (code or "").strip().upper()
    return code if len(code) == 2 and code.isascii() and code.isalpha() else ""


# --- pure: one work at one instant ------------------------------------------------------------------------------

def codes(key: str | None) -> frozenset[str]:
    return frozenset(c for c in (key or "").split(",") if c)


def _key(everywhere: bool, some: Iterable[str], none_ok: bool | None = None) -> str:
    """The key of 'everywhere but `some`' or of 'exactly `some`'. Everywhere with nothing excluded is worldwide
    (',WW,', which a viewer with no country sees) unless `none_ok` is False: a series whose episodes are each
    withdrawn somewhere reaches every country but has no worldwide episode, marked NO_COUNTRY_BLOCK."""
    if everywhere:
        some = sorted(EXCLUDED + c for c in some)
        if not some and none_ok is False:
            some = [NO_COUNTRY_BLOCK]
        return ",".join(["", WORLDWIDE, *some, ""])
    return territory_key(",".join(some))


def _parts(key: str) -> tuple[bool, frozenset[str], bool]:
    """(everywhere?, the excluded codes if so, else the codes; whether a viewer with no country sees it)."""
    found = codes(key)
    if WORLDWIDE in found:
        excluded = frozenset(c[1:] for c in found if len(c) == 3 and c.startswith(EXCLUDED) and c[1:].isalpha())
        return True, excluded, found == {WORLDWIDE}
    return False, found, False


def in_window(licence, at: dt.datetime) -> bool:
    return licence.starts_at <= at and (licence.ends_at is None or at < licence.ends_at)


def work_territories(*, licence, withdrawn: Iterable[str] = (), at: dt.datetime) -> str:
    """Where a work may be shown at `at` (a key, see above): its licence's territories while the licence is in force,
    less those of its standing withdrawals (`withdrawn`: their territory keys, '' for all territories); nowhere ('')
    without a licence."""
    withdrawn = list(withdrawn)
    if licence is None or any(not codes(w) for w in withdrawn):
        return ""
    taken = frozenset().union(*(codes(w) for w in withdrawn))
    if not in_window(licence, at):
        return ""
    everywhere, some, _none_ok = _parts(territory_key(licence.territories))
    if everywhere:
        return _key(True, taken)
    return _key(False, some - taken)


def territories_union(keys: Iterable[str | None]) -> str:
    """Where a title made of works with these keys may be shown: wherever any of them may (a None key, as '', adds
    nowhere); a viewer with no country sees it if one of them is worldwide."""
    everywhere, some, none_ok = False, frozenset(), False
    for key in keys:
        other_everywhere, other, other_ok = _parts(key)
        if everywhere and other_everywhere:
            some, none_ok = some & other, none_ok or other_ok
        elif everywhere:
            some = some - other
        elif other_everywhere:
            everywhere, some, none_ok = True, other - some, other_ok
        else:
            some = some | other
    return _key(everywhere, some, none_ok)


def next_change(licences: Iterable, at: dt.datetime) -> dt.datetime | None:
    """The next instant after `at` at which one of these licences starts or ends (when a key must be recomputed)."""
    moments = [m for lic in licences if lic is not None for m in (lic.starts_at, lic.ends_at)
               if m is not None and m > at]
    return min(moments, default=None)


def shown(territories: str | None, country: str | None) -> bool:
    """Whether a title with this key may be shown to a viewer in `country` (see the module docstring)."""
    if country is None:
        return True
    found = codes(territories)
    if not country:
        return found == {WORLDWIDE}
    return (WORLDWIDE in found and EXCLUDED + country not in found) or country in found


def work_refusal(*, licence, withdrawn: Iterable[str] = (), country: str, at: dt.datetime) -> tuple[str, str]:
    """Why a viewer in `country` (as viewer_country makes it) may not play a work now: (code, reason) with code
    'licence' (none attached), 'window' (not started or ended), 'withdrawn' (taken down here on a notice) or
    'territory' (not licensed here); ('', '') when it may."""
    if licence is None:
        return "licence", "no licence is attached"
    if problem := window_problem(licence, at):
        return "window", problem
    withdrawn = list(withdrawn)
    if not shown(work_territories(licence=licence, withdrawn=withdrawn, at=at), country):
        if not shown(work_territories(licence=licence, at=at), country):
            where = country or "no country"
            return "territory", f"licence '{licence.name}' does not cover territory {where} " \
                                f"(covers {licence.territories})"
        return "withdrawn", "withdrawn on a notice in this territory"
    return "", ""


def window_problem(licence, at: dt.datetime) -> str:
    """Why the licence is not in force at `at` ('' when it is), naming its window."""
    if at < licence.starts_at:
        return f"licence '{licence.name}' starts {licence.starts_at:%Y-%m-%d}"
    if licence.ends_at is not None and at >= licence.ends_at:
        return f"licence '{licence.name}' ended {licence.ends_at:%Y-%m-%d}"
    return ""


def downloads_allowed(licence) -> bool:
    return licence is not None and licence.allows_downloads


def max_height(licence) -> int | None:
    """The highest rendition the licence lets us show (None: no limit)."""
    return getattr(licence, "max_height", None) or None


def embargo_until(licence, at: dt.datetime) -> dt.datetime | None:
    """When a work under this licence may first be shown, if the licence has not started at `at`."""
    return licence.starts_at if licence is not None and licence.starts_at > at else None


def delivery_problem(licence, at: dt.datetime, *, source: str) -> str:
    """Why a delivery under this licence (its source's) may not be accepted ('' when it may: in force, or starting
    later, which holds the work until then). Says which licence is missing and what it must cover."""
    if licence is None:
        return (f"source '{source}' has no licence attached: attach one to the source that covers this work (its "
                "series, season, episode or film), the territories to show it in and a window including now")
    if embargo_until(licence, at) is not None:
        return ""
    if problem := window_problem(licence, at):
        return (f"source '{source}' has no current licence: {problem} (window {_window(licence)}); attach a licence "
                "whose window includes now")
    return ""


def _window(licence) -> str:
    end = f"{licence.ends_at:%Y-%m-%d}" if licence.ends_at else "open-ended"
    return f"{licence.starts_at:%Y-%m-%d} to {end}, territories {licence.territories}"


# --- the same rule as queries --------------------------------------------------------------------------------------

def _fenced(code: str) -> str:
    return f",{code},"


def _upper(country: str | None) -> str | None:
    """A country as the query forms take it: upper-cased, not otherwise checked (the home rows compile these forms
    with stand-in values patched later, catalog.selectors.home; callers pass viewer_country's output)."""
    return None if country is None else country.strip().upper()


def entry_q(country: str | None, field: str = "territories") -> Q:
    """Rows whose stored key (`field`) `shown` lets a viewer in `country` see."""
    country = _upper(country)
    if country is None:
        return Q()
    if not country:
        return Q(**{field: _fenced(WORLDWIDE)})
    return (Q(**{f"{field}__contains": _fenced(WORLDWIDE)})
                         & ~Q(**{f"{field}__contains": _fenced(EXCLUDED + country)})) \
        | Q(**{f"{field}__contains": _fenced(country)})


def entry_sql(country: str | None, column: str) -> tuple[str, list]:
    """`entry_q` as an SQL condition to AND onto a WHERE clause (' AND (...)', params); ('', []) for no filter."""
    country = _upper(country)
    if country is None:
        return "", []
    if not country:
        return f" AND {column} = %s", [_fenced(WORLDWIDE)]
    return (f" AND (({column} LIKE %s AND {column} NOT LIKE %s) OR {column} LIKE %s)",
            [f"%{_fenced(WORLDWIDE)}%", f"%{_fenced(EXCLUDED + country)}%", f"%{_fenced(country)}%"])


def entry_fts(country: str) -> str:
    """`entry_q` as an SQLite FTS5 condition on the `access` column, which indexes each code of the key as t<code>
    lower-cased (catalog migrations 0010 and 0012; an entry shown nowhere, '' or NULL, has none): tww, tfr, txfr
    (France excluded)."""
    country = viewer_country(country).lower()  # nothing else may reach the expression
    if not country:
        return f"access : (tww NOT t{EXCLUDED.lower()}*)"
    return f"access : ((tww NOT t{EXCLUDED.lower()}{country}) OR t{country})"


def work_q(*, country: str | None, at: dt.datetime, prefix: str = "") -> Q:
    """Works (reached through `prefix`, e.g. 'work__') that `shown` lets a viewer in `country` see at `at`: a licence
    in force covering the country (a work without one is shown nowhere) and no standing withdrawal there."""
    country = _upper(country)
    if country is None:
        return Q()
    lic = f"{prefix}licence"
    key = f"{lic}__territory_key__contains"
    covered = Q(**{key: _fenced(WORLDWIDE)})
    standing = WorkWithdrawal.objects.filter(lifted_at__isnull=True)
    if country:
        covered |= Q(**{key: _fenced(country)})
        standing = standing.filter(Q(territories="") | Q(territories__contains=_fenced(country)))
    in_force = Q(**{f"{lic}__starts_at__lte": at}) & (Q(**{f"{lic}__ends_at__isnull": True})
                                                      | Q(**{f"{lic}__ends_at__gt": at}))
    licensed = Q(**{f"{lic}__isnull": False}) & in_force & covered
    # NOT IN a small uncorrelated subquery (withdrawals are few) rather than NOT EXISTS: it works through any prefix,
    # also inside an aggregate's filter.
    return licensed & ~Q(**{f"{prefix}pk__in": standing.values("work_id")})


# a playback's check of one work (every heartbeat): built and compiled once per server thread (core/prepared.py)
_WITHDRAWALS_OF_ONE = Prepared(lambda: WorkWithdrawal.objects.filter(lifted_at__isnull=True,
                                                                     work_id=Arg("work", BigIntegerField()))
                               .values_list("territories", flat=True))


def work_withdrawals(work_id: int) -> list[str]:
    """standing_withdrawals of one work: the territory keys of its standing withdrawals ('' for all territories)."""
    return [territory_key(territories) for territories in _WITHDRAWALS_OF_ONE.all(work=work_id)]


def standing_withdrawals(work_ids) -> dict[int, list[str]]:
    """Work id -> the territory keys of its standing withdrawals ('' for all territories)."""
    out: dict[int, list[str]] = {}
    rows = WorkWithdrawal.objects.filter(lifted_at__isnull=True)
    if work_ids is not None:
        rows = rows.filter(work_id__in=list(work_ids))
    for work_id, territories in rows.values_list("work_id", "territories"):
        out.setdefault(work_id, []).append(territory_key(territories))
    return out
