"""Payments and receipts: gap-free receipt numbers, VAT included in prices, invoice parties, refunds."""

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from reelhouse.billing import conf, emails, signals
from reelhouse.billing.models import (
    BillingProfile,
    Payment,
    Plan,
    ReceiptCounter,
)
from reelhouse.billing.services.access import _lock_user, access_extend, access_shorten
from reelhouse.billing.services.errors import BillingError
from reelhouse.core import clock
from reelhouse.core.audit import audit_record


def receipt_number_next(*, at: dt.datetime) -> str:
    """The next receipt number of the year, gap-free: RH-2026-000001 (call inside a transaction)."""
    ReceiptCounter.objects.get_or_create(year=at.year)
    counter = ReceiptCounter.objects.select_for_update().get(year=at.year)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    return f"RH-{at.year}-{counter.last:06d}"


@transaction.atomic
def payment_record(*, user, plan: Plan, amount_minor: int, currency: str, months: int | None = None,
                   source: str = Payment.Source.OPERATOR, external_id: str | None = None, payment_intent_id: str = "",
                   extend_access: bool = True, actor=None) -> Payment:
    """Record money received (idempotent by external_id) and, unless a provider renews it, extend access."""
    currency = currency.upper()
    if currency not in conf.CURRENCIES:
        raise BillingError(f"Currency {currency!r} is not accepted; use one of {', '.join(conf.CURRENCIES)}.")
    if amount_minor < 0:
        raise BillingError(f"A payment amount cannot be negative (got {amount_minor}).")
    _lock_user(user)
    if external_id and (existing := Payment.objects.filter(external_id=external_id).first()):
        return existing
    months = plan.term_months if months is None else months  # 0: a proration, no extra time
    now = clock.now()
    first = not Payment.objects.filter(user=user).exists()
    payment = Payment.objects.create(user=user, plan=plan, number=receipt_number_next(at=now), source=source,
                                     amount_minor=amount_minor, currency=currency, months=months,
                                     external_id=external_id, payment_intent_id=payment_intent_id or "",
                                     paid_at=now, recorded_by=actor if getattr(actor, "pk", None) else None,
                                     **invoice_parties(user=user, amount_minor=amount_minor))
    if extend_access:
        access_extend(user=user, plan=plan, months=months, reason=f"payment {payment.number}", actor=actor)
    audit_record(action="payment.recorded", subject=payment, actor=actor, amount_minor=amount_minor,
                 currency=currency, source=source, before=None,
                 after={"number": payment.number, "amount_minor": amount_minor, "currency": currency,
                        "months": months, "user": user.pk})
    transaction.on_commit(lambda: signals.payment_received.send(sender=Payment, payment=payment, first=first))
    transaction.on_commit(lambda: emails.receipt_send(payment=payment))
    return payment


def vat_included(*, amount_minor: int, rate_bp: int) -> int:
    """The VAT inside a VAT-inclusive amount, rounded half up to the minor unit: 999 at 20 % -> 167."""
    if rate_bp <= 0:
        return 0
    return (2 * amount_minor * rate_bp + 10_000 + rate_bp) // (2 * (10_000 + rate_bp))


def invoice_parties(*, user, amount_minor: int) -> dict:
    """The invoice fields fixed when a payment is recorded: seller and buyer as they are now, and the VAT rate of
    the buyer's billing country (REELHOUSE_VAT_RATES)."""
    profile = BillingProfile.objects.filter(user=user).first()
    country = ((profile.country if profile else "") or getattr(user, "country", "") or "").upper()
    lines = [(profile.name if profile else "") or getattr(user, "display_name", "") or user.email]
    if profile is not None:
        lines += [line.strip() for line in profile.address.splitlines() if line.strip()]
    if country:
        lines.append(country)
    if lines[0] != user.email:
        lines.append(user.email)
    rate = conf.vat_rate_bp(country) if country else 0
    return {"seller_details": conf.seller_details(), "seller_vat_id": conf.seller_vat_id(),
            "buyer_details": "\n".join(lines), "buyer_vat_id": profile.vat_id if profile else "",
            "buyer_country": country, "vat_rate_bp": rate,
            "vat_minor": vat_included(amount_minor=amount_minor, rate_bp=rate)}


def billing_profile_update(*, user, name: str, address: str, country: str, vat_id: str) -> BillingProfile:
    """Set who the next invoices are made out to (invoices already issued keep what they said)."""
    from babelfish import COUNTRIES

    country = country.strip().upper()
    if country and country not in COUNTRIES:
        raise BillingError(_("'%(country)s' is not a country code; use two letters such as FR, DE or US.")
                           % {"country": country})
    profile, _created = BillingProfile.objects.update_or_create(user=user, defaults={
        "name": name.strip()[:120], "address": address.strip()[:400], "country": country,
        "vat_id": "".join(vat_id.split()).upper()[:20]})
    audit_record(action="billing_profile.updated", subject=profile, actor=user)
    return profile


@transaction.atomic
def payment_refund_record(*, payment: Payment, refunded_minor: int, chargeback: bool = False, actor=None) -> Payment:
    """Record the total refunded so far (idempotent; never decreases). A full refund takes back the access.
    chargeback=True: the bank took the money back (a dispute); the payment is marked disputed."""
    if refunded_minor < 0:
        raise BillingError(f"A refund cannot be negative (got {refunded_minor}).")
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    refunded_minor = min(refunded_minor, payment.amount_minor)
    if refunded_minor <= payment.refunded_minor:
        if chargeback and payment.state != Payment.State.DISPUTED and refunded_minor:
            payment.state = Payment.State.DISPUTED
            payment.save(update_fields=["state"])
        return payment
    before = {"refunded_minor": payment.refunded_minor, "state": payment.state}
    payment.refunded_minor = refunded_minor
    full = refunded_minor == payment.amount_minor
    if chargeback:
        payment.state = Payment.State.DISPUTED
    elif full:
        payment.state = Payment.State.REFUNDED
    payment.save(update_fields=["refunded_minor", "state"])
    if full and not (payment.external_id or "").startswith("in_"):  # a Stripe invoice's access follows Stripe
        access_shorten(user=payment.user, months=payment.months, reason=f"refund of {payment.number}")
    audit_record(action="payment.charged_back" if chargeback else "payment.refunded", subject=payment, actor=actor,
                 refunded_minor=refunded_minor, before=before,
                 after={"refunded_minor": payment.refunded_minor, "state": payment.state})
    transaction.on_commit(lambda: signals.payment_refunded.send(sender=Payment, payment=payment))
    return payment
