"""Cancel at period end (and undo), pause and unpause."""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from reelhouse.billing import conf
from reelhouse.billing.gateway import gateway_get
from reelhouse.billing.models import Subscription
from reelhouse.billing.services.access import _current_or_refuse, _lock_user
from reelhouse.billing.services.errors import BillingError
from reelhouse.billing.services.plan_changes import _schedule_drop
from reelhouse.billing.stripe_sync import subscription_sync
from reelhouse.core import clock
from reelhouse.core.audit import audit_record


@transaction.atomic
def subscription_cancel(*, user, undo: bool = False) -> Subscription:
    """Stop renewing at the end of the period (access continues until then); undo=True renews again."""
    _lock_user(user)
    sub = _current_or_refuse(user)
    if sub.stripe_subscription_id:
        if not undo:
            _schedule_drop(sub)  # nothing renews, so nothing changes at the renewal
        data = gateway_get().subscription_cancel_at_period_end(subscription_id=sub.stripe_subscription_id,
                                                               cancel=not undo)
        sub = subscription_sync(data=data, user=user)
    elif undo and sub.state == Subscription.State.CANCELED:
        sub.state = Subscription.State.ACTIVE
        sub.save(update_fields=["state"])
    elif not undo and sub.state in (Subscription.State.ACTIVE, Subscription.State.TRIALING):
        sub.state, sub.scheduled_plan = Subscription.State.CANCELED, None
        sub.save(update_fields=["state", "scheduled_plan"])
    audit_record(action="subscription.canceled" if not undo else "subscription.renewing", subject=sub, actor=user)
    return sub


@transaction.atomic
def subscription_pause(*, user, weeks: int) -> Subscription:
    """Pause access for 1-12 weeks; the paid time left is kept and moves back by the pause."""
    if not 1 <= weeks <= conf.MAX_PAUSE_WEEKS:
        raise BillingError(_("A pause lasts 1 to %(max)d weeks (asked for %(weeks)d).")
                           % {"max": conf.MAX_PAUSE_WEEKS, "weeks": weeks})
    _lock_user(user)
    sub = _current_or_refuse(user)
    if sub.stripe_subscription_id:
        raise BillingError(_("Card subscriptions are paused from the payment page (customer portal)."))
    if sub.state not in (Subscription.State.ACTIVE, Subscription.State.CANCELED, Subscription.State.PAUSED):
        raise BillingError(_("Only a paid subscription can be paused."))
    now = clock.now()
    pause = dt.timedelta(weeks=weeks)
    sub.state, sub.paused_until = Subscription.State.PAUSED, now + pause
    sub.current_period_end += pause
    sub.save(update_fields=["state", "paused_until", "current_period_end"])
    audit_record(action="subscription.paused", subject=sub, actor=user, weeks=weeks)
    return sub


@transaction.atomic
def subscription_unpause(*, user) -> Subscription:
    """End a pause early: access now, and the unused pause time comes off the end again."""
    _lock_user(user)
    now = clock.now()
    sub = (Subscription.objects.filter(user=user, state=Subscription.State.PAUSED, paused_until__gt=now)
           .order_by("-current_period_end").first())
    if sub is None:
        raise BillingError(_("Your subscription is not paused."))
    sub.current_period_end -= sub.paused_until - now
    sub.state, sub.paused_until = Subscription.State.ACTIVE, None
    sub.save(update_fields=["state", "paused_until", "current_period_end"])
    audit_record(action="subscription.unpaused", subject=sub, actor=user)
    return sub
