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
from reelhouse.rights import rule

# --- where entries may be shown -----------------------------------------------------------------
# An entry's `territories` say where rights.rule lets it be shown now (a key such as ',FR,DE,' or ',WW,XFR,', see the
# rule); `rights_recheck_at` is when that can next change (a licence starting or ending), and
# availability_refresh_due (every minute in `reelhouse run`) recomputes it then. Rights' licence_changed and
# work_withdrawn/work_restored signals recompute the entries concerned at once. Playback asks the rule at the exact
# instant; browsing may lag a licence boundary by up to that minute.

Item = tuple[int | None, int | None]  # (work id, or None for works with no standing withdrawal; licence id)


class EntryRights:
    """The rule's inputs loaded once (every licence, every standing withdrawal) and the key of an entry from its
    works: `of([(work id, licence id), ...])` -> (territories, rights_recheck_at)."""

    def __init__(self, now: dt.datetime, *, withdrawals: bool = True):
        from reelhouse.rights.models import Licence

        self.now = now
        self.licences = {lic.pk: lic for lic in Licence.objects.only("pk", "name", "territories", "starts_at",
                                                                     "ends_at")}
        self.withdrawn = rule.standing_withdrawals(None) if withdrawals else {}
        self._by_licence: dict[int | None, str | None] = {}

    def of(self, items) -> tuple[str | None, dt.datetime | None]:
        items = list(items)
        licences = [self.licences.get(licence_id) for _, licence_id in items]
        keys = [self._key(work_id, licence_id, lic) for (work_id, licence_id), lic in zip(items, licences, strict=True)]
        return rule.territories_union(keys), rule.next_change(licences, self.now)

    def _key(self, work_id, licence_id, licence) -> str | None:
        if work_id in self.withdrawn:
            return rule.work_territories(licence=licence, withdrawn=self.withdrawn[work_id], at=self.now)
        if licence_id not in self._by_licence:  # most works: the key is their licence's (a rebuild has 190,000)
            self._by_licence[licence_id] = rule.work_territories(licence=licence, at=self.now)
        return self._by_licence[licence_id]


def availability_refresh(*, work_ids=None, series_ids=None, licence_ids=None, now=None,
                         withdrawals: bool = True) -> int:
    """Recompute where entries may be shown: those of these works (films and episodes, and their series), these
    series, the works under these licences, or every entry when nothing is named. Ids go to the database a chunk at
    a time (a worldwide licence covers most of the catalog); only entries that changed are written, one UPDATE per
    outcome. Returns the number of entries changed. `withdrawals` False only for catalog migration 0010, which runs
    before rights has a withdrawals table."""
    now = now or clock.now()
    rights = EntryRights(now, withdrawals=withdrawals)
    works = Work.objects.filter(published_at__isnull=False, asset__isnull=False)
    episodes = Episode.objects.filter(published_at__isnull=False, asset__isnull=False)
    with transaction.atomic():
        if work_ids is None and series_ids is None and licence_ids is None:
            return _rights_write(SearchEntry.objects.all(), works=works, episodes=episodes, rights=rights)
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
                works=works.filter(pk__in=chunk), episodes=None, rights=rights)
        for chunk in _chunks(series_ids):
            changed += _rights_write(SearchEntry.objects.filter(kind=SearchEntry.Kind.SERIES, object_id__in=chunk),
                                     works=None, episodes=episodes.filter(series_id__in=chunk), rights=rights)
        return changed


RIGHTS_CHUNK = 5000  # ids per query: well under SQLite's limit of bound variables


def _chunks(ids):
    ids = sorted(ids)
    for start in range(0, len(ids), RIGHTS_CHUNK):
        yield ids[start:start + RIGHTS_CHUNK]


def series_works(episodes, rights: EntryRights) -> dict[int, set[Item]]:
    """Series id -> the (work, licence) items of these episodes: one per licence for episodes without a standing
    withdrawal, one per episode with one (they are few)."""
    out: dict[int, set[Item]] = defaultdict(set)
    withdrawn = sorted(rights.withdrawn)
    for series_id, licence_id in (episodes.exclude(pk__in=withdrawn).values_list("series_id", "licence_id")
                                  .distinct().iterator(chunk_size=20_000)):
        out[series_id].add((None, licence_id))
    for series_id, pk, licence_id in episodes.filter(pk__in=withdrawn).values_list("series_id", "pk", "licence_id"):
        out[series_id].add((pk, licence_id))
    return out


def _rights_write(entries, *, works, episodes, rights: EntryRights) -> int:
    """Bring these entries' territories and recheck time in line with the rule for `works` (films and episodes)
    and for `episodes` (for series); an entry whose works are not among them is shown nowhere."""
    wanted = {}
    if episodes is not None:
        wanted = {(SearchEntry.Kind.SERIES, sid): rights.of(items)
                  for sid, items in series_works(episodes, rights).items()}
    if works is not None:
        for work_id, licence_id in works.values_list("pk", "licence_id").iterator(chunk_size=20_000):
            found = rights.of([(work_id, licence_id)])
            wanted[(SearchEntry.Kind.FILM, work_id)] = wanted[(SearchEntry.Kind.EPISODE, work_id)] = found
    changes: dict[tuple, list[int]] = defaultdict(list)
    current = entries.values_list("pk", "kind", "object_id", "territories", "rights_recheck_at")
    for pk, kind, object_id, territories, recheck in current.iterator(chunk_size=20_000):
        found = wanted.get((kind, object_id), ("", None))
        if found != (territories, recheck):
            changes[found].append(pk)
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
