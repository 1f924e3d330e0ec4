"""The daily digest: one mail per subscriber listing the new episodes of the series they follow since the last
digest, instead of one mail per episode."""

from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import ngettext

from reelhouse.core import clock
from reelhouse.notifications.kinds import EMAIL, NEW_EPISODE
from reelhouse.notifications.mail import mail_queue, recipient_language
from reelhouse.notifications.models import Notification
from reelhouse.notifications.selectors import wants


def new_episode_digest_send() -> int:
    """Mail each subscriber the new episodes their profiles were told about and no digest covered yet (each
    episode once, however many of their profiles follow the series); returns how many mails were queued. The
    notices are marked covered even for subscribers who switched the mail off, so nothing piles up."""
    from reelhouse.catalog.models import Episode

    now = clock.now()
    pending = list(Notification.objects.filter(kind=NEW_EPISODE.code, digested_at__isnull=True, created_at__lte=now,
                                               work__isnull=False)
                   .select_related("profile__user").order_by("created_at", "pk"))
    by_user = defaultdict(list)
    for notice in pending:
        if notice.work_id not in by_user[notice.profile.user]:
            by_user[notice.profile.user].append(notice.work_id)
    from reelhouse.rights.selectors import works_shown

    # An episode the rule no longer shows where the subscriber lives (withdrawn on a notice there, licence ended
    # since its notice was recorded) is not announced.
    episodes = (Episode.objects.select_related("series", "season", "licence")
                .in_bulk({pk for ids in by_user.values() for pk in ids}))
    sent = 0
    for user, work_ids in by_user.items():
        allowed = works_shown(works=[episodes[pk] for pk in work_ids if pk in episodes], country=user.country, at=now)
        shown = [episodes[pk] for pk in work_ids if pk in allowed]
        with transaction.atomic():
            Notification.objects.filter(pk__in=[n.pk for n in pending if n.profile.user == user]).update(
                digested_at=now)
            if not shown or not user.is_active or not wants(user=user, kind=NEW_EPISODE.code, channel=EMAIL):
                continue
            with translation.override(recipient_language(user)):
                subject = ngettext("%(count)s new episode of a series you follow",
                                   "%(count)s new episodes of series you follow", len(shown)) % {"count": len(shown)}
                text = render_to_string("notifications/email/new_episodes.txt",
                                        {"episodes": shown, "site": settings.SITE_URL})
            sent += mail_queue(to=user.email, subject=subject, text=text, user=user, kind=NEW_EPISODE.code) is not None
    return sent
