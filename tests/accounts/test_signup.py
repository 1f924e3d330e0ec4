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


def test_sign_up_signs_in_and_mails_a_link_that_verifies(client, smtp_server):
    response = client.post("/accounts/signup/", {"email": "New.Viewer@Example.com", "password": GOOD_PASSWORD,
                                                 "country": "DE"})
    assert response.status_code == 302
    user = User.objects.get(email="new.viewer@example.com")
    assert (user.country, user.email_verified_at, user.profiles.count()) == ("DE", None, 1)
    assert client.get("/").wsgi_request.user == user
    [(to, raw)] = smtp_server.messages
    message = raw.decode("utf-8", "replace")
    assert to == ["new.viewer@example.com"] and "Confirm your email address" in message
    page = client.get(link_in(message).split("testserver", 1)[1])
    assert page.status_code == 200 and b"is confirmed" in page.content
    user.refresh_from_db()
    assert user.email_verified_at is not None


@pytest.mark.parametrize("password, expected", [
    ("short", "too short"),
    ("password123", "too common"),
])
def test_weak_passwords_are_refused_with_the_reason(password, expected):
    with pytest.raises(SignupError, match=expected):
        user_signup(email="a@example.com", password=password, country="US")


def test_an_address_signs_up_once(subscriber, client):
    page = client.post("/accounts/signup/", {"email": "VIEWER@example.com", "password": GOOD_PASSWORD,
                                             "country": "US"})
    assert page.status_code == 200 and b"already an account with this email" in page.content
    assert User.objects.filter(email__iexact="viewer@example.com").count() == 1


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
