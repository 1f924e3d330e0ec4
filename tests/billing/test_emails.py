"""Receipts by email, the failed-renewal notice and the one reminder before the grace period ends."""

import datetime as dt
import email
import email.policy
import time

import pytest
from django.core.management import call_command
from django.utils import formats, timezone, translation

from reelhouse.accounts.services import user_create
from reelhouse.billing import services
from reelhouse.billing.models import Subscription
from reelhouse.core import clock
from tests.billing import stripe_payloads as sp

pytestmark = pytest.mark.django_db(transaction=True)
NB = "\u00a0"  # no-break space: between an amount and its symbol


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
    with translation.override("en"):
        until = formats.date_format(timezone.localtime(grace_until), "DATE_FORMAT")  # e.g. "Dec. 3, 2026"
    for mail in mailoutbox:  # no payment yet: the plan's list price in the currency the account pays in (USD)
        assert "Amount due: $9.99" in mail.body and f"You can keep watching until {until}." in mail.body


@pytest.mark.parametrize("language, paid_before, amount, subjects, lines", [
    # The German subscriber paid the first month in euros: the renewal asks for that again.
    ("de", "eur", f"9,99{NB}€",
     ["Ihre Reelhouse-Zahlung ist fehlgeschlagen", "Erinnerung: Aktualisieren Sie Ihre Karte, um weiterzuschauen"],
     ["Wir konnten die Zahlung für Ihr Reelhouse-Abonnement nicht einziehen.",
      "Ihre letzte Zahlung für Reelhouse ist noch immer nicht eingegangen.",
      "Fälliger Betrag: {amount}", "Sie können noch bis zum {until} weiterschauen.",
      "Aktualisieren Sie Ihre Karte bis dahin auf Ihrer Kontoseite, damit nichts unterbrochen wird:"]),
    # The French one has no payment on record: the plan's list price in the currency they pay in (US dollars).
    ("fr", None, f"9,99{NB}$US",
     ["Votre paiement Reelhouse a échoué", "Rappel : mettez à jour votre carte pour continuer à regarder"],
     ["Nous n'avons pas pu encaisser le paiement de votre abonnement Reelhouse.",
      "Votre dernier paiement pour Reelhouse n'a toujours pas abouti.",
      "Montant dû : {amount}", "Vous pouvez continuer à regarder jusqu'au {until}.",
      "Mettez à jour votre carte d'ici là depuis la page de votre compte pour que rien ne s'interrompe :"]),
])
def test_failed_renewal_and_reminder_are_mailed_in_the_subscribers_language_through_a_real_smtp_server(
        client, smtp_server, plans, webhook_secret, fake_gateway, language, paid_before, amount, subjects, lines):
    user = user_create(email=f"{language}@example.com", password="correct horse battery", display_name=language)
    user.language = language
    user.save(update_fields=["language"])
    now = int(time.time())
    fake_gateway.subscriptions["sub_L"] = sp.subscription(sub_id="sub_L", customer="cus_L", user_id=user.pk,
                                                          status="active", period_start=now - 60,
                                                          period_end=now + 30 * 86400)

    def deliver(event):
        payload = sp.body(event)
        client.post("/billing/stripe/webhook/", payload, content_type="application/json",
                    headers={"Stripe-Signature": sp.sign(payload, webhook_secret)})

    if paid_before:
        paid = sp.invoice(sub_id="sub_L", customer="cus_L", amount=999) | {"currency": paid_before}
        deliver(sp.event("invoice.paid", paid))
        assert len(smtp_server.messages) == 1  # the receipt
        del smtp_server.messages[:]
    fake_gateway.subscriptions["sub_L"]["status"] = "past_due"
    deliver(sp.event("invoice.payment_failed", sp.invoice(sub_id="sub_L", customer="cus_L", amount=999, paid=False,
                                                          billing_reason="subscription_cycle")))
    clock.advance(dt.timedelta(days=5, hours=1))
    assert services.dunning_reminders_send() == 1

    grace_until = Subscription.objects.get(stripe_subscription_id="sub_L").grace_until
    with translation.override(language):
        until = formats.date_format(timezone.localtime(grace_until), "DATE_FORMAT")  # "3. Dezember 2026"
    failed, reminder = (email.message_from_bytes(raw, policy=email.policy.default)
                        for _to, raw in smtp_server.messages)
    # A long encoded subject is folded onto its own line, which Python's parser keeps as a leading space.
    assert [failed["Subject"].strip(), reminder["Subject"].strip()] == subjects
    notice, still, *common = (line.format(amount=amount, until=until) for line in lines)
    for message, opening in ((failed, notice), (reminder, still)):
        body = message.get_body(("plain",)).get_content()
        assert message["To"] == user.email and body.splitlines()[0] == opening
        assert all(line in body for line in common) and "/account/" in body
        assert "keep watching" not in body and "payment" not in body.lower()  # no English left
