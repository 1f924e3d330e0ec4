"""Stripe webhooks dispatched to their handlers: each event applied exactly once, and order-independent by reading
current state (billing.stripe_sync mirrors a subscription)."""

import logging
from typing import Any

from django.db import IntegrityError, transaction

from reelhouse.billing.models import Coupon, Dispute, Payment, ProcessedEvent, Subscription
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
)
from reelhouse.billing.stripe_sync import (
    stripe_id,
    stripe_plan,
    stripe_user,
    subscription_sync_by_id,
)
from reelhouse.billing.upgrades import upgrade_paid
from reelhouse.core import clock
from reelhouse.core.audit import audit_record

log = logging.getLogger("reelhouse.billing")

HANDLED = {"checkout.session.completed", "invoice.paid", "invoice.payment_failed",
           "customer.subscription.updated", "customer.subscription.deleted", "charge.refunded",
           "charge.dispute.created", "charge.dispute.funds_withdrawn", "charge.dispute.closed",
           "charge.dispute.funds_reinstated"}

RECORDS_PAYMENTS = {"checkout.session.completed", "invoice.paid"}  # events after which kept events may apply


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


def _invoice_subscription_id(invoice: dict) -> str:
    # API 2025-03-31+: invoice.parent.subscription_details.subscription; before: invoice.subscription.
    parent = (invoice.get("parent") or {}).get("subscription_details") or {}
    return stripe_id(parent.get("subscription")) or stripe_id(invoice.get("subscription"))


def on_checkout_session_completed(session: dict) -> None:
    user = stripe_user(customer_id=stripe_id(session.get("customer")), metadata=session.get("metadata"),
                     client_reference_id=session.get("client_reference_id") or "")
    if user is None:
        log.warning("checkout session %s: no user; ignored", session.get("id"))
        return
    metadata = session.get("metadata") or {}
    if session.get("mode") == "subscription":
        # the invoice.paid event records the money
        subscription_sync_by_id(stripe_id(session.get("subscription")), user=user)
    elif session.get("mode") == "payment" and session.get("payment_status") == "paid" and metadata.get(
            "upgrade_order"):
        upgrade_paid(user=user, session=session)
        return
    elif session.get("mode") == "payment" and session.get("payment_status") == "paid":
        plan = stripe_plan(metadata=metadata)
        intent = stripe_id(session.get("payment_intent"))
        payment_record(user=user, plan=plan, amount_minor=session["amount_total"], currency=session["currency"],
                       source=Payment.Source.STRIPE, external_id=intent or session["id"], payment_intent_id=intent)
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
    sub = subscription_sync_by_id(subscription_id)
    if sub is None:
        return
    payment_record(user=sub.user, plan=sub.plan, amount_minor=invoice["amount_paid"], currency=invoice["currency"],
                   source=Payment.Source.STRIPE, external_id=invoice["id"],
                   payment_intent_id=stripe_id(invoice.get("payment_intent")), extend_access=False)


def on_invoice_payment_failed(invoice: dict) -> None:
    sub = subscription_sync_by_id(_invoice_subscription_id(invoice))
    if sub is not None and sub.state == Subscription.State.PAST_DUE:
        audit_record(action="subscription.payment_failed", subject=sub, invoice=invoice.get("id"),
                     attempt=invoice.get("attempt_count"), grace_until=sub.grace_until.isoformat())


def on_subscription_changed(subscription: dict) -> None:
    subscription_sync_by_id(subscription["id"])  # the event may be stale: read what Stripe says now


def _payment_for(*, intent: str, invoice: str = "") -> Payment:
    """The payment an event refers to; raises PaymentNotRecorded when it is not recorded yet, so the event is kept
    and applied when it is (see pending_events)."""
    payment = payment_by_stripe_ids(intent=intent, invoice=invoice)
    if payment is None:
        raise PaymentNotRecorded(intent=intent, invoice=invoice)
    return payment


def on_charge_refunded(charge: dict) -> None:
    payment = _payment_for(intent=stripe_id(charge.get("payment_intent")), invoice=stripe_id(charge.get("invoice")))
    payment_refund_record(payment=payment, refunded_minor=charge["amount_refunded"])


def _dispute_for(dispute: dict) -> Dispute:
    payment = _payment_for(intent=stripe_id(dispute.get("payment_intent")))
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
