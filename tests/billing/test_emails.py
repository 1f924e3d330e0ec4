"""Receipts by email, the failed-renewal notice and the one reminder before the grace period ends."""

import datetime as dt
import time

import pytest
from django.core.management import call_command

from reelhouse.billing import services
from reelhouse.billing.models import Subscription
from reelhouse.core import clock
from tests.billing import stripe_payloads as sp

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_payment_sends_a_numbered_invoice(member, plans, mailoutbox):
    payment = services.plan_purchase_record(user=member, plan=plans["standard-3m"], currency="EUR")
    (mail,) = mailoutbox
    assert mail.to == [member.email] and mail.subject == f"Your Reelhouse invoice {payment.number}"
    assert "Total paid: €26.49" in mail.body and "3 months" in mail.body  # the account's language: English
    ((html, mimetype),) = mail.alternatives
    assert mimetype == "text/html" and payment.number in html and "€26.49" in html


def test_failed_renewal_mails_once_then_reminds_once_before_access_stops(client, member, plans, webhook_secret,
                                                                         fake_gateway, mailoutbox, capsys):
    now = int(time.time())
    fake_gateway.subscriptions["sub_D"] = sp.subscription(sub_id="sub_D", customer="cus_D", user_id=member.pk,
                                                          status="past_due", period_start=now - 60,
                                                          period_end=now + 30 * 86400)
    for _ in range(2):  # Stripe retries the charge: a second failure is not a second "failed" mail
        evt = sp.event("invoice.payment_failed", sp.invoice(sub_id="sub_D", customer="cus_D", amount=999, paid=False,
                                                            billing_reason="subscription_cycle"))
        payload = sp.body(evt)
        client.post("/billing/stripe/webhook/", payload, content_type="application/json",
                    headers={"Stripe-Signature": sp.sign(payload, webhook_secret)})
    assert [m.subject for m in mailoutbox] == ["Your Reelhouse payment failed"]
    assert services.dunning_reminders_send() == 0  # the grace period has 7 days left
    clock.advance(dt.timedelta(days=5, hours=1))
    call_command("billing", "remind")
    call_command("billing", "remind")
    assert "1 reminder(s) sent" in capsys.readouterr().out
    assert [m.subject for m in mailoutbox][1:] == ["Reminder: update your card to keep watching"]
    grace_until = Subscription.objects.get(stripe_subscription_id="sub_D").grace_until
    assert f"keep watching until {grace_until:%Y-%m-%d}" in mailoutbox[1].body
