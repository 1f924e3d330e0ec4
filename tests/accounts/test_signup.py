"""Sign-up with email verification and password reset, mailed through a real SMTP server (aiosmtpd)."""

import re

import pytest
from django.core import mail, signing

from reelhouse.accounts.models import User
from reelhouse.accounts.services import SignupError, email_verification_token, email_verify, user_signup

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "purple elephants dance"


def link_in(text: str) -> str:
    return re.search(r"https?://\S+", text.replace("=\n", "")).group(0)


def test_sign_up_mails_a_link_that_verifies_then_the_subscriber_signs_in(client, smtp_server):
    response = client.post("/accounts/signup/", {"email": "New.Viewer@Example.com", "password": GOOD_PASSWORD,
                                                 "country": "DE"})
    assert response.status_code == 200 and b"Check your inbox" in response.content
    user = User.objects.get(email="new.viewer@example.com")
    assert (user.country, user.email_verified_at, user.profiles.count()) == ("DE", None, 1)
    [(to, raw)] = smtp_server.messages
    message = raw.decode("utf-8", "replace")
    assert to == ["new.viewer@example.com"] and "Confirm your email address" in message
    page = client.get(link_in(message).split("testserver", 1)[1])
    assert page.status_code == 200 and b"is confirmed" in page.content
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert client.post("/accounts/login/", {"username": "new.viewer@example.com",
                                            "password": GOOD_PASSWORD}).status_code == 302
    assert client.get("/").wsgi_request.user == user


@pytest.mark.parametrize("password, expected", [
    ("short", "too short"),
    ("password123", "too common"),
])
def test_weak_passwords_are_refused_with_the_reason(password, expected):
    with pytest.raises(SignupError, match=expected):
        user_signup(email="a@example.com", password=password, country="US")


def test_sign_up_does_not_tell_whether_an_address_is_registered(subscriber, client, smtp_server):
    """Was: "There is already an account with this email" told anyone who has an account (issue 12). Now a taken
    address gets the very page a new one gets, and its owner a mail; no second account."""
    new = client.post("/accounts/signup/", {"email": "someone.new@example.com", "password": GOOD_PASSWORD,
                                            "country": "US"})
    taken = client.post("/accounts/signup/", {"email": "VIEWER@example.com", "password": GOOD_PASSWORD,
                                              "country": "US"})
    assert taken.status_code == new.status_code == 200
    def page(response, email):
        text = response.content.decode().replace(email, "X")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)  # a fresh token per response

    assert page(taken, "VIEWER@example.com") == page(new, "someone.new@example.com")
    assert b"There is already an account" not in taken.content
    assert User.objects.filter(email__iexact="viewer@example.com").count() == 1
    assert client.get("/").wsgi_request.user.is_anonymous  # nobody is signed in by a sign-up
    _first, (to, raw) = smtp_server.messages
    assert to == ["viewer@example.com"] and b"already has one" in raw and b"Confirm your email" not in raw


def test_sign_up_reset_and_resend_are_rate_limited_per_address_and_client(client, subscriber, settings,
                                                                          smtp_server):
    """Was: no limit, so anyone could flood an inbox with reset or confirmation mails, or walk a list of
    addresses through sign-up (issue 12). One helper (core/throttle.py mail_attempt) counts them all."""
    per_address = settings.REELHOUSE_MAILS_PER_ADDRESS
    for _ in range(per_address):
        assert client.post("/accounts/password/reset/", {"email": subscriber.email}).status_code == 302
    page = client.post("/accounts/password/reset/", {"email": subscriber.email})
    assert page.status_code == 429 and b"Too many requests" in page.content
    signup = client.post("/accounts/signup/", {"email": subscriber.email, "password": GOOD_PASSWORD, "country": "US"})
    assert signup.status_code == 429  # the same counter: this address has had its mails for the hour
    assert len(smtp_server.messages) == per_address

    # Another address is fine, from the same client, until the client's own limit.
    other = client.__class__(REMOTE_ADDR="192.0.2.50")
    other.force_login(subscriber)
    assert other.post("/accounts/verify-again/").status_code == 429  # the subscriber's address again
    settings.REELHOUSE_MAILS_PER_CLIENT = per_address + 2
    answers = [client.post("/accounts/signup/", {"email": f"walk{i}@example.com", "password": GOOD_PASSWORD,
                                                 "country": "US"}).status_code for i in range(4)]
    assert answers == [200, 200, 429, 429]


def test_forged_and_expired_links_are_refused(subscriber):
    token = email_verification_token(user=subscriber)
    with pytest.raises(SignupError, match="not valid"):
        email_verify(token=token[:-2] + "xx")
    real_time = signing.time.time
    try:
        signing.time.time = lambda: real_time() + 4 * 24 * 3600
        with pytest.raises(SignupError, match="expired"):
            email_verify(token=token)
    finally:
        signing.time.time = real_time
    assert email_verify(token=token).email_verified_at is not None  # still inside its three days


def test_password_reset_by_mail(client, subscriber, smtp_server):
    client.post("/accounts/password/reset/", {"email": subscriber.email})
    [(to, raw)] = smtp_server.messages
    message = raw.decode("utf-8", "replace")
    assert to == [subscriber.email]
    confirm = client.get(link_in(message).split("testserver", 1)[1], follow=True)
    assert b"Choose a new password" in confirm.content
    done = client.post(confirm.redirect_chain[-1][0], {"new_password1": "a brand new secret",
                                                        "new_password2": "a brand new secret"})
    assert done.status_code == 302
    subscriber.refresh_from_db()
    assert subscriber.check_password("a brand new secret")


def test_unknown_address_gets_the_same_answer_and_no_mail(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302 and mail.outbox == []
