"""Upgrading a plan now: a price quote the subscriber sees and accepts, and the new plan only once the money is in.

A card subscription (Stripe Billing) is moved to the new price by Stripe, which invoices the prorated difference and
charges the card on file; the change applies only if that payment succeeds (`pending_if_incomplete`). Any other
subscription (a trial, gift code, stamps, operator grant, prepaid term) pays the quoted amount through a Stripe
Checkout page, and the plan changes when Stripe's checkout.session.completed confirms the payment. Nothing here
records a payment nobody collected: receipts, invoices and referral stamps follow money received."""

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.core import signing
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from reelhouse.billing import conf
from reelhouse.billing.gateway import gateway_enabled, gateway_get
from reelhouse.billing.models import Customer, Payment, Plan, Subscription, UpgradeOrder
from reelhouse.billing.selectors import subscription_current
from reelhouse.billing.services import BillingError, payment_record
from reelhouse.billing.services.access import _lock_user
from reelhouse.billing.services.plan_changes import _is_upgrade, _schedule_drop
from reelhouse.billing.stripe_sync import subscription_sync
from reelhouse.core import clock
from reelhouse.core.audit import audit_record

log = logging.getLogger("reelhouse.billing")

QUOTE_SALT = "reelhouse.billing.upgrade-quote"
UPGRADABLE_STATES = (Subscription.State.ACTIVE, Subscription.State.CANCELED)


@dataclass(frozen=True)
class UpgradeQuote:
    """What moving to `plan` now costs, as the confirmation page shows it; `token` is what the subscriber accepts."""

    subscription: Subscription
    plan: Plan
    currency: str
    amount_minor: int
    until: dt.datetime
    by_card_subscription: bool  # Stripe prorates and charges the card on file; amount_minor is our estimate
    across_terms: bool
    token: str


def _daily_minor(plan: Plan, currency: str) -> float:
    price = plan.price(currency)
    if price is None:
        raise BillingError(_("The plan %(plan)s has no price in %(currency)s.") % {"plan": plan.name,
                                                                                    "currency": currency})
    return price.amount_minor / (plan.term_months * 30)


def upgrade_amount(*, sub: Subscription, plan: Plan, currency: str, at: dt.datetime | None = None) -> int:
    """What moving to `plan` at `at` costs for the rest of the current period: the difference of the two plans'
    daily prices times the days left (rounded to the minor unit). Refuses a change that is not an upgrade."""
    currency = currency.upper()
    difference = _daily_minor(plan, currency) - _daily_minor(sub.plan, currency)
    if difference <= 0 or plan.max_streams < sub.plan.max_streams or plan.max_height < sub.plan.max_height:
        raise BillingError(_("%(plan)s is not an upgrade from %(current)s; choose it when your period ends.")
                           % {"plan": plan.name, "current": sub.plan.name})
    days_left = max((sub.current_period_end - (at or clock.now())).total_seconds() / 86400, 0)
    return round(difference * days_left)


def upgrade_problem(*, sub: Subscription | None, plan: Plan, currency: str) -> str:
    """Why this subscription cannot be upgraded to `plan` now; '' when it can (then a quote can be made)."""
    if sub is None:
        return _("You have no current subscription to change.")
    if sub.state == Subscription.State.TRIALING:
        return _("A free trial cannot be upgraded. Buy a plan from the list on your account page: paid access "
                 "replaces the trial at once.")
    if sub.state not in UPGRADABLE_STATES:
        return _("Only a paid subscription in good standing can be upgraded; settle or resume it first.")
    if plan.pk == sub.plan_id:
        return _("You are already on %(plan)s.") % {"plan": plan.name}
    if not plan.is_active:
        return _("%(plan)s is no longer offered.") % {"plan": plan.name}
    if plan.price(currency) is None or sub.plan.price(currency) is None:
        return _("%(current)s or %(plan)s has no price in %(currency)s.") % {
            "current": sub.plan.name, "plan": plan.name, "currency": currency}
    if not _is_upgrade(current=sub.plan, plan=plan, currency=currency):
        return _("%(plan)s is not an upgrade from %(current)s; choose it when your period ends.") % {
            "plan": plan.name, "current": sub.plan.name}
    if sub.stripe_subscription_id:
        price = plan.price(currency)
        if not plan.recurring or plan.term_months != sub.plan.term_months or not price.stripe_price_id:
            return _("Your card subscription renews every %(months)d month(s) and %(plan)s cannot replace it now. "
                     "Cancel at the period end and buy %(plan)s then.") % {"months": sub.plan.term_months,
                                                                            "plan": plan.name}
    elif not gateway_enabled():
        return _("An upgrade is paid by card, and card payments are not set up on this server. Ask the operator, "
                 "or choose the plan when your period ends.")
    return ""


def _quote_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def upgrade_quote(*, user, plan: Plan, currency: str) -> UpgradeQuote:
    """The price of upgrading now, and the token that accepts exactly that price (raises BillingError with the
    reason when the upgrade cannot be made). Writes nothing: the confirmation page is a GET."""
    currency = currency.upper()
    sub = subscription_current(user=user)
    if problem := upgrade_problem(sub=sub, plan=plan, currency=currency):
        raise BillingError(problem)
    amount = upgrade_amount(sub=sub, plan=plan, currency=currency)
    if not sub.stripe_subscription_id and amount < conf.STRIPE_MIN_CHARGE_MINOR:
        raise BillingError(_("Too little of your period is left to upgrade now (it would cost less than a card "
                             "payment can be). Choose %(plan)s when your period ends.") % {"plan": plan.name})
    token = signing.dumps({"u": user.pk, "s": sub.pk, "f": sub.plan_id, "p": plan.pk, "c": currency, "a": amount,
                           "e": sub.current_period_end.isoformat(),
                           "t": int(clock.now().timestamp())}, salt=QUOTE_SALT, compress=True)
    return UpgradeQuote(subscription=sub, plan=plan, currency=currency, amount_minor=amount,
                        until=sub.current_period_end, by_card_subscription=bool(sub.stripe_subscription_id),
                        across_terms=plan.term_months != sub.plan.term_months, token=token)


def quote_plan(*, token: str) -> Plan | None:
    """The plan a quote token was for (to show a fresh quote when the token has expired); None if unreadable."""
    try:
        data = signing.loads(token, salt=QUOTE_SALT)
    except signing.BadSignature:
        return None
    return Plan.objects.filter(pk=data.get("p")).first()


@dataclass(frozen=True)
class UpgradeStarted:
    """What accepting a quote led to: a Checkout page to pay on, or a card subscription changed (or waiting for the
    card's bank when its payment needs the subscriber)."""

    checkout_url: str = ""
    subscription: Subscription | None = None
    applied: bool = False


@transaction.atomic
def upgrade_accept(*, user, token: str, success_url: str, cancel_url: str) -> UpgradeStarted:
    """The subscriber accepted a quote: charge it. Refuses a forged, expired or outdated quote, with the reason."""
    invalid = _("That upgrade price is not valid. Here is the current price: confirm it again.")
    try:
        data = signing.loads(token, salt=QUOTE_SALT)  # its age is checked on the project's clock below
    except signing.BadSignature:
        raise BillingError(invalid) from None
    if data.get("u") != user.pk:
        raise BillingError(invalid)
    if clock.now().timestamp() - data["t"] > conf.UPGRADE_QUOTE_MAX_AGE_S:
        raise BillingError(_("That price was quoted more than %(minutes)d minutes ago. Here is the current price: "
                             "confirm it again.") % {"minutes": conf.UPGRADE_QUOTE_MAX_AGE_S // 60})
    _lock_user(user)
    sub = subscription_current(user=user)
    plan = Plan.objects.get(pk=data["p"])
    currency = data["c"]
    if (sub is None or sub.pk != data["s"] or sub.plan_id != data["f"]
            or sub.current_period_end.isoformat() != data["e"]):
        raise BillingError(_("Your subscription changed since that price was quoted. Here is the current price: "
                             "confirm it again."))
    if problem := upgrade_problem(sub=sub, plan=plan, currency=currency):
        raise BillingError(problem)
    if sub.stripe_subscription_id:
        return _card_subscription_upgrade(user=user, sub=sub, plan=plan, currency=currency)
    order, _created = UpgradeOrder.objects.get_or_create(quote_key=_quote_key(token), defaults={
        "user": user, "subscription": sub, "from_plan": sub.plan, "to_plan": plan, "amount_minor": data["a"],
        "currency": currency, "period_end": sub.current_period_end})
    if order.checkout_url:  # a double-click, or back and confirm again: the same payment page, paid once
        return UpgradeStarted(checkout_url=order.checkout_url, subscription=sub)
    customer = Customer.objects.filter(user=user).first()
    until = formats.date_format(sub.current_period_end, "DATE_FORMAT")
    order.checkout_url = gateway_get().checkout_url(
        mode="payment", price_id="", currency=currency, amount_minor=order.amount_minor,
        product_name=_("Upgrade to %(plan)s until %(date)s") % {"plan": plan.name, "date": until},
        client_reference_id=str(user.pk), customer_email=user.email,
        customer_id=customer.stripe_customer_id if customer else "",
        metadata={"user_id": str(user.pk), "plan_code": plan.code, "upgrade_order": str(order.pk)},
        success_url=success_url, cancel_url=cancel_url)
    order.save(update_fields=["checkout_url"])
    audit_record(action="upgrade.quote_accepted", subject=order, actor=user, to_plan=plan.code,
                 amount_minor=order.amount_minor, currency=currency)
    return UpgradeStarted(checkout_url=order.checkout_url, subscription=sub)


def _card_subscription_upgrade(*, user, sub: Subscription, plan: Plan, currency: str) -> UpgradeStarted:
    """Stripe moves the subscription to the new price, invoices the proration and charges the card; with
    payment_behavior=pending_if_incomplete the price changes only if that payment succeeds, so syncing what Stripe
    returns shows the new plan only when it is paid for."""
    old = sub.plan
    _schedule_drop(sub)
    data = gateway_get().subscription_plan_change(subscription_id=sub.stripe_subscription_id,
                                                  price_id=plan.price(currency).stripe_price_id, plan_code=plan.code)
    sub = subscription_sync(data=data, user=user)
    applied = sub is not None and sub.plan_id == plan.pk
    audit_record(action="subscription.upgraded" if applied else "subscription.upgrade_pending", subject=sub,
                 actor=user, from_plan=old.code, to_plan=plan.code)
    return UpgradeStarted(subscription=sub, applied=applied)


@transaction.atomic
def upgrade_paid(*, user, session: dict) -> UpgradeOrder | None:
    """Stripe confirmed the Checkout payment of an upgrade (checkout.session.completed, payment_status paid): record
    the money (one receipt per payment) and move the subscription to the new plan, once per order."""
    intent = session.get("payment_intent")
    intent = intent.get("id", "") if isinstance(intent, dict) else (intent or "")
    order_id = str((session.get("metadata") or {}).get("upgrade_order", ""))
    order = (UpgradeOrder.objects.select_for_update().select_related("to_plan")
             .filter(pk=int(order_id) if order_id.isdigit() else None, user=user).first())
    if order is None:
        log.warning("checkout session %s: upgrade order %r of %s not found; the payment is recorded without a plan "
                    "change", session.get("id"), order_id, user)
        return None
    payment = payment_record(user=user, plan=order.to_plan, amount_minor=session["amount_total"],
                             currency=session["currency"], months=0, source=Payment.Source.STRIPE,
                             external_id=intent or session["id"], payment_intent_id=intent, extend_access=False)
    if order.state != UpgradeOrder.State.PENDING:
        return order  # applied before: a replayed or duplicated confirmation changes nothing
    sub = Subscription.objects.select_for_update().select_related("plan").get(pk=order.subscription_id)
    now = clock.now()
    still_as_quoted = (sub.plan_id == order.from_plan_id and sub.current_period_end == order.period_end
                       and sub.state in UPGRADABLE_STATES and sub.current_period_end > now
                       and payment.amount_minor >= order.amount_minor and payment.currency == order.currency)
    order.payment, order.applied_at = payment, now
    if still_as_quoted:
        old = sub.plan
        sub.plan, sub.scheduled_plan = order.to_plan, None  # an upgrade replaces a downgrade waiting for renewal
        sub.save(update_fields=["plan", "scheduled_plan"])
        order.state = UpgradeOrder.State.APPLIED
        audit_record(action="subscription.upgraded", subject=sub, actor=user, from_plan=old.code,
                     to_plan=order.to_plan.code, prorated_minor=payment.amount_minor, payment=payment.number)
    else:
        order.state = UpgradeOrder.State.SUPERSEDED
        log.warning("upgrade order %s paid (%s) but subscription %s changed since the quote; refund it", order.pk,
                    payment.number, sub.pk)
        audit_record(action="upgrade.superseded", subject=order, payment=payment.number,
                     note="paid after the subscription changed; refund the payment")
    order.save(update_fields=["payment", "applied_at", "state"])
    return order
