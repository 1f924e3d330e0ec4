"""Plan changes at the next renewal: schedule and unschedule."""

from django.db import transaction
from django.utils.translation import gettext as _

from reelhouse.billing.gateway import gateway_get
from reelhouse.billing.models import Plan, Subscription
from reelhouse.billing.selectors import plan_is_upgrade
from reelhouse.billing.services.access import _current_or_refuse, _lock_user
from reelhouse.billing.services.errors import BillingError
from reelhouse.core.audit import audit_record


def _is_upgrade(*, current: Plan, plan: Plan, currency: str) -> bool:
    upgrade = plan_is_upgrade(current=current, plan=plan, currency=currency)
    if upgrade is None:
        raise BillingError(_("%(current)s or %(plan)s has no price in %(currency)s.")
                           % {"current": current.name, "plan": plan.name, "currency": currency})
    return upgrade


def _schedule_drop(sub: Subscription) -> None:
    """Release the Stripe schedule carrying a scheduled change (Stripe refuses direct changes while it holds the
    subscription) and forget the change locally."""
    if sub.stripe_schedule_id:
        gateway_get().subscription_schedule_release(schedule_id=sub.stripe_schedule_id)
    sub.scheduled_plan, sub.stripe_schedule_id = None, ""
    sub.save(update_fields=["scheduled_plan", "stripe_schedule_id"])


@transaction.atomic
def subscription_change_schedule(*, user, plan: Plan, currency: str) -> Subscription:
    """Move to `plan` when the current period ends (a downgrade: the paid period keeps its plan to the end).
    Stripe subscriptions get a subscription schedule; others start their next paid period on the new plan."""
    _lock_user(user)
    sub = _current_or_refuse(user)
    currency = currency.upper()
    if plan.pk == sub.plan_id:
        raise BillingError(_("You are already on %(plan)s.") % {"plan": plan.name})
    if not plan.is_active:
        raise BillingError(_("%(plan)s is no longer offered.") % {"plan": plan.name})
    if plan.price(currency) is None:
        raise BillingError(_("The plan %(plan)s has no price in %(currency)s.") % {"plan": plan.name,
                                                                                    "currency": currency})
    if plan.term_months != sub.plan.term_months:
        raise BillingError(_("%(plan)s is a different term from %(current)s: buy it when your period ends.")
                           % {"plan": plan.name, "current": sub.plan.name})
    if _is_upgrade(current=sub.plan, plan=plan, currency=currency):
        raise BillingError(_("%(plan)s is an upgrade from %(current)s: upgrade now instead, it is prorated.")
                           % {"plan": plan.name, "current": sub.plan.name})
    if sub.state in (Subscription.State.TRIALING, Subscription.State.PAST_DUE, Subscription.State.PAUSED):
        raise BillingError(_("A plan change can be scheduled on a paid subscription in good standing."))
    if sub.stripe_subscription_id:
        price = plan.price(currency)
        if not plan.recurring or not price.stripe_price_id:
            raise BillingError(_("%(plan)s cannot renew a card subscription: it has no recurring Stripe price in "
                                 "%(currency)s. Cancel at the period end and buy it then.")
                               % {"plan": plan.name, "currency": currency})
        schedule = gateway_get().subscription_change_at_period_end(
            subscription_id=sub.stripe_subscription_id, price_id=price.stripe_price_id, plan_code=plan.code)
        sub.stripe_schedule_id = schedule["id"]
    sub.scheduled_plan = plan
    sub.save(update_fields=["scheduled_plan", "stripe_schedule_id"])
    audit_record(action="subscription.change_scheduled", subject=sub, actor=user, to_plan=plan.code,
                 at=sub.current_period_end.isoformat())
    return sub


@transaction.atomic
def subscription_change_unschedule(*, user) -> Subscription:
    """Keep the current plan after all: the scheduled change is dropped (and its Stripe schedule released)."""
    _lock_user(user)
    sub = _current_or_refuse(user)
    if sub.scheduled_plan_id is None:
        raise BillingError(_("No plan change is scheduled."))
    to_plan = sub.scheduled_plan.code
    _schedule_drop(sub)
    audit_record(action="subscription.change_unscheduled", subject=sub, actor=user, to_plan=to_plan)
    return sub
