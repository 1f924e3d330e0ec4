"""A catalog and audience the size of the service Reelhouse must outdo (about 6,000 series / 183,200 episodes,
10,500 films, 37,000 subscribers, millions of progress rows) with genres, studios, people and credits, country
ratings and French/German titles (seeding_metadata), written with COPY (PostgreSQL) or large
executemany batches (SQLite). Deterministic for a given seed; used by `reelhouse seed_scale` (in playback, which
writes the audience's viewing: playback.seeding) and bench/."""

import datetime as dt
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils.text import slugify

from reelhouse.accounts.models import Profile, User
from reelhouse.catalog import seeding_metadata
from reelhouse.catalog.models import (
    Credit,
    Episode,
    Film,
    Follow,
    Person,
    Season,
    Series,
    Studio,
    TitleRating,
    Work,
)
from reelhouse.core import clock
from reelhouse.media.models import Asset
from reelhouse.rights.models import Licence, Licensor

EMAIL_DOMAIN = "scale.reelhouse.test"
SLUG_PREFIX = "scale-"
WORDS = (  # noqa: SIM905 (reads as prose)
    "harbour lights night train shadow river garden empire winter summer crown silver golden broken hidden "
    "last first secret little big northern southern city island road house mountain desert ocean storm fire "
    "glass paper stone iron velvet midnight morning evening blue red black white green wild quiet lost found "
    "kingdom station doctor detective family brothers sisters school hospital court office kitchen farm "
    "amélie münchen café señor zoë crème brûlée mañana köln zürich göteborg façade naïve fjord søren åsa "
    "chronicles diaries files stories tales legends mysteries affairs secrets lives days years nights dreams "
    "paris berlin london tokyo lagos lima oslo vienna prague dublin sydney toronto chicago memphis havana "
    "wolf fox bear raven eagle tiger horse whale falcon rabbit spider dragon phoenix lion owl salmon "
    "love war peace time money power truth lies blood water light dark moon sun star sky earth rain snow"
).split()
COUNTRIES = ["US", "US", "US", "GB", "DE", "FR", "CA", "AU", "NL", "SE"]
# The licences titles come under (name, territories, window relative to now in days: start, end or None, share of
# titles): most worldwide, some regional, a few ending soon, ended or not started, so that rows and search have
# territory and window filtering to do at scale.
LICENCES = [
    ("Worldwide catalogue", "WW", (-9000, None), 0.62),
    ("North America", "US,CA", (-4000, None), 0.12),
    ("French-speaking Europe", "FR,BE,CH,LU,MC", (-3000, None), 0.07),
    ("DACH", "DE,AT,CH", (-3000, None), 0.07),
    ("UK and Ireland", "GB,IE", (-2500, None), 0.06),
    ("Worldwide, ending soon", "WW", (-700, 30), 0.04),
    ("Worldwide, ended", "WW", (-1400, -60), 0.01),
    ("Worldwide, from next month", "WW", (30, None), 0.01),
]


@dataclass
class Shape:
    series: int = 6000
    episodes: int = 183_200
    films: int = 10_500
    subscribers: int = 37_000
    progress_rows: int = 2_000_000
    plays_7d: int = 150_000
    daily_shows: int = 40
    seed: int = 5


def seeded() -> bool:
    """The scale catalog is present (seeding is skipped then)."""
    return Series.objects.filter(slug__startswith=SLUG_PREFIX).exists()


def db_ts(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") + ("+00" if connection.vendor == "postgresql" else "")


def db_uuid(value: uuid.UUID) -> str:
    return str(value) if connection.vendor == "postgresql" else value.hex


def next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
        return cursor.fetchone()[0] + 1


def insert_rows(model, columns: list[str], rows, *, tick: Callable[[int], None] | None = None,
            batch: int = 20_000) -> int:
    """Write rows fast: COPY on PostgreSQL, executemany in large batches on SQLite. Columns of the model's table
    not named get their field default (computed once), so fields other apps add later do not break seeding."""
    table = model._meta.db_table
    # Fields not named take their default; an auto primary key not named is left to the database.
    rest = [f for f in model._meta.local_concrete_fields if f.column not in columns
            and not (f.primary_key and isinstance(f, models.AutoField))]
    if rest:
        defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
        columns = columns + [f.column for f in rest]
        rows = (tuple(row) + defaults for row in rows)
    count = 0
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({', '.join(map(quote, columns))}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
                    if tick and count % batch == 0:
                        tick(batch)
            if tick:
                tick(count % batch)
            return count
        sql = f"INSERT INTO {table} ({', '.join(map(quote, columns))}) VALUES ({', '.join('?' * len(columns))})"
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                count += len(chunk)
                if tick:
                    tick(len(chunk))
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            count += len(chunk)
            if tick:
                tick(len(chunk))
    return count


def _title(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).title()


def _season_plan(shape: Shape, rng: random.Random) -> list[list[int]]:
    """Episodes per season for each series: a few long-running daily shows, most series short, totalling exactly
    `shape.episodes`."""
    plan = []
    for i in range(shape.series):
        if i < shape.daily_shows:
            plan.append([rng.randint(150, 250) for _ in range(rng.randint(5, 30))])
        else:
            seasons = min(30, max(1, int(rng.paretovariate(1.3))))
            plan.append([rng.randint(6, 24) for _ in range(seasons)])
    total = sum(map(sum, plan))
    factor = shape.episodes / total
    plan = [[max(1, round(n * factor)) for n in seasons] for seasons in plan]
    diff = shape.episodes - sum(map(sum, plan))
    i = 0
    while diff > 0:  # spread rounding errors over the series, one episode at a time
        plan[i % len(plan)][-1] += 1
        diff, i = diff - 1, i + 1
    while diff < 0:  # every season keeps one episode and every series one season (episodes >= series)
        seasons = plan[i % len(plan)]
        if seasons[-1] > 1:
            seasons[-1] -= 1
            diff += 1
        elif len(seasons) > 1:
            seasons.pop()
            diff += 1
        i += 1
    return plan


@dataclass
class Audience:
    """What the app that records viewing needs to seed its rows into the scale catalog (`audience` of seed_scale):
    the shape, the shared random stream (seeding stays deterministic), the profiles and published works, the one
    placeholder asset; it adds the (profile id, series id) follows its viewers pick to `follows`, which catalog
    writes, and reports its phases through `report(phase, advance, total)`."""

    shape: Shape
    rng: random.Random
    now: dt.datetime
    profile_ids: list[int]
    published_by_series: dict[int, list[int]]
    film_ids: list[int]
    asset_id: int
    follows: list[tuple[int, int]]
    report: Callable[[str, int, int], None]


def seed_scale(shape: Shape, *, progress: Callable[[str, int, int], None] | None = None,
               audience: Callable[[Audience], dict] | None = None) -> dict:
    """Write the scale catalog and its subscribers; `audience` (playback.seeding.audience_write, which seed_scale the
    command passes) writes their viewing in the same transaction; `progress(phase, advance, total)` reports as it
    goes. Returns the rows written per kind."""
    rng = random.Random(shape.seed)
    report = progress or (lambda phase, advance, total: None)
    now = clock.now().replace(microsecond=0)
    today = now.date()
    counts = {}
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-200000")
            cursor.execute("PRAGMA temp_store=MEMORY")

    with transaction.atomic():
        plan = _season_plan(shape, rng)
        work_id, series_id, season_id = next_id(Work), next_id(Series), next_id(Season)
        asset_id = next_id(Asset)
        first_work = work_id
        meta = seeding_metadata.Planner(shape.seed)
        series_maturity: dict[int, int | None] = {}

        # Licences, one per title (a series' episodes share its licence), drawn from their own random stream.
        licensor, _ = Licensor.objects.get_or_create(name="Scale Pictures")
        licences = [Licence.objects.create(
            licensor=licensor, name=name, territories=territories, starts_at=now + dt.timedelta(days=start),
            ends_at=None if end is None else now + dt.timedelta(days=end)) for name, territories, (start, end), _ in
            LICENCES]
        licence_rng = random.Random(shape.seed + 1)

        def licence_pick() -> int:
            return licence_rng.choices(licences, weights=[share for *_, share in LICENCES])[0].pk

        series_licence: dict[int, int] = {}

        # Series and seasons; episodes: (work, series, season, number, air, published, daily, absolute number).
        series_rows, season_rows, episodes = [], [], []
        running = set(rng.sample(range(shape.series), k=shape.series // 20))  # 5% still airing: upcoming episodes
        for i, seasons in enumerate(plan):
            title = _title(rng, rng.choice([1, 2, 2, 3]))
            sid = series_id + i
            start = dt.date(rng.randint(1985, 2024), rng.randint(1, 12), rng.randint(1, 28))
            daily = i < shape.daily_shows
            synopsis = f"{_title(rng, 12)}."
            m = meta.series(series_id=sid, title=title, synopsis=synopsis)
            series_maturity[sid] = m.maturity
            series_licence[sid] = licence_pick()
            series_rows.append((sid, title, title, f"{SLUG_PREFIX}{i}-{slugify(title)}"[:320], start.year,
                                synopsis, "", "", "{}", db_ts(now), m.maturity, m.translations, m.original_title))
            air = start
            total_eps = sum(seasons)
            first_upcoming = total_eps - 3 if i in running else total_eps + 1
            k = 0
            for s_no, n_eps in enumerate(seasons, start=1):
                number = (start.year + s_no - 1) if daily else s_no
                season_rows.append((season_id, sid, number, "", ""))
                for e in range(1, n_eps + 1):
                    k += 1
                    if k >= first_upcoming:
                        air = today + dt.timedelta(days=rng.randint(0, 25))
                    else:
                        air = air + dt.timedelta(days=1 if daily else 7)
                    published = k < first_upcoming
                    episodes.append((work_id, sid, season_id, e, air, published, daily, k))
                    work_id += 1
                season_id += 1
        report("series", 0, len(series_rows))
        insert_rows(Series, ["id", "title", "sort_title", "slug", "year", "synopsis", "poster", "fanart",
                             "external_ids", "created_at", "maturity", "translations", "original_title"], series_rows,
                    tick=lambda n: report("series", n, len(series_rows)))
        insert_rows(Season, ["id", "series_id", "number", "title", "poster"], season_rows)
        counts["series"], counts["seasons"] = len(series_rows), len(season_rows)

        # Works: episodes then films (one id space), all sharing one placeholder asset.
        film_ids = list(range(work_id, work_id + shape.films))
        latest_publish = now - dt.timedelta(hours=1)

        def published_at(air: dt.date) -> str:
            moment = dt.datetime.combine(air + dt.timedelta(days=1), dt.time(6), tzinfo=dt.UTC)
            return db_ts(min(moment, latest_publish))

        def work_rows():
            for wid, sid, _season, _number, air, published, daily, _k in episodes:
                title = air.strftime("%B %-d, %Y") if daily else _title(rng, rng.choice([1, 2, 3, 3]))
                yield (wid, "episode", title, f"{_title(rng, 10)}.", rng.randint(20, 60) * 60,
                       asset_id if published else None, published_at(air) if published else None, db_ts(now),
                       series_maturity[sid], "{}", "", series_licence[sid])
            for wid in film_ids:
                added = now - dt.timedelta(days=rng.randint(1, 3000), minutes=rng.randint(0, 1440))
                title, synopsis = _title(rng, rng.choice([1, 2, 3])), f"{_title(rng, 14)}."
                m = meta.film(work_id=wid, title=title, synopsis=synopsis)
                yield (wid, "film", title, synopsis, rng.randint(80, 160) * 60, asset_id, db_ts(added), db_ts(now),
                       m.maturity, m.translations, m.original_title, licence_pick())

        total_works = len(episodes) + len(film_ids)
        report("works", 0, total_works)
        insert_rows(Work, ["id", "kind", "title", "synopsis", "runtime_s", "asset_id", "published_at", "created_at",
                       "maturity", "translations", "original_title", "licence_id"], work_rows(),
                    tick=lambda n: report("works", n, total_works))
        # Foreign keys are checked at commit, so the asset can name the first work written above.
        Asset.objects.create(id=asset_id, work_id=first_work, source_sha256="0" * 64,
                             directory="scale-placeholder", duration_s=1500.0, width=1280, height=720)
        insert_rows(Episode, ["work_ptr_id", "series_id", "season_id", "number", "air_date", "still",
                          "skipped", "absolute_number"],
                    ((wid, sid, season, number, air.isoformat(), "", False, k)
                     for wid, sid, season, number, air, _p, _d, k in episodes))
        insert_rows(Film, ["work_ptr_id", "slug", "year", "poster", "fanart", "external_ids"],
                    ((wid, f"{SLUG_PREFIX}{wid}", rng.randint(1930, 2025), "", "", "{}") for wid in film_ids))
        counts["episodes"], counts["films"] = len(episodes), len(film_ids)

        # Genres, studios, people and credits, country ratings (the maturities above derive from them).
        counts |= meta.write(series_ids=[row[0] for row in series_rows], film_ids=film_ids, insert=insert_rows,
                             next_id=next_id, report=report)

        # Subscribers and their profiles: one password hash computed once.
        password = make_password("scale-viewer-password")
        user_id, profile_id = next_id(User), next_id(Profile)
        users, profiles = [], []
        for n in range(shape.subscribers):
            uid = user_id + n
            users.append((uid, password, f"viewer{n}@{EMAIL_DOMAIN}", f"Viewer {n}", rng.choice(COUNTRIES), "",
                          False, True, False, db_ts(now - dt.timedelta(days=rng.randint(1, 2000)))))
            for p in range(rng.choice([1, 1, 1, 2, 2, 3])):
                profiles.append((profile_id, uid, ["Main", "Partner", "Kids"][p], p == 2, p == 0, db_ts(now)))
                profile_id += 1
        report("subscribers", 0, len(users))
        insert_rows(User, ["id", "password", "email", "display_name", "country", "language", "is_staff",
                                      "is_active", "is_superuser", "date_joined"], users,
                    tick=lambda n: report("subscribers", n, len(users)))
        insert_rows(Profile, ["id", "user_id", "name", "is_kids", "is_owner", "created_at"], profiles)
        counts["subscribers"], counts["profiles"] = len(users), len(profiles)

        # The audience's viewing (playback's rows) and the series it follows.
        published_by_series: dict[int, list[int]] = {}
        for wid, sid, _season, _n, _air, published, _d, _k in episodes:
            if published:
                published_by_series.setdefault(sid, []).append(wid)
        follows: list[tuple[int, int]] = []
        if audience is not None:  # the app that records viewing writes its rows (playback.seeding)
            counts |= audience(Audience(shape=shape, rng=rng, now=now, profile_ids=[p[0] for p in profiles],
                                        published_by_series=published_by_series, film_ids=film_ids,
                                        asset_id=asset_id, follows=follows, report=report))
        follows = sorted(set(follows))
        follow_id = next_id(Follow)
        insert_rows(Follow, ["id", "profile_id", "series_id", "created_at"],
                    [(follow_id + i, pid, sid, db_ts(now)) for i, (pid, sid) in enumerate(follows)])
        counts["follows"] = len(follows)

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Series, Season, Work, Asset, User, Profile,
                                                                          Follow, Studio, Person,
                                                                          Credit, TitleRating]):
                    cursor.execute(sql)

    from reelhouse.catalog.services import search_index_rebuild

    last = [0]

    def index_progress(done: int, total: int) -> None:
        report("search index", done - last[0], total)
        last[0] = done

    counts["search_entries"] = search_index_rebuild(progress=index_progress)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts
