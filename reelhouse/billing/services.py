"""Billing writes: plans, access periods, payments and receipts, vouchers, coupons, trials, checkout."""

import csv
import datetime as dt
import io
import secrets
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import formats
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from reelhouse.billing import conf, emails, signals
from reelhouse.billing.gateway import gateway_get
from reelhouse.billing.models import (
    BillingProfile,
    Coupon,
    CouponUse,
    Customer,
    Dispute,
    Payment,
    Plan,
    PlanPrice,
    ReceiptCounter,
    Subscription,
    TrialUse,
    Voucher,
    VoucherBatch,
)
from reelhouse.billing.selectors import WATCHABLE_STATES, plan_is_upgrade, subscription_current
from reelhouse.core import clock
from reelhouse.core.services import audit_record


class BillingError(Exception):
    """A billing request that cannot be honoured; the message says why and what to do, in the language active when
    it is raised (the request's), as the account page shows it to the subscriber."""


class VoucherError(BillingError):
    pass


class CouponError(BillingError):
    pass


class TrialError(BillingError):
    pass


# --- plans ------------------------------------------------------------------------------------------------------

@transaction.atomic
def plans_ensure() -> list[Plan]:
    """Create the default plans and prices if missing (operators' later edits are kept)."""
    plans = []
    for spec in conf.DEFAULT_PLANS:
        fields = {k: v for k, v in spec.items() if k not in ("code", "prices")} | conf.PLAN_LIMITS
        plan, _created = Plan.objects.get_or_create(code=spec["code"], defaults=fields)
        for currency, amount in spec["prices"].items():
            PlanPrice.objects.get_or_create(plan=plan, currency=currency, defaults={"amount_minor": amount})
        plans.append(plan)
    return plans


def plan_default() -> Plan:
    """The monthly standard plan (created with the other default plans on first use)."""
    plan = Plan.objects.filter(code=conf.DEFAULT_PLAN_CODE).first()
    return plan or next(p for p in plans_ensure() if p.code == conf.DEFAULT_PLAN_CODE)


# --- access periods ---------------------------------------------------------------------------------------------

def _lock_user(user) -> None:
    """Serialise billing writes per account (PostgreSQL row lock; SQLite's IMMEDIATE transactions already do)."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


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


# --- payments and receipts --------------------------------------------------------------------------------------

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
                 currency=currency, source=source)
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
                 refunded_minor=refunded_minor)
    transaction.on_commit(lambda: signals.payment_refunded.send(sender=Payment, payment=payment))
    return payment


# --- disputes (chargebacks) -------------------------------------------------------------------------------------

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


# --- vouchers ---------------------------------------------------------------------------------------------------

def _voucher_code() -> str:
    groups = ("".join(secrets.choice(conf.VOUCHER_ALPHABET) for _ in range(4))
              for _ in range(conf.VOUCHER_CODE_GROUPS))
    return "-".join(groups)


def voucher_code_normalize(code: str) -> str:
    """What people type ('abcd efgh ijkl mnpq', any dashes or spaces) to the stored form XXXX-XXXX-XXXX-XXXX."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


@transaction.atomic
def voucher_batch_create(*, name: str, plan: Plan, months: int, count: int, expires_at: dt.datetime | None = None,
                         actor=None) -> VoucherBatch:
    """Generate `count` unguessable gift codes, each worth `months` of `plan`."""
    if not 1 <= count <= 100_000:
        raise VoucherError(f"A batch holds 1 to 100000 codes (asked for {count}).")
    batch = VoucherBatch.objects.create(name=name, plan=plan, months=months, expires_at=expires_at, created_by=actor)
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(_voucher_code())
    Voucher.objects.bulk_create([Voucher(batch=batch, code=c) for c in sorted(codes)], batch_size=2000)
    audit_record(action="voucher_batch.created", subject=batch, actor=actor, count=count, months=months)
    return batch


def voucher_batch_csv(*, batch: VoucherBatch) -> str:
    """The batch's codes as CSV, for printing or handing to a partner."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "plan", "months", "expires_at", "redeemed_at"])
    for v in batch.vouchers.order_by("id"):
        writer.writerow([v.code, batch.plan.name, batch.months,
                         batch.expires_at.isoformat() if batch.expires_at else "",
                         v.redeemed_at.isoformat() if v.redeemed_at else ""])
    return out.getvalue()


@transaction.atomic
def voucher_redeem(*, user, code: str) -> Subscription:
    """Spend a gift code on the user's account: exactly one redemption wins even when two arrive at once."""
    normalized = voucher_code_normalize(code)
    voucher = Voucher.objects.select_related("batch__plan").filter(code=normalized).first()
    if voucher is None:
        raise VoucherError(_("The code '%(code)s' is not a valid gift code. Check it for typos.")
                           % {"code": code.strip()})
    now = clock.now()
    if voucher.batch.expires_at is not None and now >= voucher.batch.expires_at:
        raise VoucherError(_("The code %(code)s expired on %(date)s.") % {
            "code": normalized, "date": formats.date_format(voucher.batch.expires_at, "DATE_FORMAT")})
    # One conditional UPDATE decides the race: the row lock makes the second writer see redeemed_at set.
    won = Voucher.objects.filter(pk=voucher.pk, redeemed_at__isnull=True).update(redeemed_by=user, redeemed_at=now)
    if not won:
        raise VoucherError(_("The code %(code)s has already been used.") % {"code": normalized})
    sub = access_extend(user=user, plan=voucher.batch.plan, months=voucher.batch.months,
                        reason=f"voucher {normalized}", actor=user)
    audit_record(action="voucher.redeemed", subject=voucher, actor=user)
    return sub


# --- coupons ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Quote:
    plan: Plan
    currency: str
    list_minor: int
    amount_minor: int
    coupon: Coupon | None


def coupon_problem(*, coupon: Coupon, user=None, currency: str | None = None) -> str:
    """Why this coupon cannot be used now; '' when it can."""
    if coupon.expires_at is not None and clock.now() >= coupon.expires_at:
        return _("The coupon %(code)s expired on %(date)s.") % {
            "code": coupon.code, "date": formats.date_format(coupon.expires_at, "DATE_FORMAT")}
    if coupon.max_uses is not None and coupon.uses >= coupon.max_uses:
        return _("The coupon %(code)s has been used the maximum number of times (%(max)d).") % {
            "code": coupon.code, "max": coupon.max_uses}
    if coupon.amount_off_minor and currency and coupon.currency.upper() != currency.upper():
        return _("The coupon %(code)s is for prices in %(coupon_currency)s, not %(currency)s.") % {
            "code": coupon.code, "coupon_currency": coupon.currency, "currency": currency}
    if user is not None and CouponUse.objects.filter(coupon=coupon, user=user).exists():
        return _("You have already used the coupon %(code)s.") % {"code": coupon.code}
    return ""


def price_quote(*, plan: Plan, currency: str, coupon_code: str = "", user=None) -> Quote:
    """What the plan costs in this currency after the coupon, if any (raises with the reason it cannot apply)."""
    currency = currency.upper()
    price = PlanPrice.objects.filter(plan=plan, currency=currency).first()
    if price is None:
        raise BillingError(_("The plan %(plan)s has no price in %(currency)s.") % {"plan": plan.name,
                                                                                    "currency": currency})
    coupon = None
    amount = price.amount_minor
    if coupon_code.strip():
        coupon = Coupon.objects.filter(code__iexact=coupon_code.strip()).first()
        if coupon is None:
            raise CouponError(_("There is no coupon '%(code)s'.") % {"code": coupon_code.strip()})
        if problem := coupon_problem(coupon=coupon, user=user, currency=currency):
            raise CouponError(problem)
        if coupon.percent_off:
            amount -= (price.amount_minor * coupon.percent_off + 50) // 100  # discount rounded half up
        else:
            amount -= coupon.amount_off_minor
        amount = max(amount, 0)
    return Quote(plan=plan, currency=currency, list_minor=price.amount_minor, amount_minor=amount, coupon=coupon)


@transaction.atomic
def coupon_use(*, coupon: Coupon, user) -> None:
    """Count one use of a coupon by a user; refuses past the limit even under concurrent use."""
    now = clock.now()
    limit_ok = Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses"))
    unexpired = Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    if not Coupon.objects.filter(limit_ok, unexpired, pk=coupon.pk).update(uses=F("uses") + 1):
        coupon.refresh_from_db()
        raise CouponError(coupon_problem(coupon=coupon)
                          or _("The coupon %(code)s cannot be used now.") % {"code": coupon.code})
    try:
        with transaction.atomic():
            CouponUse.objects.create(coupon=coupon, user=user, used_at=now)
    except IntegrityError:
        raise CouponError(_("You have already used the coupon %(code)s.") % {"code": coupon.code}) from None


@transaction.atomic
def plan_purchase_record(*, user, plan: Plan, currency: str, coupon_code: str = "", actor=None) -> Payment:
    """An operator records a payment taken outside Stripe (cash, transfer), at the quoted price."""
    quote = price_quote(plan=plan, currency=currency, coupon_code=coupon_code, user=user)
    if quote.coupon is not None:
        coupon_use(coupon=quote.coupon, user=user)
    return payment_record(user=user, plan=plan, amount_minor=quote.amount_minor, currency=quote.currency,
                          source=Payment.Source.OPERATOR, actor=actor)


# --- trials -----------------------------------------------------------------------------------------------------

TRIAL_KEY_SALT = "reelhouse.billing.trial-use"


def person_key(email: str) -> str:
    """One key per mailbox: case, '+tags' and (for Gmail) dots do not make a new person."""
    local, _at, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def trial_key(email: str) -> str:
    """What a TrialUse keeps of the address: a keyed digest of its person_key, so the one-trial rule outlives the
    account (a closed account's address may sign up again) without the address itself being kept."""
    return salted_hmac(TRIAL_KEY_SALT, person_key(email), algorithm="sha256").hexdigest()


@transaction.atomic
def trial_start(*, user) -> Subscription:
    """Start the free trial; each person gets one, ever (keyed on person_key, so aliases of one mailbox count once),
    and only once the address is confirmed: otherwise any made-up address would be a new person."""
    if subscription_current(user=user) is not None:
        raise TrialError(_("You already have access; the free trial is for new subscribers."))
    if Payment.objects.filter(user=user).exists():
        raise TrialError(_("The free trial is for new subscribers; this account has paid before."))
    if user.email_verified_at is None:
        raise TrialError(_("Confirm your email address first: open the link we sent to %(email)s (or have it sent "
                           "again from this page), then start the free trial.") % {"email": user.email})
    try:
        with transaction.atomic():
            TrialUse.objects.create(person_key=trial_key(user.email), user=user)
    except IntegrityError:
        raise TrialError(_("A free trial has already been used with this email address.")) from None
    now = clock.now()
    sub = Subscription.objects.create(user=user, plan=plan_default(), state=Subscription.State.TRIALING,
                                      current_period_start=now, current_period_end=now + dt.timedelta(
                                          days=conf.TRIAL_DAYS))
    audit_record(action="trial.started", subject=sub, actor=user)
    return sub


# --- checkout (Stripe) ------------------------------------------------------------------------------------------

def checkout_url_create(*, user, plan: Plan, currency: str, coupon_code: str = "", success_url: str,
                        cancel_url: str) -> str:
    """A Stripe Checkout page for this plan: a Billing subscription for monthly, a one-off payment for prepaid."""
    quote = price_quote(plan=plan, currency=currency, coupon_code=coupon_code, user=user)
    price = plan.price(currency)
    customer = Customer.objects.filter(user=user).first()
    metadata = {"user_id": str(user.pk), "plan_code": plan.code, "coupon": quote.coupon.code if quote.coupon else ""}
    return gateway_get().checkout_url(
        mode="subscription" if plan.recurring else "payment",
        price_id=price.stripe_price_id if price and not quote.coupon else "",
        currency=quote.currency, amount_minor=quote.amount_minor, product_name=plan.name,
        client_reference_id=str(user.pk), customer_email=user.email,
        customer_id=customer.stripe_customer_id if customer else "", metadata=metadata,
        success_url=success_url, cancel_url=cancel_url)


def portal_url_create(*, user, return_url: str) -> str:
    """Where the subscriber manages cards and sees the provider's invoices: a Stripe customer portal session."""
    customer = Customer.objects.filter(user=user).first()
    if customer is None:
        raise BillingError(_("There is no card on file for this account yet: pay for a plan by card first."))
    return gateway_get().portal_session_create(customer_id=customer.stripe_customer_id, return_url=return_url)["url"]


def dunning_reminders_send() -> int:
    """Remind past-due subscribers whose grace period ends within REMINDER_DAYS (once each); run daily."""
    now = clock.now()
    due = (Subscription.objects.select_related("user")
           .filter(state=Subscription.State.PAST_DUE, grace_until__gt=now, dunning_reminded_at__isnull=True,
                   grace_until__lte=now + dt.timedelta(days=conf.DUNNING_REMINDER_DAYS)))
    sent = 0
    for sub in due:
        if Subscription.objects.filter(pk=sub.pk, dunning_reminded_at__isnull=True).update(dunning_reminded_at=now):
            emails.payment_failed_send(subscription=sub, reminder=True)
            sent += 1
    return sent


# --- plan changes ---------------------------------------------------------------------------------------------

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


# --- cancel, pause ----------------------------------------------------------------------------------------------

def _current_or_refuse(user) -> Subscription:
    sub = subscription_current(user=user)
    if sub is None:
        raise BillingError(_("You have no current subscription to change."))
    return sub


@transaction.atomic
def subscription_cancel(*, user, undo: bool = False) -> Subscription:
    """Stop renewing at the end of the period (access continues until then); undo=True renews again."""
    _lock_user(user)
    sub = _current_or_refuse(user)
    if sub.stripe_subscription_id:
        from reelhouse.billing.stripe_events import subscription_sync

        if not undo:
            _schedule_drop(sub)  # nothing renews, so nothing changes at the renewal
        data = gateway_get().subscription_cancel_at_period_end(subscription_id=sub.stripe_subscription_id,
                                                               cancel=not undo)
        sub = subscription_sync(data=data, user=user)
    elif undo and sub.state == Subscription.State.CANCELED:
        sub.state = Subscription.State.ACTIVE
        sub.save(update_fields=["state"])
    elif not undo and sub.state in (Subscription.State.ACTIVE, Subscription.State.TRIALING):
        sub.state, sub.scheduled_plan = Subscription.State.CANCELED, None
        sub.save(update_fields=["state", "scheduled_plan"])
    audit_record(action="subscription.canceled" if not undo else "subscription.renewing", subject=sub, actor=user)
    return sub


@transaction.atomic
def subscription_pause(*, user, weeks: int) -> Subscription:
    """Pause access for 1-12 weeks; the paid time left is kept and moves back by the pause."""
    if not 1 <= weeks <= conf.MAX_PAUSE_WEEKS:
        raise BillingError(_("A pause lasts 1 to %(max)d weeks (asked for %(weeks)d).")
                           % {"max": conf.MAX_PAUSE_WEEKS, "weeks": weeks})
    _lock_user(user)
    sub = _current_or_refuse(user)
    if sub.stripe_subscription_id:
        raise BillingError(_("Card subscriptions are paused from the payment page (customer portal)."))
    if sub.state not in (Subscription.State.ACTIVE, Subscription.State.CANCELED, Subscription.State.PAUSED):
        raise BillingError(_("Only a paid subscription can be paused."))
    now = clock.now()
    pause = dt.timedelta(weeks=weeks)
    sub.state, sub.paused_until = Subscription.State.PAUSED, now + pause
    sub.current_period_end += pause
    sub.save(update_fields=["state", "paused_until", "current_period_end"])
    audit_record(action="subscription.paused", subject=sub, actor=user, weeks=weeks)
    return sub


@transaction.atomic
def subscription_unpause(*, user) -> Subscription:
    """End a pause early: access now, and the unused pause time comes off the end again."""
    _lock_user(user)
    now = clock.now()
    sub = (Subscription.objects.filter(user=user, state=Subscription.State.PAUSED, paused_until__gt=now)
           .order_by("-current_period_end").first())
    if sub is None:
        raise BillingError(_("Your subscription is not paused."))
    sub.current_period_end -= sub.paused_until - now
    sub.state, sub.paused_until = Subscription.State.ACTIVE, None
    sub.save(update_fields=["state", "paused_until", "current_period_end"])
    audit_record(action="subscription.unpaused", subject=sub, actor=user)
    return sub
