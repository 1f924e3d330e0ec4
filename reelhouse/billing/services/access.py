"""The access periods a subscription grants, extends or shortens."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from reelhouse.billing.models import Plan, Subscription
from reelhouse.billing.plans import plan_default
from reelhouse.billing.selectors import WATCHABLE_STATES, subscription_current
from reelhouse.billing.services.errors import BillingError
from reelhouse.core import clock
from reelhouse.core.audit import audit_record


def _lock_user(user) -> None:
    """Serialise billing writes per account (PostgreSQL row lock; SQLite's IMMEDIATE transactions already do)."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


def _current_or_refuse(user) -> Subscription:
    sub = subscription_current(user=user)
    if sub is None:
        raise BillingError(_("You have no current subscription to change."))
    return sub


@transaction.atomic
def access_extend(*, user, plan: Plan | None = None, months: int = 0, days: int = 0, reason: str,
                  actor=None) -> Subscription:
    """Add months/days of access: extends the subscription the user has now, or starts one now."""
    if months <= 0 and days <= 0:
        raise BillingError(f"access_extend for {user}: months ({months}) or days ({days}) must be positive")
    _lock_user(user)
    now = clock.now()
    delta = relativedelta(months=months, days=days)
    current = (Subscription.objects.select_related("plan")
               .filter(user=user, current_period_end__gt=now,
                       state__in=[*WATCHABLE_STATES, Subscription.State.PAST_DUE, Subscription.State.PAUSED])
               .order_by("-current_period_end").first())
    renewal_plan = current.scheduled_plan if current is not None else None
    if (current is not None and current.stripe_subscription_id is None and renewal_plan is not None
            and plan in (None, current.plan, renewal_plan)
            and current.state in (Subscription.State.ACTIVE, Subscription.State.CANCELED)):
        # A change scheduled for the renewal: the time bought now is a new period on the scheduled plan, from the
        # end of the current one (which keeps its plan to the end).
        start = current.current_period_end
        sub = Subscription.objects.create(user=user, plan=renewal_plan, state=Subscription.State.ACTIVE,
                                          current_period_start=start, current_period_end=start + delta)
        current.scheduled_plan = None
        current.save(update_fields=["scheduled_plan"])
        audit_record(action="subscription.plan_changed", subject=sub, actor=actor, from_plan=current.plan.code,
                     to_plan=renewal_plan.code, at=start.isoformat())
    elif current is not None and current.stripe_subscription_id is None:
        current.current_period_end = current.current_period_end + delta
        if current.state in (Subscription.State.TRIALING, Subscription.State.PAST_DUE):
            # Paid access replaces a trial or a failed renewal; the paid plan's limits apply from now.
            current.state, current.grace_until = Subscription.State.ACTIVE, None
            current.plan = plan or current.plan
        if current.scheduled_plan_id == current.plan_id:
            current.scheduled_plan = None
        current.save(update_fields=["current_period_end", "state", "grace_until", "plan", "scheduled_plan"])
        sub = current
    else:
        # A Stripe-renewed subscription keeps its own period; prepaid time follows it.
        start = current.current_period_end if current is not None else now
        sub = Subscription.objects.create(user=user, plan=plan or plan_default(), current_period_start=start,
                                          current_period_end=start + delta,
                                          state=Subscription.State.CANCELED if current else Subscription.State.ACTIVE)
    audit_record(action="subscription.extended", subject=sub, actor=actor, months=months, days=days, reason=reason)
    return sub


def subscription_grant(*, user, plan: Plan | None = None, days: int = 30, actor=None) -> Subscription:
    """Give a user access for `days` more (an operator's grant, the demo viewer)."""
    return access_extend(user=user, plan=plan, days=days, reason="grant", actor=actor)


@transaction.atomic
def access_shorten(*, user, months: int, reason: str) -> Subscription | None:
    """Take back months of access (a refunded prepaid payment); never ends before now."""
    _lock_user(user)
    now = clock.now()
    sub = subscription_current(user=user, at=now)
    if sub is None or sub.stripe_subscription_id is not None:
        return sub
    sub.current_period_end = max(sub.current_period_end - relativedelta(months=months),
                                 max(now, sub.current_period_start + dt.timedelta(seconds=1)))
    sub.save(update_fields=["current_period_end"])
    audit_record(action="subscription.shortened", subject=sub, months=months, reason=reason)
    return sub
