"""Playback reads: may this profile play this work now, where to resume, what comes next."""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from reelhouse.billing.selectors import subscription_current
from reelhouse.catalog.models import Episode, Work
from reelhouse.core import clock
from reelhouse.playback import conf
from reelhouse.playback.models import PlaybackSession, ResumePoint
from reelhouse.rights.selectors import licence_problem


@dataclass(frozen=True)
class Refusal:
    """Why a profile may not play a work now. `code` is stable for programs; `message` is for the viewer."""

    code: str  # subscription | unavailable | territory | maturity | streams | stopped
    message: str
    other_sessions: list[PlaybackSession] = field(default_factory=list)


def sessions_live(*, user, exclude: PlaybackSession | None = None) -> QuerySet[PlaybackSession]:
    """The user's streams holding a slot: not ended, and heard from within the last SESSION_STALE_SECONDS."""
    since = clock.now() - dt.timedelta(seconds=conf.SESSION_STALE_SECONDS)
    qs = (PlaybackSession.objects.select_related("profile", "work")
          .filter(profile__user=user, ended_at__isnull=True, last_heartbeat_at__gt=since)
          .order_by("started_at"))
    return qs.exclude(pk=exclude.pk) if exclude is not None else qs


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
    # Profiles carry max_maturity (an age: 0, 7, 12, 16, 18); a work is checked once the catalog rates it with
    # an age in `maturity`. An unrated work, or a profile without a limit, is not barred here.
    limit = getattr(profile, "max_maturity", None)
    rating = getattr(work, "maturity", None)
    if limit is not None and rating is not None and rating > limit:
        return _("This title is rated above what the profile %(profile)s may watch.") % {"profile": profile.name}
    return ""


def entitlement_check(*, profile, work: Work, session: PlaybackSession | None = None) -> Refusal | None:
    """The one decision whether a profile may start (session None) or continue (session given) playing a work now:
    subscription, availability and licence territory, maturity, and the plan's concurrent-stream limit."""
    user = profile.user
    if session is not None and session.ended_at is not None:
        return Refusal("stopped", _("This stream was stopped, from this or another device. Press play to resume."))
    subscription = subscription_current(user=user)
    if subscription is None:
        return Refusal("subscription", _("Your subscription is not active. Choose a plan or redeem a code to keep "
                                         "watching."))
    if not work.is_published:
        return Refusal("unavailable", _("This title is not available yet."))
    if licence_problem(licence=work.licence, territory=user.country):
        return Refusal("territory", _("This title is not available in your country (%(country)s) right now.")
                       % {"country": user.country})
    if problem := _maturity_problem(profile=profile, work=work):
        return Refusal("maturity", problem)
    limit = subscription.plan.max_streams
    others = list(sessions_live(user=user, exclude=session)[:limit + 5])
    if len(others) >= limit:
        names = "; ".join(session_description(s) for s in others)
        return Refusal("streams", _("Your plan allows %(limit)d stream(s) at once and these are playing now: "
                                    "%(names)s. Stop one of them (from that device or on your account page) "
                                    "and press play again.") % {"limit": limit, "names": names}, others)
    return None


def playback_refusal(*, profile, work: Work, session: PlaybackSession | None = None) -> str | None:
    """Why the profile may not play the work now, in words the viewer can act on; None when it may."""
    refusal = entitlement_check(profile=profile, work=work, session=session)
    return refusal.message if refusal else None


def max_height_for(*, user) -> int | None:
    """The highest rendition the user's plan includes (None without a subscription)."""
    sub = subscription_current(user=user)
    return sub.plan.max_height if sub else None


def resume_position(*, profile, work: Work) -> float:
    """Seconds to start at: where the profile stopped, unless it barely started or already finished."""
    point = ResumePoint.objects.filter(profile=profile, work=work).first()
    if point is None or point.watched or point.duration_s <= 0:
        return 0.0
    if point.position_s < point.duration_s * conf.RESUME_IGNORE_FRACTION:
        return 0.0
    return point.position_s


def next_episode(*, episode: Episode) -> Episode | None:
    """The published episode after this one, crossing into the next season."""
    published = Episode.objects.filter(series_id=episode.series_id, published_at__isnull=False, asset__isnull=False)
    same_season = published.filter(season_id=episode.season_id, number__gt=episode.number).order_by("number")
    return same_season.first() or (published.filter(season__number__gt=episode.season.number)
                                   .order_by("season__number", "number").first())
