"""Stripe events that overtook the payment they are about: kept, and applied once that payment is recorded.

Stripe does not deliver events in order: a refund or a dispute (charge.refunded, charge.dispute.*) can arrive before
the checkout.session.completed or invoice.paid that records the payment. Such an event is stored here (its
ProcessedEvent row is written as it arrives, so a redelivery is still recognised) and reapplied, exactly once, in the
transaction that records the payment it names."""

import logging

from reelhouse.billing.models import Payment, PendingStripeEvent
from reelhouse.core.audit import audit_record

log = logging.getLogger("reelhouse.billing")


class PaymentNotRecorded(Exception):
    """The event names a payment (by payment intent or invoice) that is not recorded yet."""

    def __init__(self, *, intent: str, invoice: str = ""):
        super().__init__(f"no payment recorded for payment intent {intent!r} / invoice {invoice!r} yet")
        self.intent, self.invoice = intent, invoice


def payment_by_stripe_ids(*, intent: str, invoice: str = "") -> Payment | None:
    """The recorded payment a Stripe payment intent or invoice id refers to, if any."""
    candidates = [x for x in (intent, invoice) if x]
    return (Payment.objects.filter(external_id__in=candidates).first()
            or (Payment.objects.filter(payment_intent_id=intent).first() if intent else None))


def pending_event_keep(*, event: dict, waiting: PaymentNotRecorded) -> PendingStripeEvent:
    """Keep an event until its payment is recorded (idempotent by the event id)."""
    pending, created = PendingStripeEvent.objects.get_or_create(event_id=event["id"], defaults={
        "type": event["type"], "payload": event["data"]["object"], "payment_intent_id": waiting.intent,
        "invoice_id": waiting.invoice})
    if created:
        log.info("stripe event %s (%s) arrived before its payment (%s); kept until the payment is recorded",
                 event["id"], event["type"], waiting.intent or waiting.invoice)
        audit_record(action="stripe_event.pending", subject=pending, type=event["type"],
                     payment_intent=waiting.intent, invoice=waiting.invoice)
    return pending


def pending_events_take() -> list[PendingStripeEvent]:
    """The kept events whose payment is recorded now, oldest first, removed from the store (call inside the
    transaction that applies them: if applying fails, they stay)."""
    if not PendingStripeEvent.objects.exists():  # the usual case: one cheap query per payment event
        return []
    due = []
    for pending in PendingStripeEvent.objects.select_for_update().order_by("received_at", "event_id"):
        if payment_by_stripe_ids(intent=pending.payment_intent_id, invoice=pending.invoice_id) is not None:
            due.append(pending)
    PendingStripeEvent.objects.filter(pk__in=[p.pk for p in due]).delete()
    return due
