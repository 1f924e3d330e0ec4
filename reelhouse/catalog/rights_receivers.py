"""Catalog's side of rights' decisions (connected in apps.py): rights decides and records, catalog acts on its own
data. A licence changed: its works' search entries follow. Works withdrawn on a notice: taken off the service in all
territories (unpublished, package kept) or, for some territories, shown elsewhere only (rights.rule reads the
withdrawal rows; the search index is recomputed). A withdrawal lifted: the work comes back as it was. And the
resolver rights asks which works a claimed Reelhouse page shows."""

from reelhouse.catalog.models import Episode, Film, Series, Work


def licence_changed(sender, licence, **kwargs) -> None:
    """A licence's territories or window changed: its works' entries follow in the next job (not at the next
    rebuild), queued in the same transaction as the change."""
    from reelhouse.catalog.tasks import availability_refresh_for_licence

    availability_refresh_for_licence.enqueue(licence.pk)


def work_withdrawn(sender, work_ids, territories: str, reason: str, **kwargs) -> None:
    from reelhouse.catalog.services.availability import availability_refresh
    from reelhouse.catalog.services.publishing import works_withdraw

    if not territories:
        works_withdraw(works=list(Work.objects.filter(pk__in=list(work_ids))), reason=reason)
    else:
        availability_refresh(work_ids=list(work_ids))


def work_restored(sender, work_id: int, published_at, reason: str, **kwargs) -> None:
    from reelhouse.catalog.services.availability import availability_refresh
    from reelhouse.catalog.services.publishing import work_restore

    work = Work.objects.filter(pk=work_id).first()
    if work is not None:
        work_restore(work=work, published_at=published_at, reason=reason)
        availability_refresh(work_ids=[work_id])  # a withdrawal limited to some territories ends too


def works_for_url(view_name: str, kwargs: dict, scope: str) -> list | None:
    """The works a page of this service shows, widened to the scope claimed: a film page or a film's watch page
    (film); a watch page of an episode (episode, or its season or series); a series page (series). None when the
    page shows no work in that scope."""
    if view_name == "catalog:film":
        films = list(Film.objects.filter(slug=kwargs["slug"]))
        return films if films and scope == "film" else None
    if view_name == "catalog:series":
        series = Series.objects.filter(slug=kwargs["slug"]).first()
        return list(Episode.objects.filter(series=series)) if series and scope == "series" else None
    if view_name in ("playback:watch", "playback:start", "playback:download_start"):
        film = Film.objects.filter(pk=kwargs["work_id"]).first()
        if film and scope == "film":
            return [film]
        episode = Episode.objects.filter(pk=kwargs["work_id"]).first()
        if episode and scope == "episode":
            return [episode]
        if episode and scope == "season":
            return list(Episode.objects.filter(season_id=episode.season_id))
        if episode and scope == "series":
            return list(Episode.objects.filter(series_id=episode.series_id))
    return None
