"""Playback reads: may this profile play this work now, where to resume, what comes next. Over 400 lines because
every playback access decision (entitlement, the stream limit, which files a session may fetch) is kept in this one
place."""

import contextlib
import datetime as dt
import re
from dataclasses import dataclass
from functools import partial

from django.db.models import BigIntegerField, CharField, Count, DateTimeField, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from reelhouse.billing.selectors import plan_limits, plan_limits_query, subscription_current
from reelhouse.catalog.models import Episode, Work
from reelhouse.catalog.selectors import maturity_allows
from reelhouse.core import clock
from reelhouse.core.prepared import Arg, Prepared
from reelhouse.core.storage import media_listdir, media_read_stream, media_storage
from reelhouse.playback import conf
from reelhouse.playback.models import Download, PlaybackSession, ResumePoint
from reelhouse.playback.refusals import Refusal, ended_refusal
from reelhouse.rights import rule
from reelhouse.rights.selectors import work_problem


def heard_since(now: dt.datetime | None = None) -> dt.datetime:
    """The moment after which a session must have been heard from to be alive (sessions_alive's rule) at `now`."""
    return (now or clock.now()) - dt.timedelta(seconds=conf.SESSION_STALE_SECONDS)


def sessions_alive(*, since=None) -> QuerySet[PlaybackSession]:
    """The one liveness rule, for the stream view and the concurrent-stream count alike: a session is alive while it
    has not ended and was heard from (started or sent a heartbeat) within the last SESSION_STALE_SECONDS (`since`:
    that moment, given by a prepared statement)."""
    return PlaybackSession.objects.filter(ended_at__isnull=True,
                                          last_heartbeat_at__gt=heard_since() if since is None else since)


def session_alive(session: PlaybackSession) -> bool:
    """sessions_alive's rule for one session whose ended_at and last_heartbeat_at were just read (no query)."""
    return session.ended_at is None and session.last_heartbeat_at > heard_since()


def sessions_live(*, user, exclude: PlaybackSession | None = None, device_id: str = "") -> QuerySet[PlaybackSession]:
    """The user's streams holding a slot (alive), oldest first. `device_id`: leave out that device's own sessions
    (playing again there takes them over, so they never count against it)."""
    return _live(user=user, exclude_pk=exclude.pk if exclude is not None else None, device_id=device_id)


def _live(*, user, exclude_pk, device_id, since=None) -> QuerySet[PlaybackSession]:
    # sessions_live's rule; any value may be a prepared.Arg (an Arg for device_id keeps its filter)
    qs = sessions_alive(since=since).select_related("profile", "work").filter(profile__user=user).order_by("started_at")
    if device_id:
        qs = qs.exclude(device_id=device_id)
    return qs.exclude(pk=exclude_pk) if exclude_pk is not None else qs


_BROWSERS = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Chromium/", "Chromium"), ("Safari/", "Safari")]
_SYSTEMS = [("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux")]


def device_label(user_agent: str) -> str:
    """A name a person recognises for a device, from its User-Agent: 'Firefox on Linux'."""
    if not user_agent:
        return _("an unnamed device")
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or re.split(r"[/ ]", user_agent, maxsplit=1)[0][:40]


def session_description(session: PlaybackSession) -> str:
    return _("%(device)s (profile %(profile)s, watching %(title)s)") % {
        "device": device_label(session.device), "profile": session.profile.name, "title": session.work.title}


def _maturity_problem(*, profile, work: Work) -> str:
    # The catalog's rule, so that what a profile cannot find it cannot play by URL either: a kids profile plays
    # only rated titles within its limit; other profiles are barred only by a rating above their limit.
    if maturity_allows(profile=profile, rating=getattr(work, "maturity", None)):
        return ""
    if getattr(work, "maturity", None) is None:
        return _("This title has no age rating yet, so the kids profile %(profile)s cannot watch it.") % {
            "profile": profile.name}
    return _("This title is rated above what the profile %(profile)s may watch.") % {"profile": profile.name}


def _no_subscription() -> Refusal:
    return Refusal("subscription", _("Your subscription is not active. Choose a plan or redeem a code to keep "
                                     "watching."))


def entitlement_check(*, profile, work: Work, session: PlaybackSession | None = None,
                      device_id: str = "", streams: bool = True) -> Refusal | None:
    """The one decision whether a profile may start (session None, on the device `device_id`) or continue (session
    given) playing a work now: subscription, availability and licence territory, maturity, and the plan's
    concurrent-stream limit (the asking device's own sessions never count against it; `streams=False` leaves it out
    for a caller that asks stream_limit_check under the account's lock)."""
    user = profile.user
    if session is not None and session.ended_at is not None:
        return ended_refusal(session)
    limits = _limits_and_live(user=user, session=session, device_id=device_id) if streams else plan_limits(user=user)
    if limits is None:
        return _no_subscription()
    if not work.is_published:
        return Refusal("unavailable", _("This title is not available yet."))
    code, _reason = work_problem(work=work, country=user.country)
    if code:
        country = rule.viewer_country(user.country)
        message = (_("This title is not available in your country (%(country)s) right now.") % {"country": country}
                   if country else _("This title is not available without a country on your account: set your "
                                     "country on your account page to watch titles not licensed worldwide."))
        return Refusal("unavailable" if code == "withdrawn" else "territory", message)
    if problem := _maturity_problem(profile=profile, work=work):
        return Refusal("maturity", problem)
    if not streams:
        return None
    return _streams_refusal(user=user, session=session, device_id=device_id, limit=limits[0], counted=limits[2])


def stream_limit_check(*, user, session: PlaybackSession | None = None, device_id: str = "") -> Refusal | None:
    """entitlement_check's stream limit alone (the plan read again), for the account's lock, where starts queue."""
    limits = _limits_and_live(user=user, session=session, device_id=device_id)
    if limits is None:
        return _no_subscription()
    return _streams_refusal(user=user, session=session, device_id=device_id, limit=limits[0], counted=limits[2])


def _left_out(session: PlaybackSession | None, device_id: str) -> tuple:
    # (session id, device id) whose streams never count against this one's slot: its own and its device's
    return (session.pk, session.device_id) if session is not None else (None, device_id)


def _live_others(*, user, session: PlaybackSession | None, device_id: str) -> QuerySet[PlaybackSession]:
    # the streams that count against this one's slot: the account's live ones but its own and its device's
    exclude_pk, device_id = _left_out(session, device_id)
    return _live(user=user, exclude_pk=exclude_pk, device_id=device_id)


def _limits_and_live_query(*, other_session: bool, other_device: bool) -> QuerySet:
    # The plan's limits and the count of the streams that count against this one, in one statement of fixed shape
    # (whether a session and a device are left out changes its shape), with the values as prepared.Arg.
    user = Arg("user", BigIntegerField())
    live = _live(user=user, since=Arg("since", DateTimeField()),
                 exclude_pk=Arg("session", PlaybackSession._meta.pk) if other_session else None,
                 device_id=Arg("device", CharField()) if other_device else "")
    count = live.order_by().values("profile__user").annotate(n=Count("pk")).values("n")
    return plan_limits_query(user=user, at=Arg("at", DateTimeField()),
                             also={"live_streams": Coalesce(Subquery(count), 0)})


# every heartbeat asks this: built and compiled once per server thread (core/prepared.py), run with its values
_LIMITS_AND_LIVE = {(s, d): Prepared(partial(_limits_and_live_query, other_session=s, other_device=d))
                    for s in (False, True) for d in (False, True)}


def _limits_and_live(*, user, session: PlaybackSession | None, device_id: str) -> tuple | None:
    """The plan's (max_streams, max_height) and how many of the account's other streams hold a slot (plan_limits'
    and sessions_live's rules), in one prepared statement; None without a subscription."""
    exclude_pk, device_id = _left_out(session, device_id)
    now = clock.now()
    return _LIMITS_AND_LIVE[exclude_pk is not None, bool(device_id)].first(
        user=user.pk, at=now, since=heard_since(now), session=exclude_pk, device=device_id)


def _streams_refusal(*, user, session: PlaybackSession | None, device_id: str, limit: int,
                     counted: int) -> Refusal | None:
    # A slot free is the usual answer (`counted` with the plan): the rows are read only for a refusal, which names
    # them, and counted again there, as they may have ended since.
    if counted < limit:
        return None
    live = _live_others(user=user, session=session, device_id=device_id)
    if len(others := list(live[:limit + 5])) < limit:
        return None
    names = "; ".join(session_description(s) for s in others)
    return Refusal("streams", _("Your plan allows %(limit)d stream(s) at once and these are playing now: "
                                "%(names)s. Stop one of them (from that device or on your account page) "
                                "and press play again.") % {"limit": limit, "names": names}, others)


def playback_refusal(*, profile, work: Work, session: PlaybackSession | None = None) -> str | None:
    """Why the profile may not play the work now, in words the viewer can act on; None when it may."""
    refusal = entitlement_check(profile=profile, work=work, session=session)
    return refusal.message if refusal else None


def max_height_for(*, user) -> int | None:
    """The highest rendition the user's plan includes (None without a subscription)."""
    limits = plan_limits(user=user)
    return limits[1] if limits else None


def quality_limit(*, user, work: Work) -> int | None:
    """The highest rendition this user may get of this work: the plan's limit and the licence's, whichever is lower
    (None: no limit)."""
    limits = [h for h in (max_height_for(user=user), rule.max_height(work.licence)) if h]
    return min(limits) if limits else None


# Stream access -----------------------------------------------------------------------------------------------

MASTER = "master.m3u8"
OPEN_FOLDERS = frozenset({"subs", "trickplay"})  # every session may fetch subtitles and seek thumbnails
_AUDIO_FOLDER = re.compile(r"audio\d*")  # see media/transcode/ffmpeg.py audio_names


def session_master(*, directory: str, renditions) -> str:
    """The package's master playlist offering only `renditions` (a session's: what the stream view serves it).
    FileNotFoundError when the package has none."""
    from reelhouse.media.transcode.master import master_only

    with media_read_stream(f"{directory}/{MASTER}") as body:
        return master_only(body.read().decode("utf-8"), set(renditions))


def player_menus(*, user, work: Work) -> dict[str, bool]:
    """Which of the player's menus the watch page shows from its first paint: those the session's master will offer
    a choice in (more than one quality or audio track; any subtitles), as the player then decides itself. Shown or
    hidden by the server, nothing under the video moves when the player fills them (Lighthouse measured a layout
    shift of 0.12 on mobile when the player hid the empty ones). All shown when the master cannot be read."""
    from reelhouse.media.transcode.master import master_offer

    asset = work.asset
    try:
        renditions = stream_renditions(user=user, work=work, asset=asset)
        text = session_master(directory=asset.directory, renditions=renditions)
    except (FileNotFoundError, UnicodeDecodeError):
        return {"quality": True, "audio": True, "subtitles": True}
    heights, audio = master_offer(text)
    return {"quality": len(heights) > 1, "audio": len(audio) > 1, "subtitles": "TYPE=SUBTITLES" in text}


def stream_renditions(*, user, work: Work, asset) -> list[str]:
    """The package folders a session starting now may fetch: the video rungs within the plan's and the licence's
    quality (at least the smallest, so a title always plays) and the audio renditions. Never the download folder."""
    from reelhouse.media.transcode.quick import FOLDER as QUICK_FOLDER

    if asset.provisional:
        video = [QUICK_FOLDER]  # one small rung, growing
    else:
        rungs = list(asset.renditions.values_list("name", "width", "height"))
        limit = quality_limit(user=user, work=work)
        video = [name for name, w, h in rungs if limit is None or min(w, h) <= limit]
        if not video and rungs:
            video = [min(rungs, key=lambda r: min(r[1], r[2]))[0]]
    audio = sorted(f for f in media_listdir(asset.directory)[0] if _AUDIO_FOLDER.fullmatch(f))
    return [*video, *audio]


def stream_path_allowed(*, renditions, path: str) -> bool:
    """May a session with these rendition folders fetch `path` (relative to its package)? Checked on every stream
    request, before the file system is touched: a path with an empty, '.', '..', backslash or still-encoded (%)
    component is refused outright; then only the master, subtitles, trickplay and the session's own rendition
    folders are open (so never download/ nor a rung above the viewer's quality)."""
    parts = path.split("/")
    if any(p in ("", ".", "..") or "\\" in p or "%" in p or "\x00" in p for p in parts):
        return False
    if len(parts) == 1:
        return parts[0] == MASTER
    return parts[0] in OPEN_FOLDERS or parts[0] in renditions


def resume_position(*, profile, work: Work) -> float:
    """Seconds to start at: where the profile stopped, unless it barely started or already finished."""
    point = ResumePoint.objects.filter(profile=profile, work=work).first()
    if point is None or point.watched or point.duration_s <= 0:
        return 0.0
    if point.position_s < point.duration_s * conf.RESUME_IGNORE_FRACTION:
        return 0.0
    return point.position_s


def watched_from_s(*, work_id: int, duration_s: float) -> float | None:
    """The position from which a work counts as watched: where its credits start, or WATCHED_FRACTION of its
    duration, whichever comes first (None while neither is known). A credits marker in the first
    CREDITS_EARLIEST_FRACTION of a known duration is ignored: a mistaken marker must not finish a work early."""
    from reelhouse.media.selectors import skip_segments

    fraction_at = duration_s * conf.WATCHED_FRACTION if duration_s > 0 else None
    credits = skip_segments(work_id=work_id).get("credits")
    if credits is None or (duration_s > 0 and credits.start_s < duration_s * conf.CREDITS_EARLIEST_FRACTION):
        return fraction_at
    return credits.start_s if fraction_at is None else min(credits.start_s, fraction_at)


def position_watched(*, work_id: int, position_s: float, duration_s: float) -> bool:
    """Whether a position counts as watched (from watched_from_s). Before CREDITS_EARLIEST_FRACTION (and
    WATCHED_FRACTION) of a known duration it never does, whatever the markers say: answered without reading them."""
    if duration_s > 0 and position_s < duration_s * min(conf.CREDITS_EARLIEST_FRACTION, conf.WATCHED_FRACTION):
        return False
    watched_from = watched_from_s(work_id=work_id, duration_s=duration_s)
    return watched_from is not None and position_s >= watched_from


def next_episode(*, episode: Episode) -> Episode | None:
    """The published episode after this one, crossing into the next season."""
    published = Episode.objects.filter(series_id=episode.series_id, published_at__isnull=False, asset__isnull=False)
    same_season = published.filter(season_id=episode.season_id, number__gt=episode.number).order_by("number")
    return same_season.first() or (published.filter(season__number__gt=episode.season.number)
                                   .order_by("season__number", "number").first())


# Downloads ---------------------------------------------------------------------------------------------------

DOWNLOAD_FOLDER = "download"  # inside a package: download/<label>.mp4 (see media/transcode/downloads.py)


def downloads_active(*, user) -> QuerySet[Download]:
    """The account's downloads that count against the plan's limit: not revoked and not expired."""
    return (Download.objects.select_related("profile", "work")
            .filter(profile__user=user, revoked_at__isnull=True, expires_at__gt=clock.now()).order_by("-created_at"))


def download_labels(*, asset, max_height: int | None = None) -> list[str]:
    """Qualities the asset offers for download ('720', '480'), best first, none above the plan's height."""
    if asset is None or asset.provisional:
        return []
    files = media_listdir(f"{asset.directory}/{DOWNLOAD_FOLDER}")[1]
    labels = [f.removesuffix(".mp4") for f in files if f.endswith(".mp4") and f.removesuffix(".mp4").isdigit()]
    return sorted((x for x in labels if max_height is None or int(x) <= max_height), key=int, reverse=True)


def download_sizes(*, asset, labels: list[str]) -> dict[str, int]:
    """Bytes of each download file offered (the app checks its free storage before it takes a slot)."""
    storage, folder = media_storage(), f"{asset.directory}/{DOWNLOAD_FOLDER}"
    sizes = {}
    for label in labels:
        with contextlib.suppress(FileNotFoundError, OSError):
            sizes[label] = storage.size(f"{folder}/{label}.mp4")
    return sizes


def download_refusal(*, profile, work: Work) -> Refusal | None:
    """Why the profile may not download the work now; None when it may (the active-download limit aside)."""
    refusal = entitlement_check(profile=profile, work=work)
    if refusal is not None and refusal.code != "streams":  # playing elsewhere does not stop a download
        return refusal
    subscription = subscription_current(user=profile.user)
    if subscription.plan.max_downloads == 0:
        return Refusal("plan", _("Your plan (%(plan)s) does not include downloads. Choose a plan with downloads "
                                 "on your account page.") % {"plan": subscription.plan.name})
    if not rule.downloads_allowed(work.licence):  # streaming-only rights
        return Refusal("licence", _("The licence for this title does not allow downloads; you can still stream it."))
    return None


def download_limit_problem(*, user) -> str:
    """'' while the account may take another download; otherwise the limit and how to free a slot."""
    subscription = subscription_current(user=user)
    limit = subscription.plan.max_downloads if subscription else 0
    count = downloads_active(user=user).count()
    if count < limit:
        return ""
    return _("Your plan allows %(limit)d active download(s) and you have %(count)d. Remove one under Downloads on "
             "your account page (or wait until one expires) and download again.") % {"limit": limit, "count": count}


def download_options(*, profile, work: Work) -> tuple[list[str], str]:
    """What the watch page offers: (qualities to download, '') or ([], why not)."""
    if refusal := download_refusal(profile=profile, work=work):
        return [], refusal.message
    labels = download_labels(asset=work.asset, max_height=quality_limit(user=profile.user, work=work))
    if not labels:
        return [], _("No download file is available for this title yet.")
    return labels, ""


def download_problem(*, download: Download) -> str:
    """Why a download's file may not be fetched now ('' when it may): revoked, expired, subscription or licence."""
    if download.revoked_at is not None:
        return _("This download was removed from the account on %(date)s. Download the title again from its page.") % {
            "date": download.revoked_at.strftime("%Y-%m-%d")}
    if download.expires_at <= clock.now():
        return _("This download expired on %(date)s. Download the title again from its page.") % {
            "date": download.expires_at.strftime("%Y-%m-%d")}
    refusal = download_refusal(profile=download.profile, work=download.work)
    return refusal.message if refusal else ""


@dataclass(frozen=True)
class DownloadExtra:
    """A file the app saves beside a download's video: a subtitle track or the seek thumbnails (their WebVTT track
    and sprite sheets), named by its path inside the package."""

    name: str  # subs/en.vtt, trickplay/thumbnails.vtt, trickplay/sprite_001.jpg
    kind: str  # subtitles | thumbnails | sprite
    language: str = ""
    label: str = ""


def download_extras(*, download: Download) -> list[DownloadExtra]:
    """The package's subtitle tracks (whole WebVTT files, as listed in its master playlist) and its trickplay track
    and sprites: what the app keeps with a download so the offline player has subtitles and seek previews. The only
    names the app may fetch beside the video (app_download_extra serves nothing else)."""
    import m3u8

    from reelhouse.media.transcode.subtitles import FOLDER as SUBS
    from reelhouse.media.transcode.trickplay import FOLDER as TRICKPLAY
    from reelhouse.media.transcode.trickplay import VTT_NAME

    folder = download.asset.directory
    storage = media_storage()
    extras = []
    try:
        with contextlib.closing(media_read_stream(f"{folder}/{MASTER}")) as body:
            master = m3u8.loads(body.read().decode("utf-8"))
    except FileNotFoundError:
        master = None
    for media in master.media if master is not None else []:
        uri = media.uri or ""
        if media.type != "SUBTITLES" or not re.fullmatch(rf"{SUBS}/[A-Za-z0-9_-]+\.m3u8", uri):
            continue
        name = uri.removesuffix(".m3u8") + ".vtt"
        if storage.exists(f"{folder}/{name}"):
            extras.append(DownloadExtra(name=name, kind="subtitles", language=media.language or "",
                                        label=media.name or media.language or ""))
    trickplay_files = media_listdir(f"{folder}/{TRICKPLAY}")[1]
    if VTT_NAME in trickplay_files:
        extras.append(DownloadExtra(name=f"{TRICKPLAY}/{VTT_NAME}", kind="thumbnails"))
        extras += [DownloadExtra(name=f"{TRICKPLAY}/{sprite}", kind="sprite")
                   for sprite in sorted(trickplay_files) if re.fullmatch(r"sprite_.*\.jpg", sprite)]
    return extras


def download_link(*, download: Download) -> str:
    """A signed URL for the download's file, valid for DOWNLOAD_LINK_SECONDS (never past the download's expiry)."""
    from reelhouse.playback.edge import edge_download_url, edge_enabled
    from reelhouse.playback.signing import download_path

    expires = min(int(clock.now().timestamp()) + conf.DOWNLOAD_LINK_SECONDS, int(download.expires_at.timestamp()))
    if edge_enabled():  # the edge checks the link itself (not a revocation made since: the link's life bounds that)
        return edge_download_url(download_id=str(download.id), asset_id=download.asset_id,
                                 directory=download.asset.directory, label=download.label, expires=expires)
    return download_path(download_id=str(download.id), label=download.label, expires=expires)


def playback_errors_recent(*, user, limit: int = 5, work=None) -> list:
    """The newest errors any profile of the account hit (of one work when given), newest first."""
    from reelhouse.playback.models import PlaybackError

    errors = PlaybackError.objects.filter(profile__user=user).select_related("work", "profile")
    if work is not None:
        errors = errors.filter(work=work)
    return list(errors[:limit])
