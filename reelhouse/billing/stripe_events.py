"""Applying Stripe webhook events: each exactly once, and order-independent by reading current state."""

import datetime as dt
import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from reelhouse.billing import conf, emails
from reelhouse.billing.gateway import gateway_get
from reelhouse.billing.models import Coupon, Customer, Dispute, Payment, Plan, PlanPrice, ProcessedEvent, Subscription
from reelhouse.billing.pending_events import (
    PaymentNotRecorded,
    payment_by_stripe_ids,
    pending_event_keep,
    pending_events_take,
)
from reelhouse.billing.services import (
    CouponError,
    coupon_use,
    dispute_close,
    dispute_record,
    dispute_withdraw,
    payment_record,
    payment_refund_record,
    plan_default,
)
from reelhouse.core import clock
from reelhouse.core.services import audit_record

log = logging.getLogger("reelhouse.billing")

HANDLED = {"checkout.session.completed", "invoice.paid", "invoice.payment_failed",
           "customer.subscription.updated", "customer.subscription.deleted", "charge.refunded",
           "charge.dispute.created", "charge.dispute.funds_withdrawn", "charge.dispute.closed",
           "charge.dispute.funds_reinstated"}

RECORDS_PAYMENTS = {"checkout.session.completed", "invoice.paid"}  # events after which kept events may apply

STATUS_TO_STATE = {
    "trialing": Subscription.State.TRIALING,
    "active": Subscription.State.ACTIVE,
    "past_due": Subscription.State.PAST_DUE,
    "unpaid": Subscription.State.PAST_DUE,
    "canceled": Subscription.State.EXPIRED,
    "incomplete_expired": Subscription.State.EXPIRED,
    "paused": Subscription.State.EXPIRED,  # no access while paused; a resume event brings it back
}


def stripe_event_apply(*, event: dict[str, Any]) -> bool:
    """Apply one verified event; False when it was applied before (a replay or a duplicate delivery).

    The ProcessedEvent row and the event's effects commit together: if applying fails nothing is recorded and
    Stripe's retry applies it later. Two deliveries at once: the second blocks on the primary key, then sees it."""
    if event.get("type") not in HANDLED:
        return False
    try:
        with transaction.atomic():
            ProcessedEvent.objects.create(event_id=event["id"], type=event["type"], processed_at=clock.now())
            try:
                HANDLERS[event["type"]](event["data"]["object"])
            except PaymentNotRecorded as waiting:  # it overtook its payment: applied when the payment is recorded
                pending_event_keep(event=event, waiting=waiting)
            if event["type"] in RECORDS_PAYMENTS:
                for pending in pending_events_take():
                    log.info("applying stripe event %s (%s), kept until its payment arrived", pending.event_id,
                             pending.type)
                    HANDLERS[pending.type](pending.payload)
    except IntegrityError:
        if ProcessedEvent.objects.filter(event_id=event["id"]).exists():
            log.info("stripe event %s already applied; ignored", event["id"])
            return False
        raise
    return True


def _ts(value: int | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(value, tz=dt.UTC) if value else None


def _id(value) -> str:
    """Stripe fields are an id string, or the expanded object."""
    return value.get("id", "") if isinstance(value, dict) else (value or "")


def _user_for(*, customer_id: str = "", metadata: dict | None = None, client_reference_id: str = ""):
    User = get_user_model()
    if customer_id and (c := Customer.objects.select_related("user").filter(stripe_customer_id=customer_id).first()):
        return c.user
    user_id = client_reference_id or (metadata or {}).get("user_id", "")
    user = User.objects.filter(pk=int(user_id)).first() if str(user_id).isdigit() else None
    if user is not None and customer_id:
        Customer.objects.update_or_create(user=user, defaults={"stripe_customer_id": customer_id})
    return user


def _plan_for(*, metadata: dict | None = None, price_id: str = "") -> Plan:
    # The price billed is the truth (a schedule's new phase changes it); metadata names inline-priced plans.
    if price_id and (price := PlanPrice.objects.select_related("plan").filter(stripe_price_id=price_id).first()):
        return price.plan
    if (code := (metadata or {}).get("plan_code")) and (plan := Plan.objects.filter(code=code).first()):
        return plan
    return plan_default()


@transaction.atomic
def subscription_sync(*, data: dict[str, Any], user=None) -> Subscription | None:
    """Make the local subscription match Stripe's current state of it (whatever order events came in)."""
    items = (data.get("items") or {}).get("data") or [{}]
    first_item = items[0]
    # Since API 2025-03-31 the period lives on the subscription items; older versions had it on the subscription.
    start = _ts(data.get("current_period_start") or first_item.get("current_period_start"))
    end = _ts(data.get("current_period_end") or first_item.get("current_period_end"))
    user = user or _user_for(customer_id=_id(data.get("customer")), metadata=data.get("metadata"))
    if user is None or start is None or end is None:
        log.warning("stripe subscription %s: no matching user or period; ignored", data.get("id"))
        return None
    plan = _plan_for(metadata=data.get("metadata"), price_id=_id(first_item.get("price") or {}))
    state = STATUS_TO_STATE.get(data.get("status", ""), Subscription.State.EXPIRED)
    if state == Subscription.State.ACTIVE and data.get("cancel_at_period_end"):
        state = Subscription.State.CANCELED
    sub = Subscription.objects.select_for_update().filter(stripe_subscription_id=data["id"]).first()
    if sub is None:
        sub = Subscription(user=user, stripe_subscription_id=data["id"])
    newly_past_due = state == Subscription.State.PAST_DUE and sub.state != Subscription.State.PAST_DUE
    if newly_past_due:
        sub.grace_until, sub.dunning_reminded_at = clock.now() + dt.timedelta(days=conf.GRACE_DAYS), None
    elif state != Subscription.State.PAST_DUE:
        sub.grace_until = None
    if state == Subscription.State.EXPIRED and (ended := _ts(data.get("ended_at"))):
        end = max(min(end, ended), start + dt.timedelta(seconds=1))
    sub.plan, sub.state, sub.current_period_start, sub.current_period_end = plan, state, start, end
    if not _id(data.get("schedule")):  # released or completed: no change is waiting
        sub.scheduled_plan, sub.stripe_schedule_id = None, ""
    elif sub.scheduled_plan_id == plan.pk:  # the schedule's new phase has started: the change is made
        sub.scheduled_plan = None
    sub.save()
    if newly_past_due:
        transaction.on_commit(lambda: emails.payment_failed_send(subscription=sub))
    audit_record(action="subscription.synced", subject=sub, stripe_status=data.get("status"))
    return sub


def _sync_by_id(subscription_id: str, *, user=None) -> Subscription | None:
    if not subscription_id:
        return None
    return subscription_sync(data=gateway_get().subscription_retrieve(subscription_id=subscription_id), user=user)


def _invoice_subscription_id(invoice: dict) -> str:
    # API 2025-03-31+: invoice.parent.subscription_details.subscription; before: invoice.subscription.
    parent = (invoice.get("parent") or {}).get("subscription_details") or {}
    return _id(parent.get("subscription")) or _id(invoice.get("subscription"))


def on_checkout_session_completed(session: dict) -> None:
    user = _user_for(customer_id=_id(session.get("customer")), metadata=session.get("metadata"),
                     client_reference_id=session.get("client_reference_id") or "")
    if user is None:
        log.warning("checkout session %s: no user; ignored", session.get("id"))
        return
    metadata = session.get("metadata") or {}
    if session.get("mode") == "subscription":
        _sync_by_id(_id(session.get("subscription")), user=user)  # the invoice.paid event records the money
    elif session.get("mode") == "payment" and session.get("payment_status") == "paid" and metadata.get(
            "upgrade_order"):
        from reelhouse.billing.upgrades import upgrade_paid  # upgrades reads subscription_sync from here

        upgrade_paid(user=user, session=session)
        return
    elif session.get("mode") == "payment" and session.get("payment_status") == "paid":
        plan = _plan_for(metadata=metadata)
        payment_record(user=user, plan=plan, amount_minor=session["amount_total"], currency=session["currency"],
                       source=Payment.Source.STRIPE, external_id=_id(session.get("payment_intent")) or session["id"],
                       payment_intent_id=_id(session.get("payment_intent")))
    else:
        return
    if (code := metadata.get("coupon")) and (coupon := Coupon.objects.filter(code=code).first()) is not None:
        try:
            with transaction.atomic():
                coupon_use(coupon=coupon, user=user)
        except CouponError:  # the customer already paid the discounted price: keep the sale, log the overrun
            log.warning("coupon %s was past its limit when %s paid with it", code, user)


def on_invoice_paid(invoice: dict) -> None:
    subscription_id = _invoice_subscription_id(invoice)
    if not subscription_id:
        return  # one-off payments are recorded from their checkout session
    sub = _sync_by_id(subscription_id)
    if sub is None:
        return
    payment_record(user=sub.user, plan=sub.plan, amount_minor=invoice["amount_paid"], currency=invoice["currency"],
                   source=Payment.Source.STRIPE, external_id=invoice["id"],
                   payment_intent_id=_id(invoice.get("payment_intent")), extend_access=False)


def on_invoice_payment_failed(invoice: dict) -> None:
    sub = _sync_by_id(_invoice_subscription_id(invoice))
    if sub is not None and sub.state == Subscription.State.PAST_DUE:
        audit_record(action="subscription.payment_failed", subject=sub, invoice=invoice.get("id"),
                     attempt=invoice.get("attempt_count"), grace_until=sub.grace_until.isoformat())


def on_subscription_changed(subscription: dict) -> None:
    _sync_by_id(subscription["id"])  # the event may be stale: read what Stripe says now


def _payment_for(*, intent: str, invoice: str = "") -> Payment:
    """The payment an event refers to; raises PaymentNotRecorded when it is not recorded yet, so the event is kept
    and applied when it is (see pending_events)."""
    payment = payment_by_stripe_ids(intent=intent, invoice=invoice)
    if payment is None:
        raise PaymentNotRecorded(intent=intent, invoice=invoice)
    return payment


def on_charge_refunded(charge: dict) -> None:
    payment = _payment_for(intent=_id(charge.get("payment_intent")), invoice=_id(charge.get("invoice")))
    payment_refund_record(payment=payment, refunded_minor=charge["amount_refunded"])


def _dispute_for(dispute: dict) -> Dispute:
    payment = _payment_for(intent=_id(dispute.get("payment_intent")))
    return dispute_record(payment=payment, stripe_dispute_id=dispute["id"], amount_minor=dispute["amount"])


def on_charge_dispute_created(dispute: dict) -> None:
    """A chargeback: the disputed amount is withdrawn from us at once, so it counts as refunded from now. An inquiry
    (status warning_*) withdraws nothing; if it escalates, funds_withdrawn follows."""
    record = _dispute_for(dispute)
    if record.status != Dispute.Status.OPEN:
        log.info("dispute %s was already %s when its creation arrived; nothing to withdraw", record.stripe_dispute_id,
                 record.status)
    elif not dispute.get("status", "").startswith("warning_"):
        dispute_withdraw(dispute=record)


def on_charge_dispute_funds_withdrawn(dispute: dict) -> None:
    dispute_withdraw(dispute=_dispute_for(dispute))


CLOSED_STATUSES = {"won": Dispute.Status.WON, "lost": Dispute.Status.LOST,
                   "warning_closed": Dispute.Status.WARNING_CLOSED}


def on_charge_dispute_closed(dispute: dict) -> None:
    """The outcome, from charge.dispute.closed or charge.dispute.funds_reinstated (both carry the closed dispute):
    whichever comes first applies it, the other changes nothing. A closing that arrives before the dispute's
    creation records the outcome, so the late creation withdraws nothing."""
    status = CLOSED_STATUSES.get(dispute.get("status", ""))
    if status is None:
        log.warning("dispute %s: status %r is not an outcome; ignored", dispute.get("id"), dispute.get("status"))
        return
    dispute_close(dispute=_dispute_for(dispute), status=status)


HANDLERS = {
    "checkout.session.completed": on_checkout_session_completed,
    "invoice.paid": on_invoice_paid,
    "invoice.payment_failed": on_invoice_payment_failed,
    "customer.subscription.updated": on_subscription_changed,
    "customer.subscription.deleted": on_subscription_changed,
    "charge.refunded": on_charge_refunded,
    "charge.dispute.created": on_charge_dispute_created,
    "charge.dispute.funds_withdrawn": on_charge_dispute_funds_withdrawn,
    "charge.dispute.closed": on_charge_dispute_closed,
    "charge.dispute.funds_reinstated": on_charge_dispute_closed,
}
