"""Coupons and price quotes, and operator-recorded plan purchases."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import formats
from django.utils.translation import gettext as _

from reelhouse.billing.models import (
    Coupon,
    CouponUse,
    Payment,
    Plan,
    PlanPrice,
)
from reelhouse.billing.services.errors import BillingError, CouponError
from reelhouse.billing.services.payments import payment_record
from reelhouse.core import clock


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
