"""Where search entries may be shown: territories and the next time their licences change."""

import datetime as dt
from collections import defaultdict

from django.db import transaction

from reelhouse.catalog.models import (
    Episode,
    SearchEntry,
    Work,
)
from reelhouse.core import clock

# --- where entries may be shown -----------------------------------------------------------------
# An entry's `territories` say where its licences let it be shown now; `rights_recheck_at` is when that can next change
# (a licence starting or ending), and availability_refresh_due (every minute in `reelhouse run`) recomputes it then.
# Playback checks the licence itself at the exact instant; browsing may lag a boundary by up to that minute.

LicenceWindow = tuple[str, dt.datetime, dt.datetime | None]  # territory_key, starts_at, ends_at


def _licence_windows() -> dict[int, LicenceWindow]:
    from reelhouse.rights.models import Licence

    return {pk: (key, start, end) for pk, key, start, end in
            Licence.objects.values_list("pk", "territory_key", "starts_at", "ends_at")}


def entry_territories_and_recheck(licence_ids, windows: dict[int, LicenceWindow],
                 now: dt.datetime) -> tuple[str | None, dt.datetime | None]:
    """(territories, rights_recheck_at) of an entry whose works are under these licences (a series: its published
    episodes'; None for an unlicensed work, which browsing does not hold back: playback refuses it with its reason):
    the territories of the licences in force now, worldwide folded to ',WW,', and the next licence start or end."""
    codes, boundaries = set(), []
    for licence_id in licence_ids:
        if licence_id is None or licence_id not in windows:
            return None, None
        key, starts_at, ends_at = windows[licence_id]
        if starts_at > now:
            boundaries.append(starts_at)
            continue
        if ends_at is not None and ends_at <= now:
            continue
        codes.update(c for c in key.split(",") if c)
        if ends_at is not None:
            boundaries.append(ends_at)
    from reelhouse.rights.models import WORLDWIDE, territory_key

    return territory_key(WORLDWIDE if WORLDWIDE in codes else ",".join(codes)), min(boundaries, default=None)


def availability_refresh(*, work_ids=None, series_ids=None, licence_ids=None, now=None) -> int:
    """Recompute where entries may be shown: those of these works (films and episodes, and their series), these
    series, the works under these licences, or every entry when nothing is named. Ids go to the database a chunk at
    a time (a worldwide licence covers most of the catalog); only entries that changed are written, one UPDATE per
    outcome. Returns the number of entries changed."""
    now = now or clock.now()
    windows = _licence_windows()
    works = Work.objects.filter(published_at__isnull=False, asset__isnull=False)
    episodes = Episode.objects.filter(published_at__isnull=False, asset__isnull=False)
    with transaction.atomic():
        if work_ids is None and series_ids is None and licence_ids is None:
            return _rights_write(SearchEntry.objects.all(), works=works, episodes=episodes, windows=windows, now=now)
        work_ids, series_ids = set(work_ids or []), set(series_ids or [])
        if licence_ids:
            work_ids |= set(works.filter(licence_id__in=list(licence_ids)).values_list("pk", flat=True).iterator())
        for chunk in _chunks(work_ids):
            series_ids |= set(Episode.objects.filter(pk__in=chunk).values_list("series_id", flat=True))
        changed = 0
        for chunk in _chunks(work_ids):
            changed += _rights_write(
                SearchEntry.objects.filter(kind__in=[SearchEntry.Kind.FILM, SearchEntry.Kind.EPISODE],
                                           object_id__in=chunk),
                works=works.filter(pk__in=chunk), episodes=None, windows=windows, now=now)
        for chunk in _chunks(series_ids):
            changed += _rights_write(SearchEntry.objects.filter(kind=SearchEntry.Kind.SERIES, object_id__in=chunk),
                                     works=None, episodes=episodes.filter(series_id__in=chunk), windows=windows,
                                     now=now)
        return changed


RIGHTS_CHUNK = 5000  # ids per query: well under SQLite's limit of bound variables


def _chunks(ids):
    ids = sorted(ids)
    for start in range(0, len(ids), RIGHTS_CHUNK):
        yield ids[start:start + RIGHTS_CHUNK]


def _series_licences(episodes) -> dict[int, set]:
    """Series id -> the licences of these episodes (None for an unlicensed one)."""
    out: dict[int, set] = defaultdict(set)
    for series_id, licence_id in episodes.values_list("series_id", "licence_id").distinct().iterator(
            chunk_size=20_000):
        out[series_id].add(licence_id)
    return out


def _rights_write(entries, *, works, episodes, windows, now) -> int:
    """Bring these entries' territories and recheck time in line with the licences of `works` (films and episodes)
    and of `episodes` (for series); an entry whose works are not among them is shown nowhere."""
    wanted = {}
    if episodes is not None:
        wanted = {(SearchEntry.Kind.SERIES, sid): entry_territories_and_recheck(ids, windows, now)
                  for sid, ids in _series_licences(episodes).items()}
    if works is not None:
        for work_id, licence_id in works.values_list("pk", "licence_id").iterator(chunk_size=20_000):
            rights = entry_territories_and_recheck([licence_id], windows, now)
            wanted[(SearchEntry.Kind.FILM, work_id)] = wanted[(SearchEntry.Kind.EPISODE, work_id)] = rights
    changes: dict[tuple, list[int]] = defaultdict(list)
    current = entries.values_list("pk", "kind", "object_id", "territories", "rights_recheck_at")
    for pk, kind, object_id, territories, recheck in current.iterator(chunk_size=20_000):
        rights = wanted.get((kind, object_id), ("", None))
        if rights != (territories, recheck):
            changes[rights].append(pk)
    for (territories, recheck), pks in changes.items():
        for chunk in _chunks(pks):
            SearchEntry.objects.filter(pk__in=chunk).update(territories=territories, rights_recheck_at=recheck)
    return sum(len(pks) for pks in changes.values())


def availability_refresh_due(*, now=None) -> int:
    """Recompute the entries whose licence window opened or closed since they were indexed (the scheduler runs
    this every minute); returns the entries changed."""
    now = now or clock.now()
    due = list(SearchEntry.objects.filter(rights_recheck_at__lte=now).values_list("kind", "object_id"))
    if not due:
        return 0
    return availability_refresh(now=now, series_ids=[oid for kind, oid in due if kind == SearchEntry.Kind.SERIES],
                                work_ids=[oid for kind, oid in due if kind != SearchEntry.Kind.SERIES])
