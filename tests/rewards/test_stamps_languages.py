"""Stamps on the account page in the subscriber's language: a refused redemption and the history's lines."""

import re

import pytest
from django.utils.html import escape

from reelhouse.billing import services as billing
from reelhouse.billing.models import Dispute
from reelhouse.rewards import services
from reelhouse.rewards.selectors import stamps_balance


@pytest.mark.django_db
@pytest.mark.parametrize("language, message", [
    ("en", "One free month costs 12 stamps and you have 5."),
    ("fr", "One free month coûte 12 tampons et vous en avez 5."),
    ("de", "One free month kostet 12 Stempel, Sie haben 5."),
])
def test_a_redemption_without_enough_stamps_says_the_numbers_in_the_subscribers_language(client, alice, admin_user,
                                                                                         language, message):
    services.rewards_ensure()
    services.stamps_grant(user=alice, amount=5, note="welcome", actor=admin_user)
    client.force_login(alice)
    page = client.post("/account/stamps/free-month/redeem/", HTTP_ACCEPT_LANGUAGE=language,
                       follow=True).content.decode()
    assert f'<p class="error" role="alert">{escape(message)}</p>' in page and stamps_balance(user=alice) == 5


@pytest.mark.django_db(transaction=True)  # payment signals are sent on commit
@pytest.mark.parametrize("language, lines", [
    ("en", ["Chargeback reversed: dispute won on {n}", "Refund claw-back: chargeback of {n}",
            "Prepaid bonus: 3-month prepaid term", "Paid month: {n}"]),
    ("fr", ["Rétrofacturation annulée : litige gagné sur {n}", "Reprise après remboursement : rétrofacturation de {n}",
            "Bonus prépayé : formule prépayée de 3 mois", "Mois payé : {n}"]),
    ("de", ["Rückbelastung aufgehoben: Streitfall zu {n} gewonnen",
            "Rückbuchung nach Erstattung: Rückbelastung von {n}", "Vorauszahlungsbonus: Vorauszahlung für 3 Monate",
            "Bezahlter Monat: {n}"]),
])
def test_the_stamps_history_reads_in_the_subscribers_language(client, alice, plans, language, lines):
    payment = billing.plan_purchase_record(user=alice, plan=plans["standard-3m"], currency="USD")  # 3 + 1 bonus
    dispute = billing.dispute_record(payment=payment, stripe_dispute_id="du_lang", amount_minor=payment.amount_minor)
    billing.dispute_close(dispute=billing.dispute_withdraw(dispute=dispute), status=Dispute.Status.WON)
    client.force_login(alice)
    page = client.get("/account/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    history = page.split('<h2 id="stamps">', 1)[1].split("</table>", 1)[0]
    what = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td></tr>", history)
    expected = [escape(line.format(n=payment.number)) for line in lines]
    assert what == list(zip(expected, ["+4", "-4", "+1", "+3"], strict=True))
