"""Playback's answers to what catalog shows of viewing (catalog.viewing, registered in apps.py): continue watching,
progress, the title watched last, popularity, trending and the plays and histories of the home rankings, all read
from playback's own tables (resume points and sessions)."""

from django.db.models import Case, CharField, Count, Exists, OuterRef, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse

from reelhouse.catalog.models import CoWatch, SearchEntry, Work
from reelhouse.catalog.selectors.cards import Card
from reelhouse.catalog.selectors.visibility import maturity_q
from reelhouse.catalog.viewing import Viewing
from reelhouse.core import clock
from reelhouse.playback.models import PlaybackSession, ResumePoint
from reelhouse.rights import rule


def _progress_pct(rp) -> int:
    if rp.watched:
        return 100
    return round(100 * rp.position_s / rp.duration_s) if rp.duration_s else 0


def continue_watching(*, profile, country: str | None, limit: int) -> list[Card]:
    """Episodes and films the profile started and has not finished and may still watch there, newest first (one
    query)."""
    if profile is None:
        return []
    points = (ResumePoint.objects.filter(maturity_q(profile, "work__maturity"),
                                         rule.work_q(country=country, at=clock.now(), prefix="work__"),
                                         profile=profile, watched=False, position_s__gt=0,
                                         work__published_at__isnull=False)
              .select_related("work__episode__series", "work__episode__season", "work__film")
              .order_by("-updated_at")[:limit])
    cards = []
    for rp in points:
        work = rp.work
        if work.kind == "episode":
            ep = work.episode
            subtitle = f"{ep.series.display_title} · S{ep.season.number:02d}E{ep.number:02d}"
            poster, slug = ep.series.poster, ""
        else:
            subtitle, poster, slug = "", work.film.poster, work.film.slug
        cards.append(Card(kind=work.kind, title=work.display_title, subtitle=subtitle, poster=poster,
                          url=reverse("playback:watch", args=[work.pk]), progress_pct=_progress_pct(rp),
                          object_id=work.pk, slug=slug))
    return cards


def progress_pcts(*, profile, work_ids) -> dict[int, int]:
    """Percent watched of the works among work_ids the profile started (one query)."""
    return {rp.work_id: _progress_pct(rp) for rp in ResumePoint.objects.filter(profile=profile, work_id__in=work_ids)}


def latest_cowatched_title(*, profile) -> tuple[str, int] | None:
    """The series or film the profile watched most recently that has co-watching rows (one query); None if none."""
    series_kind, film_kind = SearchEntry.Kind.SERIES.value, SearchEntry.Kind.FILM.value
    # One EXISTS per kind, each on the (source_kind, source_id) index (a COALESCE over both would hide it on
    # PostgreSQL), and no condition on the work's kind (SQLite would then walk every work of that kind): episodes
    # and films share the work id space, so a work id found among film sources is a film.
    has_rows = (Exists(CoWatch.objects.filter(source_kind=series_kind, source_id=OuterRef("work__episode__series_id")))
                | Exists(CoWatch.objects.filter(source_kind=film_kind, source_id=OuterRef("work_id"))))
    return (ResumePoint.objects.filter(maturity_q(profile, "work__maturity"), has_rows, profile=profile)
            .annotate(title_kind=Case(When(work__kind=Work.Kind.EPISODE, then=Value(series_kind)),
                                      default=Value(film_kind), output_field=CharField()),
                      title_id=Coalesce("work__episode__series_id", "work_id"))
            .order_by("-updated_at").values_list("title_kind", "title_id").first())


def profiles_per_work() -> dict[int, int]:
    return dict(ResumePoint.objects.values_list("work_id").annotate(n=Count("id")).values_list("work_id", "n"))


def plays_per_work(*, since) -> dict[int, int]:
    return dict(PlaybackSession.objects.filter(started_at__gte=since).values_list("work_id").annotate(
        n=Count("id")).values_list("work_id", "n"))


def plays_by_country(*, since):
    return (PlaybackSession.objects.filter(started_at__gte=since)
            .values("profile__user__country", "work_id", "work__licence_id").annotate(n=Count("id"))
            .values_list("profile__user__country", "work_id", "work__licence_id", "n").iterator(chunk_size=20_000))


def watch_history():
    return (ResumePoint.objects.order_by("profile_id", "-updated_at").values_list("profile_id", "work_id")
            .iterator(chunk_size=20_000))


PROVIDER = Viewing(continue_watching=continue_watching, progress_pcts=progress_pcts,
                   latest_cowatched_title=latest_cowatched_title, profiles_per_work=profiles_per_work,
                   plays_per_work=plays_per_work, plays_by_country=plays_by_country, watch_history=watch_history)
