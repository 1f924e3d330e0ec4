"""Precomputed home rows that no request may compute: "Top 10 in <country>" (plays of the last 7 days by viewers of
each country) and co-watching ("Because you watched X"). Run periodically (catalog.tasks); each refresh replaces
its table in one transaction, so pages read either the old rows or the new ones, never a mix. The plays and watch
histories come from the app that records them (catalog.viewing)."""

import datetime as dt
from collections import Counter, defaultdict

from django.db import connection, transaction

from reelhouse.catalog.models import CountryTop, CoWatch, Episode, SearchEntry
from reelhouse.catalog.viewing import viewing
from reelhouse.core import clock

TOP_DAYS = 7
TOP_KEEP = 50  # more than the 10 shown, so that a profile's maturity limit still leaves a full row
COWATCH_KEEP = 30  # per title, more than a row shows for the same reason
COWATCH_MIN_PROFILES = 2  # one shared viewer is chance, not a pattern
COWATCH_MAX_TITLES_PER_PROFILE = 60  # the most recent ones: bounds the pairs one binge-watcher adds
SERIES, FILM = SearchEntry.Kind.SERIES, SearchEntry.Kind.FILM

Title = tuple[str, int]  # (kind, id): a series id, or the work id of a film, as search entries name them


def _shown_titles() -> dict[Title, int]:
    """The published series and films (those with a search entry), with their popularity."""
    return {(kind, oid): pop for kind, oid, pop in SearchEntry.objects.filter(kind__in=[SERIES, FILM])
            .values_list("kind", "object_id", "popularity").iterator(chunk_size=20_000)}


def _licence_allows():
    """(licence id or None, country) -> whether the licence lets its works be shown there now (rights.rule: a work
    without a licence is shown nowhere)."""
    from reelhouse.rights import rule
    from reelhouse.rights.models import Licence

    now = clock.now()
    licences = {lic.pk: lic for lic in Licence.objects.all()}

    def allows(licence_id, country: str) -> bool:
        lic = licences.get(licence_id)
        return lic is not None and rule.shown(rule.work_territories(licence=lic, at=now), rule.viewer_country(country))

    return allows


def country_tops_refresh(*, keep: int = TOP_KEEP) -> int:
    """Rank series and films by plays started in the last 7 days by viewers of each country (a series counts the
    plays of all its episodes), leaving out plays of works not licensed in that country now; ties go to the title
    more profiles watched overall. Returns the rows written."""
    shown = _shown_titles()
    allows = _licence_allows()
    series_of = dict(Episode.objects.values_list("pk", "series_id").iterator(chunk_size=20_000))
    plays: dict[str, Counter] = defaultdict(Counter)
    grouped = viewing().plays_by_country(since=clock.now() - dt.timedelta(days=TOP_DAYS))
    for country, work_id, licence_id, n in grouped:
        country = (country or "").upper()
        if not country or not allows(licence_id, country):
            continue
        title = (SERIES, series_of[work_id]) if work_id in series_of else (FILM, work_id)
        if title in shown:
            plays[country][title] += n
    out = []
    for country, counts in sorted(plays.items()):
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], -shown[kv[0]], kv[0]))[:keep]
        out += [CountryTop(country=country, position=i, kind=kind, object_id=oid, plays=n)
                for i, ((kind, oid), n) in enumerate(ranked, start=1)]
    with transaction.atomic():
        CountryTop.objects.all().delete()
        CountryTop.objects.bulk_create(out, batch_size=2000)
    _analyze(CountryTop)
    return len(out)


def cowatch_refresh(*, keep: int = COWATCH_KEEP, min_profiles: int = COWATCH_MIN_PROFILES) -> int:
    """For every published series and film X, the titles most often watched by the profiles that watched X (any
    progress on any episode counts), at least `min_profiles` of them; ties go to the title more profiles watched
    overall. Returns the rows written."""
    shown = _shown_titles()
    series_of = dict(Episode.objects.values_list("pk", "series_id").iterator(chunk_size=20_000))
    # Each profile's titles, most recently watched first (a binge-watcher's list is cut to the newest ones).
    watched: dict[int, list[Title]] = defaultdict(list)
    seen: set[tuple[int, Title]] = set()
    for profile_id, work_id in viewing().watch_history():
        title = (SERIES, series_of[work_id]) if work_id in series_of else (FILM, work_id)
        if title not in shown or (profile_id, title) in seen:
            continue
        seen.add((profile_id, title))
        if len(watched[profile_id]) < COWATCH_MAX_TITLES_PER_PROFILE:
            watched[profile_id].append(title)
    del seen
    audience: dict[Title, list[int]] = defaultdict(list)
    for profile_id, titles in watched.items():
        for title in titles:
            audience[title].append(profile_id)
    out = []
    for source in sorted(audience):
        together = Counter()
        for profile_id in audience[source]:
            together.update(watched[profile_id])
        del together[source]
        ranked = sorted(((t, n) for t, n in together.items() if n >= min_profiles),
                        key=lambda tn: (-tn[1], -shown[tn[0]], tn[0]))[:keep]
        out += [CoWatch(source_kind=source[0], source_id=source[1], position=i, kind=kind, object_id=oid,
                        profiles=n) for i, ((kind, oid), n) in enumerate(ranked, start=1)]
    with transaction.atomic():
        CoWatch.objects.all().delete()
        CoWatch.objects.bulk_create(out, batch_size=2000)
    _analyze(CoWatch)
    return len(out)


def _analyze(model) -> None:
    """Refresh the planner's statistics of a table just rewritten: with the stale ones of an empty table PostgreSQL
    hashes the whole table for the home page's EXISTS instead of probing its index (33 ms instead of 1 ms)."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def home_rankings_refresh() -> dict:
    """Both refreshes; what the periodic job runs. Returns the rows written per table."""
    return {"country_tops": country_tops_refresh(), "cowatch": cowatch_refresh()}
