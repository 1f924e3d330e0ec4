"""Counter-notices (DMCA §512(g)): filed against an accepted notice, forwarded to the claimant, and the work restored
no sooner than 10 and no later than 14 business days later (the operator's country's weekends and public holidays,
from the `holidays` package, do not count) unless the claimant reports a court action. Every step is mailed and
recorded in the audit trail; `counter_notices_restore_due` (periodic) does the restoring."""

import datetime as dt

import holidays
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reelhouse.core import clock
from reelhouse.rights.models import CounterNotice, Notice
from reelhouse.rights.notices import NoticeError, _set_state

RESTORE_MIN_DAYS, RESTORE_MAX_DAYS = 10, 14


def business_days_after(start: dt.date, days: int, *, country: str | None = None) -> dt.date:
    """The date `days` business days after `start`: Saturdays, Sundays and the public holidays of `country` (the
    operator's, REELHOUSE_OPERATOR_COUNTRY) are skipped."""
    country = (country or settings.REELHOUSE_OPERATOR_COUNTRY).upper()
    closed = holidays.country_holidays(country, years=range(start.year, start.year + 2))
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in closed:
            counted += 1
    return day


def _restore_days() -> int:
    days = settings.REELHOUSE_COUNTER_RESTORE_BUSINESS_DAYS
    if not RESTORE_MIN_DAYS <= days <= RESTORE_MAX_DAYS:
        raise ValueError(f"REELHOUSE_COUNTER_RESTORE_BUSINESS_DAYS is {days}; the law allows {RESTORE_MIN_DAYS} to "
                         f"{RESTORE_MAX_DAYS} business days")
    return days


def _mail(to: str, subject: str, text: str) -> None:
    from reelhouse.core.mailing import mail_queue

    if to and "@" in to:
        mail_queue(to=to, subject=subject, text=text)


def _tell_both(counter: CounterNotice, template: str, subject: str) -> None:
    notice = counter.notice
    with translation.override(notice.language):
        text = render_to_string(template, {"counter": counter, "notice": notice, "site": settings.SITE_URL})
        _mail(notice.claimant_email, subject % {"reference": notice.reference}, text)
    _mail(counter.email, subject % {"reference": notice.reference}, text)


@transaction.atomic
def counter_notice_file(*, reference: str, data: dict) -> CounterNotice:
    """Record a counter-notice against the accepted notice `reference`, forward it to the claimant and set the
    restoration date."""
    notice = Notice.objects.select_for_update().filter(reference=reference.strip().upper()).first()
    if notice is None:
        raise NoticeError(_("There is no notice with the reference %(reference)s.") % {"reference": reference})
    if notice.state != Notice.State.ACCEPTED:
        raise NoticeError(_("Notice %(reference)s led to no withdrawal that could be countered.")
                          % {"reference": notice.reference})
    now = clock.now()
    counter = CounterNotice.objects.create(
        notice=notice, filed_at=now, **data,
        restore_on=business_days_after(timezone.localdate(now), _restore_days()))
    _set_state(notice, Notice.State.COUNTERED, counter_notice=counter.pk, restore_on=counter.restore_on.isoformat())
    _tell_both(counter, "rights/email_counter_notice.txt", _("Counter-notice to your notice %(reference)s"))
    return counter


@transaction.atomic
def counter_notice_court_action(*, counter: CounterNotice, actor=None, detail: str = "") -> CounterNotice:
    """The claimant reports having filed a court action: the work stays withdrawn; the notice is closed."""
    counter = CounterNotice.objects.select_for_update().get(pk=counter.pk)
    if counter.restored_at is not None:
        raise NoticeError(f"{counter} was already restored on {counter.restored_at:%Y-%m-%d}")
    counter.court_action_at = clock.now()
    counter.save(update_fields=["court_action_at"])
    _set_state(counter.notice, Notice.State.CLOSED, actor=actor, court_action=True, detail=detail[:500])
    _tell_both(counter, "rights/email_counter_court_action.txt", _("Court action reported on notice %(reference)s"))
    return counter


def counter_notices_restore_due(*, today: dt.date | None = None) -> list[CounterNotice]:
    """Restore the works of every countered notice whose restoration day has come and no court action was
    reported (called by the scheduler); returns what was restored."""
    from reelhouse.rights.models import WorkWithdrawal
    from reelhouse.rights.signals import work_restored

    today = today or timezone.localdate(clock.now())
    restored = []
    due = CounterNotice.objects.filter(restore_on__lte=today, restored_at__isnull=True, court_action_at__isnull=True,
                                       notice__state=Notice.State.COUNTERED)
    for counter in due.select_related("notice"):
        with transaction.atomic():
            now = clock.now()
            for withdrawal in counter.notice.withdrawals.filter(lifted_at__isnull=True):
                withdrawal.lifted_at = now
                withdrawal.save(update_fields=["lifted_at"])
                work_restored.send(sender=WorkWithdrawal, work_id=withdrawal.work_id,
                                   published_at=withdrawal.published_at_before,
                                   reason=f"counter-notice to {counter.notice.reference}")
            counter.restored_at = now
            counter.save(update_fields=["restored_at"])
            _set_state(counter.notice, Notice.State.RESTORED, counter_notice=counter.pk, automated=True)
            _tell_both(counter, "rights/email_counter_restored.txt", _("Restored after counter-notice %(reference)s"))
        restored.append(counter)
    return restored
