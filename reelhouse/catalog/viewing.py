"""What catalog shows of viewing, which playback records: continue watching, the progress bars on a season's episodes,
the title a profile watched last (for "Because you watched"), popularity and trending (the search index) and the
plays and watch histories the home rankings are computed from. Playback sits above catalog, so catalog never imports
it: playback registers its provider here in its AppConfig.ready (as it registers title extras), and catalog's
selectors and jobs call `viewing()`. One direction, kept: catalog asks, playback answers."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Viewing:
    """The viewing facts catalog reads; every field a function taking keyword arguments only."""

    # (*, profile, country: str | None, limit) -> list[Card]: started, unfinished works the profile may still watch
    # there, newest first (one query).
    continue_watching: Callable[..., list]
    # (*, profile, work_ids) -> {work id: percent watched} for the works among work_ids the profile started.
    progress_pcts: Callable[..., dict[int, int]]
    # (*, profile) -> (kind, id) of the series or film the profile watched last that has co-watching rows, or None.
    latest_cowatched_title: Callable[..., tuple[str, int] | None]
    # () -> {work id: profiles that watched it}: popularity.
    profiles_per_work: Callable[..., dict[int, int]]
    # (*, since) -> {work id: plays started since then}: trending.
    plays_per_work: Callable[..., dict[int, int]]
    # (*, since) -> (viewer's country, work id, work's licence id, plays) for plays started since then.
    plays_by_country: Callable[..., Iterable[tuple[str, int, int | None, int]]]
    # () -> (profile id, work id) of every work each profile started, grouped by profile, newest first.
    watch_history: Callable[..., Iterable[tuple[int, int]]]


_provider: list[Viewing] = []


def viewing_register(provider: Viewing) -> None:
    """Register (or replace: apps.ready may run twice in tests) the app that records viewing."""
    _provider[:] = [provider]


def viewing() -> Viewing:
    if not _provider:
        raise ImproperlyConfigured("no viewing provider registered: reelhouse.playback registers it in its "
                                   "AppConfig.ready; is it in INSTALLED_APPS?")
    return _provider[0]

