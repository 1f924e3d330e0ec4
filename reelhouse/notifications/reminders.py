"""Reminder mails sent ahead of an event, once per event by a periodic job: a monthly renewal coming up, a prepaid
term about to end, downloads about to expire. Each is a notification kind the subscriber can switch off, written in
their account's language."""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, gettext_noop, ngettext

from reelhouse.core import clock
from reelhouse.core.http import site_url
from reelhouse.notifications.kinds import DOWNLOAD_EXPIRY, PREPAID_ENDING, RENEWAL_REMINDER
from reelhouse.notifications.mail import mail_queue, recipient_language
from reelhouse.notifications.models import ReminderSent


def _claim(*, kind: str, key: str, user) -> bool:
    """Record the event's reminder; False when it was recorded before (the job already mailed it)."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(kind=kind, key=key, user=user)
    except IntegrityError:
        return False
    return True


def _mail(*, user, kind: str, subject: Callable[[], str], context: dict) -> bool:
    """Render the kind's mail (notifications/email/<kind>.txt) and its subject in the subscriber's language; queue
    it unless they switched the kind off."""
    with translation.override(recipient_language(user)):
        text = render_to_string(f"notifications/email/{kind}.txt", context | {"site": site_url()})
        subject = subject()
    return mail_queue(to=user.email, subject=subject, text=text, user=user, kind=kind) is not None


def _subscriptions_ending(*, recurring: bool, days: int, now):
    from reelhouse.billing.models import Subscription

    return (Subscription.objects.filter(state=Subscription.State.ACTIVE, plan__recurring=recurring,
                                        current_period_end__gt=now,
                                        current_period_end__lte=now + dt.timedelta(days=days))
            .select_related("user", "plan"))


def _subscription_reminders(*, kind: str, recurring: bool, days: int, subject: str, now) -> int:
    sent = 0
    for sub in _subscriptions_ending(recurring=recurring, days=days, now=now):
        if recurring and sub.plan.term_months != 1:
            continue  # renewal reminders are for monthly renewals
        if not sub.user.is_active or not _claim(kind=kind, key=f"{sub.pk}:{sub.current_period_end.isoformat()}",
                                                user=sub.user):
            continue
        sent += _mail(user=sub.user, kind=kind, subject=lambda: gettext(subject),
                      context={"subscription": sub, "plan": sub.plan, "ends": sub.current_period_end})
    return sent


def _downloads_subject(count: int) -> str:
    return ngettext("%(count)s download expires soon", "%(count)s downloads expire soon", count) % {"count": count}


def _download_reminders(*, hours: int, now) -> int:
    from reelhouse.catalog.models import Work
    from reelhouse.playback.models import Download

    soon = (Download.objects.filter(revoked_at__isnull=True, expires_at__gt=now,
                                    expires_at__lte=now + dt.timedelta(hours=hours))
            .select_related("profile__user").order_by("expires_at"))
    by_user = defaultdict(list)
    for download in soon:
        if _claim(kind=DOWNLOAD_EXPIRY.code, key=str(download.pk), user=download.profile.user):
            by_user[download.profile.user].append(download)
    titles = {w.pk: w for w in Work.objects.filter(pk__in=[d.work_id for ds in by_user.values() for d in ds])}
    sent = 0
    for user, downloads in by_user.items():
        if not user.is_active:
            continue
        items = [{"title": getattr(titles.get(d.work_id), "display_title", ""), "expires": d.expires_at}
                 for d in downloads]
        sent += _mail(user=user, kind=DOWNLOAD_EXPIRY.code, context={"downloads": items},
                      subject=partial(_downloads_subject, len(items)))
    return sent


def reminders_send() -> dict:
    """Mail every reminder that is due and was not mailed before; returns how many mails of each kind were queued.
    Running it twice mails each event once."""
    now = clock.now()
    return {
        RENEWAL_REMINDER.code: _subscription_reminders(
            kind=RENEWAL_REMINDER.code, recurring=True, days=settings.REELHOUSE_RENEWAL_REMINDER_DAYS, now=now,
            subject=gettext_noop("Your Reelhouse subscription renews soon")),
        PREPAID_ENDING.code: _subscription_reminders(
            kind=PREPAID_ENDING.code, recurring=False, days=settings.REELHOUSE_PREPAID_ENDING_DAYS, now=now,
            subject=gettext_noop("Your prepaid Reelhouse access ends soon")),
        DOWNLOAD_EXPIRY.code: _download_reminders(hours=settings.REELHOUSE_DOWNLOAD_EXPIRY_HOURS, now=now),
    }
