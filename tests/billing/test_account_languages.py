"""The account page's messages in the subscriber's language: what a gift code or a refused change says."""

import pytest
from django.utils.html import escape

from reelhouse.billing import services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language, message", [
    ("en", "Gift code redeemed: your access has been extended."),
    ("fr", "Code cadeau utilisé : votre accès a été prolongé."),
    ("de", "Geschenkcode eingelöst: Ihr Zugang wurde verlängert."),
])
def test_redeeming_a_gift_code_says_so_in_the_subscribers_language(client, member, plans, language, message):
    batch = services.voucher_batch_create(name="Gift", plan=plans["standard-1m"], months=1, count=1)
    client.force_login(member)
    page = client.post("/account/redeem/", {"code": batch.vouchers.get().code}, HTTP_ACCEPT_LANGUAGE=language,
                       follow=True).content.decode()
    assert f'lang="{language}"' in page and f'<p class="success" role="status">{escape(message)}</p>' in page


@pytest.mark.parametrize("language, message", [
    ("en", "The code NOPE-NOPE-NOPE-NOPE has already been used."),
    ("fr", "Le code NOPE-NOPE-NOPE-NOPE a déjà été utilisé."),
    ("de", "Der Code NOPE-NOPE-NOPE-NOPE wurde bereits verwendet."),
])
def test_a_refused_gift_code_says_why_in_the_subscribers_language(client, member, plans, language, message):
    batch = services.voucher_batch_create(name="Gift", plan=plans["standard-1m"], months=1, count=1)
    code = batch.vouchers.get().code
    services.voucher_redeem(user=member, code=code)
    client.force_login(member)
    page = client.post("/account/redeem/", {"code": code}, HTTP_ACCEPT_LANGUAGE=language, follow=True).content.decode()
    assert f'<p class="error" role="alert">{escape(message.replace("NOPE-NOPE-NOPE-NOPE", code))}</p>' in page


@pytest.mark.parametrize("language, message, state", [
    ("en", "You are already on Standard monthly.", "Active"),
    ("fr", "Vous avez déjà la formule Standard monthly.", "Actif"),
    ("de", "Sie haben bereits den Tarif Standard monthly.", "Aktiv"),
])
def test_a_refused_plan_change_and_the_plan_state_read_in_the_subscribers_language(client, member, plans, language,
                                                                                  message, state):
    services.plan_purchase_record(user=member, plan=plans["standard-1m"], currency="USD")
    client.force_login(member)
    page = client.post("/account/plan-change/", {"plan": "standard-1m", "currency": "USD"},
                       HTTP_ACCEPT_LANGUAGE=language, follow=True).content.decode()
    assert f'<p class="error" role="alert">{escape(message)}</p>' in page
    assert f"Standard monthly ({state})" in page
