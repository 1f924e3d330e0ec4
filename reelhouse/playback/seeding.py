"""The scale catalog's viewing (catalog.seeding writes the catalog and subscribers and calls `audience_write` in its
transaction): each profile binges from the start of a few popularity-skewed series, plus films (resume points, and
the series it follows), and the plays of the last 7 days that make trending and the top 10s."""

import datetime as dt
import uuid

from django.core.management.color import no_style
from django.db import connection

from reelhouse.catalog.seeding import Audience, db_ts, db_uuid, insert_rows, next_id
from reelhouse.playback.models import PlaybackSession, ResumePoint


def audience_write(audience: Audience) -> dict:
    """Write the resume points and recent plays of the scale audience; returns the rows written per kind."""
    shape, rng, now, report = audience.shape, audience.rng, audience.now, audience.report
    published_by_series, film_ids, profiles = audience.published_by_series, audience.film_ids, audience.profile_ids
    counts = {}
    series_ids = list(published_by_series)
    weights = [1 / (rank + 1) for rank in range(len(series_ids))]
    film_weights = [1 / (rank + 1) for rank in range(len(film_ids))]
    per_profile = max(1, round(1.15 * shape.progress_rows / max(1, len(profiles))))
    first_rp_id = next_id(ResumePoint)  # not inside the generator: PostgreSQL is mid-COPY while it runs

    def resume_rows():
        rp_id, made = first_rp_id, 0
        for pid in profiles:
            if made >= shape.progress_rows:
                break
            seen = set()
            want = min(per_profile * 2, max(1, int(rng.expovariate(1 / per_profile))))
            for sid in rng.choices(series_ids, weights=weights, k=3):
                if len(seen) >= want:
                    break
                if rng.random() < 0.3:
                    audience.follows.append((pid, sid))
                for wid in published_by_series[sid][: want - len(seen)]:
                    seen.add(wid)
            for wid in rng.choices(film_ids, weights=film_weights, k=max(1, want // 10)):
                seen.add(wid)
            ordered = sorted(seen)
            for j, wid in enumerate(ordered):
                last = j == len(ordered) - 1
                when = now - dt.timedelta(days=rng.randint(0, 400), seconds=rng.randint(0, 86_400))
                yield (rp_id, pid, wid, 600.0 if last else 1500.0, 1500.0, not last, db_ts(when))
                rp_id += 1
                made += 1

    report("progress", 0, shape.progress_rows)
    counts["progress"] = insert_rows(ResumePoint, ["id", "profile_id", "work_id", "position_s", "duration_s",
                                                   "watched", "updated_at"],
                                     resume_rows(), tick=lambda n: report("progress", n, shape.progress_rows))
    report("progress", 0, counts["progress"])  # fewer rows than asked when profiles ran out: the bar ends full

    # Plays of the last 7 days (trending), skewed towards popular works.
    all_published = [wid for wids in published_by_series.values() for wid in wids[:50]] + film_ids
    pop = [1 / (rank + 1) ** 0.8 for rank in range(len(all_published))]
    plays = rng.choices(all_published, weights=pop, k=shape.plays_7d)

    def play_rows():
        for wid in plays:
            started = now - dt.timedelta(seconds=rng.randint(0, 7 * 86_400))
            ended = db_ts(started + dt.timedelta(minutes=20))
            yield (db_uuid(uuid.UUID(int=rng.getrandbits(128), version=4)), rng.choice(profiles), wid,
                   audience.asset_id, "", db_ts(started), ended, ended)

    report("plays", 0, shape.plays_7d)
    counts["plays_7d"] = insert_rows(PlaybackSession, ["id", "profile_id", "work_id", "asset_id", "device",
                                                       "started_at", "last_heartbeat_at", "ended_at"],
                                     play_rows(), tick=lambda n: report("plays", n, shape.plays_7d))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [ResumePoint]):
                cursor.execute(sql)
    return counts
