"""The free trial: one per person, only for a confirmed address. Attacks through the real sign-up, verification and
trial views: a made-up address gets no trial, and aliases of one mailbox do not get a second one."""

import re

import pytest
from django.core import mail
from django.test import Client

from reelhouse.billing.models import Subscription

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def _sign_up(email: str) -> Client:
    client = Client()
    response = client.post("/accounts/signup/", {"email": email, "password": PASSWORD, "country": "FR"})
    assert response.status_code == 200 and b"Check your inbox" in response.content, response.content[:500]
    # Sign-up signs nobody in (its answer must not differ for a registered address): the password does.
    assert client.post("/accounts/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return client


def _verify(client: Client, email: str) -> None:
    (message,) = [m for m in mail.outbox if m.to == [email.lower()]]
    link = re.search(r"https?://\S+/accounts/verify/\S+/", message.body).group(0)
    assert client.get(link).status_code == 200


def test_an_unconfirmed_address_gets_no_trial_until_the_link_is_opened(plans):
    client = _sign_up("made-up@example.com")
    page = client.post("/account/trial/", follow=True).content.decode()
    assert "Confirm your email address first" in page and "made-up@example.com" in page
    assert not Subscription.objects.filter(user__email="made-up@example.com").exists()
    assert "One free trial per person, for a confirmed email address" in page
    assert "Send the confirmation link again" in page

    _verify(client, "made-up@example.com")
    page = client.post("/account/trial/", follow=True).content.decode()
    assert "Your free trial has started." in page
    assert Subscription.objects.get(user__email="made-up@example.com").state == Subscription.State.TRIALING


@pytest.mark.parametrize("alias", ["First.Last+second@gmail.com", "FIRSTLAST@googlemail.com",
                                   "f.i.r.s.t.last@Gmail.com", "firstlast+tv@gmail.com"])
def test_aliases_of_one_mailbox_get_one_trial(plans, alias):
    first = _sign_up("firstlast@gmail.com")
    _verify(first, "firstlast@gmail.com")
    assert b"Your free trial has started." in first.post("/account/trial/", follow=True).content

    second = _sign_up(alias)
    _verify(second, alias)
    page = second.post("/account/trial/", follow=True).content.decode()
    assert "A free trial has already been used with this email address." in page
    assert not Subscription.objects.filter(user__email=alias.lower()).exists()
