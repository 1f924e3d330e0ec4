"""Billing reads: is a user paid up now, what they bought, what they can buy."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q

from reelhouse.billing.models import Payment, Plan, PlanPrice, Subscription
from reelhouse.core import clock

WATCHABLE_STATES = [Subscription.State.TRIALING, Subscription.State.ACTIVE, Subscription.State.CANCELED]


def subscription_current(*, user, at: dt.datetime | None = None) -> Subscription | None:
    """The subscription that entitles the user to watch at `at` (now by default), if any.

    Trialing, active and cancelled-at-period-end subscriptions count until their period ends; a past-due one
    (failed renewal) counts until its grace period ends; a paused one from the day its pause ends."""
    at = at or clock.now()
    in_period = Q(state__in=WATCHABLE_STATES, current_period_end__gt=at)
    in_grace = Q(state=Subscription.State.PAST_DUE, grace_until__gt=at)
    pause_over = Q(state=Subscription.State.PAUSED, paused_until__lte=at, current_period_end__gt=at)
    return (Subscription.objects.select_related("plan")
            .filter(in_period | in_grace | pause_over, user=user, current_period_start__lte=at)
            .order_by("-current_period_end").first())


def subscription_latest(*, user) -> Subscription | None:
    """The user's most recent subscription, current or not (for the account page)."""
    return Subscription.objects.select_related("plan").filter(user=user).order_by("-current_period_end").first()


def plans_on_sale() -> list[Plan]:
    return list(Plan.objects.filter(is_active=True).prefetch_related(
        Prefetch("prices", queryset=PlanPrice.objects.order_by("currency"))))


def payments_of(*, user, limit: int = 50) -> list[Payment]:
    return list(Payment.objects.filter(user=user).select_related("plan").order_by("-paid_at", "-id")[:limit])


@dataclass(frozen=True)
class PlanOffer:
    """A plan as the visitor landing shows it: price in one currency, per-month equivalent, saving vs monthly."""

    plan: Plan
    currency: str
    price_minor: int
    per_month_minor: int
    saving_minor: int  # against paying the monthly plan for the same number of months; 0 for the monthly plan
    saving_percent: int


def plan_offers(*, currency: str) -> list[PlanOffer]:
    """Plans on sale priced in `currency` (plans without a price in it are left out), shortest term first."""
    plans = [p for p in plans_on_sale() if p.price(currency)]
    monthly = min((p.price(currency).amount_minor for p in plans if p.term_months == 1), default=None)
    offers = []
    for plan in sorted(plans, key=lambda p: (p.term_months, p.max_streams)):
        price = plan.price(currency).amount_minor
        full = monthly * plan.term_months if monthly is not None else price
        saving = max(full - price, 0)
        offers.append(PlanOffer(plan=plan, currency=currency.upper(), price_minor=price,
                                per_month_minor=round(price / plan.term_months), saving_minor=saving,
                                saving_percent=round(100 * saving / full) if full else 0))
    return offers
