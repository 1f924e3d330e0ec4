"""Plans and prices, access periods, gift codes, coupons, the free trial, receipts."""

import csv
import datetime as dt
import io
import re

import pytest

from reelhouse.billing import services
from reelhouse.billing.models import Coupon, Payment, Plan, Subscription, Voucher
from reelhouse.billing.selectors import subscription_current
from reelhouse.billing.templatetags.billing_tags import money
from reelhouse.core import clock

pytestmark = pytest.mark.django_db


def test_default_plans_have_the_advertised_prices_and_limits(plans):
    assert {code: (p.term_months, p.price("USD").amount_minor, p.price("EUR").amount_minor)
            for code, p in plans.items()} == {
        "standard-1m": (1, 999, 949), "standard-3m": (3, 2799, 2649),
        "standard-6m": (6, 5399, 5099), "standard-12m": (12, 9999, 9449)}
    assert all((p.max_streams, p.max_downloads, p.max_height) == (2, 10, 1080) for p in plans.values())
    assert plans["standard-1m"].recurring and not plans["standard-12m"].recurring
    services.plans_ensure()
    assert Plan.objects.count() == 4
    assert services.plan_default() == plans["standard-1m"]


@pytest.mark.parametrize("amount, currency, language, shown", [
    (999, "USD", "en", "$9.99"), (9449, "EUR", "de", "94,49\u00a0€"), (9449, "EUR", "en", "€94.49"),
    (5, "USD", "en", "$0.05"), (-250, "EUR", "fr", "-2,50\u00a0€")])
def test_money_is_shown_from_minor_units_in_the_active_language(amount, currency, language, shown):
    from django.utils import translation

    with translation.override(language):
        assert money(amount, currency) == shown


def test_grant_extends_the_current_period_instead_of_overlapping(member, plans):
    first = services.subscription_grant(user=member, days=30)
    second = services.subscription_grant(user=member, days=10)
    assert first.pk == second.pk
    assert (second.current_period_end - second.current_period_start).days == 40
    assert Subscription.objects.filter(user=member).count() == 1


def test_operator_payment_numbers_receipts_and_extends_access_by_the_term(member, plans):
    p1 = services.plan_purchase_record(user=member, plan=plans["standard-3m"], currency="usd")
    p2 = services.plan_purchase_record(user=member, plan=plans["standard-1m"], currency="EUR")
    year = clock.now().year
    assert (p1.number, p2.number) == (f"RH-{year}-000001", f"RH-{year}-000002")
    assert (p1.amount_minor, p1.currency, p2.amount_minor, p2.currency) == (2799, "USD", 949, "EUR")
    sub = subscription_current(user=member)
    months = (sub.current_period_end.year - clock.now().year) * 12 + sub.current_period_end.month - clock.now().month
    assert months == 4


def test_unknown_currency_is_refused_with_the_accepted_ones(member, plans):
    with pytest.raises(services.BillingError, match="has no price in GBP"):
        services.plan_purchase_record(user=member, plan=plans["standard-1m"], currency="GBP")
    with pytest.raises(services.BillingError, match="use one of USD, EUR"):
        services.payment_record(user=member, plan=plans["standard-1m"], amount_minor=999, currency="JPY")


def test_voucher_batch_codes_are_unique_unguessable_and_exported_as_csv(plans):
    batch = services.voucher_batch_create(name="Shop gift cards", plan=plans["standard-1m"], months=3, count=200)
    codes = list(batch.vouchers.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == 200
    assert all(re.fullmatch(r"[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}", c) for c in codes)
    rows = list(csv.DictReader(io.StringIO(services.voucher_batch_csv(batch=batch))))
    assert {r["code"] for r in rows} == set(codes) and rows[0]["months"] == "3"


def test_voucher_csv_export_from_the_admin(admin_client, plans):
    batch = services.voucher_batch_create(name="Partner", plan=plans["standard-1m"], months=1, count=3)
    response = admin_client.post("/admin/billing/voucherbatch/", {"action": "export_csv",
                                                                  "_selected_action": [batch.pk]})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.decode().count("\n") == 4


def test_redeeming_a_voucher_gives_its_months_once(member, plans):
    batch = services.voucher_batch_create(name="Gift", plan=plans["standard-1m"], months=6, count=1)
    code = batch.vouchers.get().code
    sub = services.voucher_redeem(user=member, code=code.lower().replace("-", " "))
    months = (sub.current_period_end.year - clock.now().year) * 12 + sub.current_period_end.month - clock.now().month
    assert months == 6 and sub.state == Subscription.State.ACTIVE
    with pytest.raises(services.VoucherError, match="already been used"):
        services.voucher_redeem(user=member, code=code)
    assert Voucher.objects.get(code=code).redeemed_by == member


def test_unknown_and_expired_vouchers_are_refused_with_the_reason(member, plans):
    with pytest.raises(services.VoucherError, match="not a valid gift code"):
        services.voucher_redeem(user=member, code="NOPE-NOPE-NOPE-NOPE")
    batch = services.voucher_batch_create(name="Old", plan=plans["standard-1m"], months=1, count=1,
                                          expires_at=clock.now() + dt.timedelta(days=1))
    clock.advance(dt.timedelta(days=2))
    with pytest.raises(services.VoucherError, match="expired on"):
        services.voucher_redeem(user=member, code=batch.vouchers.get().code)


@pytest.mark.parametrize("coupon, currency, expected", [
    ({"percent_off": 20}, "USD", 2239),
    ({"amount_off_minor": 500, "currency": "EUR"}, "EUR", 2149),
    ({"percent_off": 100}, "USD", 0),
])
def test_coupons_discount_the_price(member, plans, coupon, currency, expected):
    Coupon.objects.create(code="SPRING", **coupon)
    quote = services.price_quote(plan=plans["standard-3m"], currency=currency, coupon_code="spring", user=member)
    assert (quote.list_minor, quote.amount_minor) == (plans["standard-3m"].price(currency).amount_minor, expected)


def test_coupons_have_limited_uses_expiry_currency_and_one_use_per_person(member, plans):
    from reelhouse.accounts.services import user_create

    other = user_create(email="other@example.com", password="correct horse battery")
    Coupon.objects.create(code="ONCE", percent_off=10, max_uses=1)
    payment = services.plan_purchase_record(user=member, plan=plans["standard-1m"], currency="USD", coupon_code="ONCE")
    assert payment.amount_minor == 899  # 10% of 9.99 is 0.999, rounded to 1.00
    with pytest.raises(services.CouponError, match="maximum number of times"):
        services.price_quote(plan=plans["standard-1m"], currency="USD", coupon_code="ONCE", user=other)
    Coupon.objects.create(code="EUROFF", amount_off_minor=100, currency="EUR")
    with pytest.raises(services.CouponError, match="for prices in EUR, not USD"):
        services.price_quote(plan=plans["standard-1m"], currency="USD", coupon_code="EUROFF")
    services.plan_purchase_record(user=member, plan=plans["standard-1m"], currency="EUR", coupon_code="EUROFF")
    with pytest.raises(services.CouponError, match="already used the coupon EUROFF"):
        services.price_quote(plan=plans["standard-1m"], currency="EUR", coupon_code="EUROFF", user=member)
    Coupon.objects.create(code="LATE", percent_off=5, expires_at=clock.now() + dt.timedelta(hours=1))
    clock.advance(dt.timedelta(hours=2))
    with pytest.raises(services.CouponError, match="expired on"):
        services.price_quote(plan=plans["standard-1m"], currency="USD", coupon_code="LATE")


def test_free_trial_once_per_person_even_with_an_email_alias(member, plans):
    from reelhouse.accounts.services import user_create

    trial = services.trial_start(user=member)
    assert trial.state == Subscription.State.TRIALING and subscription_current(user=member) == trial
    clock.advance(dt.timedelta(days=8))
    assert subscription_current(user=member) is None
    with pytest.raises(services.TrialError, match="already been used"):
        services.trial_start(user=member)
    alias = user_create(email="Member+again@Example.com", password="correct horse battery")
    alias.email_verified_at = clock.now()
    alias.save(update_fields=["email_verified_at"])
    with pytest.raises(services.TrialError, match="already been used with this email"):
        services.trial_start(user=alias)


def test_paying_during_the_trial_turns_it_into_a_paid_subscription(member, plans):
    services.trial_start(user=member)
    services.plan_purchase_record(user=member, plan=plans["standard-1m"], currency="USD")
    sub = subscription_current(user=member)
    assert sub.state == Subscription.State.ACTIVE and Subscription.objects.filter(user=member).count() == 1


def test_full_refund_of_a_prepaid_payment_takes_the_months_back(member, plans):
    payment = services.plan_purchase_record(user=member, plan=plans["standard-6m"], currency="USD")
    services.payment_refund_record(payment=payment, refunded_minor=payment.amount_minor)
    payment.refresh_from_db()
    assert payment.state == Payment.State.REFUNDED
    sub = Subscription.objects.get(user=member)
    assert sub.current_period_end <= clock.now() + dt.timedelta(seconds=5)


def test_account_page_redeems_a_code_and_shows_it(client, member, plans):
    batch = services.voucher_batch_create(name="Gift", plan=plans["standard-1m"], months=1, count=1)
    client.force_login(member)
    page = client.post("/account/redeem/", {"code": batch.vouchers.get().code}, follow=True)
    text = page.content.decode()
    assert page.status_code == 200 and "Gift code redeemed" in text and "Standard monthly (Active)" in text
    again = client.post("/account/redeem/", {"code": batch.vouchers.get().code}, follow=True)
    assert "has already been used" in again.content.decode()


def test_checkout_without_stripe_keys_explains_the_alternatives(client, member, plans):
    client.force_login(member)
    page = client.post("/billing/checkout/", {"plan": "standard-1m", "currency": "USD"}, follow=True)
    assert "Card payments are not set up here" in page.content.decode()


def test_checkout_asks_the_gateway_for_a_subscription_or_a_one_off_payment(client, member, plans, fake_gateway):
    client.force_login(member)
    monthly = client.post("/billing/checkout/", {"plan": "standard-1m", "currency": "EUR"})
    yearly = client.post("/billing/checkout/", {"plan": "standard-12m", "currency": "USD", "coupon": ""})
    assert monthly.status_code == yearly.status_code == 302
    assert monthly["Location"].startswith("https://checkout.stripe.com/")
    first, second = fake_gateway.checkouts
    assert (first["mode"], first["amount_minor"], first["currency"]) == ("subscription", 949, "EUR")
    assert (second["mode"], second["amount_minor"], second["metadata"]["plan_code"]) == ("payment", 9999,
                                                                                          "standard-12m")
    assert second["client_reference_id"] == str(member.pk)


def test_operator_records_a_payment_in_the_admin(admin_client, member, plans):
    response = admin_client.post("/admin/billing/payment/add/", {
        "user": member.pk, "plan": plans["standard-6m"].pk, "amount_minor": 5399, "currency": "EUR", "months": 6})
    assert response.status_code == 302, response.content.decode()[:2000]
    payment = Payment.objects.get()
    assert (payment.source, payment.months, payment.recorded_by.is_staff) == (Payment.Source.OPERATOR, 6, True)
    assert payment.number.startswith("RH-") and subscription_current(user=member) is not None


def test_operator_generates_a_voucher_batch_in_the_admin(admin_client, plans):
    response = admin_client.post("/admin/billing/voucherbatch/add/", {
        "name": "Festival", "plan": plans["standard-1m"].pk, "months": 2, "count": 25})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Voucher.objects.filter(batch__name="Festival").count() == 25
