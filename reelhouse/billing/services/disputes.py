"""Chargebacks: a dispute opened, its funds withdrawn or reinstated, and its close."""

from django.db import transaction

from reelhouse.billing import signals
from reelhouse.billing.models import Dispute, Payment
from reelhouse.billing.services.payments import payment_refund_record
from reelhouse.core import clock
from reelhouse.core.audit import audit_record


@transaction.atomic
def dispute_record(*, payment: Payment, stripe_dispute_id: str, amount_minor: int) -> Dispute:
    """The dispute, created on first sight by whichever of its events comes first, and locked for this transaction."""
    Dispute.objects.get_or_create(stripe_dispute_id=stripe_dispute_id,
                                  defaults={"payment": payment, "amount_minor": amount_minor})
    return Dispute.objects.select_for_update().select_related("payment").get(stripe_dispute_id=stripe_dispute_id)


@transaction.atomic
def dispute_withdraw(*, dispute: Dispute) -> Dispute:
    """The bank took the disputed money back: it counts as refunded from now (up to what was not refunded yet).
    Once per dispute; nothing when the dispute has already closed (its outcome came before the withdrawal)."""
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if dispute.withdrawn_at is not None or dispute.status != Dispute.Status.OPEN:
        return dispute
    before = Payment.objects.select_for_update().get(pk=dispute.payment_id).refunded_minor
    payment = payment_refund_record(payment=dispute.payment, refunded_minor=before + dispute.amount_minor,
                                    chargeback=True)
    dispute.withdrawn_at, dispute.withdrawn_minor = clock.now(), payment.refunded_minor - before
    dispute.save(update_fields=["withdrawn_at", "withdrawn_minor"])
    return dispute


def _payment_state(payment: Payment) -> str:
    """What a payment's state is from its amounts and the chargebacks still counted in them."""
    if payment.disputes.filter(withdrawn_at__isnull=False).exclude(
            status__in=[Dispute.Status.WON, Dispute.Status.WARNING_CLOSED]).exists():
        return Payment.State.DISPUTED
    if payment.refunded_minor and payment.refunded_minor == payment.amount_minor:
        return Payment.State.REFUNDED
    return Payment.State.PAID


@transaction.atomic
def dispute_close(*, dispute: Dispute, status: str) -> Dispute:
    """Record a dispute's outcome, once. Won (or an inquiry closed): what the chargeback withdrew is no longer
    refunded and the payment is back to its state before, paid or partly refunded. Lost: the chargeback stands."""
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if dispute.status != Dispute.Status.OPEN:
        return dispute
    dispute.status, dispute.closed_at = Dispute.Status(status), clock.now()
    dispute.save(update_fields=["status", "closed_at"])
    audit_record(action="dispute.closed", subject=dispute, payment=dispute.payment.number, status=status,
                 withdrawn_minor=dispute.withdrawn_minor)
    if dispute.status == Dispute.Status.LOST or dispute.withdrawn_at is None:
        return dispute
    payment = Payment.objects.select_for_update().get(pk=dispute.payment_id)
    payment.refunded_minor -= dispute.withdrawn_minor
    payment.state = _payment_state(payment)
    payment.save(update_fields=["refunded_minor", "state"])
    audit_record(action="payment.chargeback_reversed", subject=payment, dispute=dispute.stripe_dispute_id,
                 reinstated_minor=dispute.withdrawn_minor, refunded_minor=payment.refunded_minor)
    transaction.on_commit(lambda: signals.payment_reinstated.send(sender=Payment, payment=payment, dispute=dispute))
    return dispute
