"""Billing reads: is a user paid up now, what they bought, what they can buy."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q

from reelhouse.billing.models import BillingProfile, Customer, Payment, Plan, PlanPrice, Subscription
from reelhouse.core import clock
from reelhouse.core.countries import country_name

WATCHABLE_STATES = [Subscription.State.TRIALING, Subscription.State.ACTIVE, Subscription.State.CANCELED]


def subscription_current(*, user, at: dt.datetime | None = None) -> Subscription | None:
    """The subscription that entitles the user to watch at `at` (now by default), if any.

    Trialing, active and cancelled-at-period-end subscriptions count until their period ends; a past-due one
    (failed renewal) counts until its grace period ends; a paused one from the day its pause ends."""
    return _entitling(user=user, at=at).select_related("plan", "scheduled_plan").first()


def plan_limits(*, user, also: dict | None = None) -> tuple | None:
    """(max_streams, max_height) of the plan of the subscription that entitles the user now (subscription_current's
    rule), None without one: what playback checks on every start and heartbeat, read as two columns. `also`: more
    columns read in the same statement, as {name: expression}, returned after the two (playback's count of the
    account's live streams, so a heartbeat asks both in one statement)."""
    return plan_limits_query(user=user, at=clock.now(), also=also).first()


def plan_limits_query(*, user, at: dt.datetime, also: dict | None = None):
    """plan_limits' one statement, as a queryset (`user` and `at` may be core.prepared.Arg: playback prepares it)."""
    also = also or {}
    return (_entitling(user=user, at=at).annotate(**also)
            .values_list("plan__max_streams", "plan__max_height", *also)[:1])


def _entitling(*, user, at: dt.datetime | None = None):
    # The user's subscriptions that entitle them at `at`, the one that lasts longest first.
    return Subscription.objects.filter(subscription_entitles(at=at), user=user).order_by("-current_period_end")


def subscription_entitles(*, at: dt.datetime | None = None) -> Q:
    """The condition on Subscription rows that entitle their user at `at` (subscription_current's rule, for
    queries that fold it into a subquery)."""
    at = at or clock.now()
    in_period = Q(state__in=WATCHABLE_STATES, current_period_end__gt=at)
    in_grace = Q(state=Subscription.State.PAST_DUE, grace_until__gt=at)
    pause_over = Q(state=Subscription.State.PAUSED, paused_until__lte=at, current_period_end__gt=at)
    return (in_period | in_grace | pause_over) & Q(current_period_start__lte=at)


def subscription_latest(*, user) -> Subscription | None:
    """The user's most recent subscription, current or not (for the account page)."""
    return Subscription.objects.select_related("plan").filter(user=user).order_by("-current_period_end").first()


def plans_on_sale() -> list[Plan]:
    return list(Plan.objects.filter(is_active=True).prefetch_related(
        Prefetch("prices", queryset=PlanPrice.objects.order_by("currency"))))


def plan_is_upgrade(*, current: Plan, plan: Plan, currency: str) -> bool | None:
    """Whether moving from `current` to `plan` is an upgrade (dearer per day, no lower limits): those start now,
    prorated; other changes wait for the renewal. None when either plan has no price in `currency`."""
    now_price, new_price = current.price(currency), plan.price(currency)
    if now_price is None or new_price is None:
        return None
    daily_now = now_price.amount_minor / current.term_months
    daily_new = new_price.amount_minor / plan.term_months
    return daily_new > daily_now and plan.max_streams >= current.max_streams and plan.max_height >= current.max_height


def plan_change_options(*, subscription: Subscription | None, plans: list[Plan], currency: str) -> list[tuple]:
    """[(plan, 'upgrade' | 'renewal' | '')] for the account page: what each plan on sale would be for this
    subscriber now ('' when it is their plan, another term (bought, not switched to), not priced in their currency,
    or they have no subscription)."""
    rows = []
    for plan in plans:
        kind = ""
        if (subscription is not None and plan.pk != subscription.plan_id
                and plan.term_months == subscription.plan.term_months):
            upgrade = plan_is_upgrade(current=subscription.plan, plan=plan, currency=currency)
            kind = "" if upgrade is None else "upgrade" if upgrade else "renewal"
        rows.append((plan, kind))
    return rows


def billing_currency(*, user) -> str:
    """The currency the user pays in: that of their latest payment, else US dollars."""
    latest = Payment.objects.filter(user=user).order_by("-paid_at", "-id").values_list("currency", flat=True).first()
    return latest or "USD"


def billing_profile_of(*, user) -> BillingProfile:
    """The user's billing details (unsaved and empty, with the account's country, when never set)."""
    return (BillingProfile.objects.filter(user=user).first()
            or BillingProfile(user=user, country=getattr(user, "country", "")))


def card_on_file(*, user) -> bool:
    """The user is a customer at the payment provider (so the customer portal has something to show)."""
    return Customer.objects.filter(user=user).exists()


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


@dataclass(frozen=True)
class Invoice:
    """What an invoice shows, from the payment as issued: lines of the parties, the amounts with VAT split out."""

    payment: Payment
    seller_lines: list[str]
    buyer_lines: list[str]
    total_minor: int
    vat_minor: int
    net_minor: int
    vat_rate_bp: int
    refunded_minor: int


def invoice_of(*, payment: Payment) -> Invoice:
    """The invoice in the active language (the reader's on the page, the subscriber's in the mail)."""
    return Invoice(payment=payment, seller_lines=[line for line in payment.seller_details.splitlines() if line],
                   buyer_lines=_buyer_lines(payment),
                   total_minor=payment.amount_minor, vat_minor=payment.vat_minor,
                   net_minor=payment.amount_minor - payment.vat_minor, vat_rate_bp=payment.vat_rate_bp,
                   refunded_minor=payment.refunded_minor)


def _buyer_lines(payment: Payment) -> list[str]:
    """The buyer's address as issued, its country line (stored as the ISO code) named in the active language."""
    lines = [line for line in payment.buyer_details.splitlines() if line] or [payment.user.email]
    if payment.buyer_country in lines:  # the last match: the country follows the street lines
        at = len(lines) - 1 - lines[::-1].index(payment.buyer_country)
        lines[at] = country_name(payment.buyer_country)
    return lines
