"""Playback reads: may this profile play this work now, where to resume, what comes next."""

from django.utils.translation import gettext as _

from reelhouse.billing.selectors import subscription_current
from reelhouse.catalog.models import Episode, Work
from reelhouse.playback import conf
from reelhouse.playback.models import ResumePoint
from reelhouse.rights.selectors import licence_problem


def playback_refusal(*, profile, work: Work) -> str | None:
    """Why the profile may not play the work now, in words the viewer can act on; None when it may."""
    user = profile.user
    if subscription_current(user=user) is None:
        return _("Your subscription is not active. Choose a plan or redeem a code to keep watching.")
    if not work.is_published:
        return _("This title is not available yet.")
    if licence_problem(licence=work.licence, territory=user.country):
        return _("This title is not available in your country (%(country)s) right now.") % {"country": user.country}
    return None


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
