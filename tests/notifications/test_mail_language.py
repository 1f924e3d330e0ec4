"""Every mail in the recipient's language: the password-reset mail follows the account's, not the browser's."""

import email
from email.header import decode_header, make_header

import pytest

pytestmark = pytest.mark.django_db


def _text(raw: bytes) -> tuple[str, str]:
    message = email.message_from_bytes(raw)
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    return str(make_header(decode_header(message["Subject"]))), body


@pytest.mark.parametrize("account_language, browser, expected, not_expected", [
    ("de", "fr", "Wenn Sie das waren", "Si c'était vous"),
    ("fr", "de", "choisissez", "Wenn Sie das waren"),
    ("", "de", "If it was you", "Wenn Sie das waren"),  # no language on the account: the site's (English)
])
def test_password_reset_mail_follows_the_accounts_language_not_the_browsers(
        client, subscriber, smtp_server, account_language, browser, expected, not_expected):
    subscriber.language = account_language
    subscriber.save(update_fields=["language"])
    response = client.post("/accounts/password/reset/", {"email": subscriber.email}, HTTP_ACCEPT_LANGUAGE=browser)
    assert response.status_code == 302
    [(to, raw)] = smtp_server.messages
    _subject, body = _text(raw)
    assert to == [subscriber.email]
    assert expected in body and not_expected not in body
    assert "/accounts/password/reset/" in body


def test_mail_to_an_accounts_owner_caused_by_someone_else_is_in_the_owners_language(subscriber, client, smtp_server):
    """Someone with a French browser tries to sign up with a German subscriber's address: the warning the owner
    gets is in German."""
    subscriber.language = "de"
    subscriber.save(update_fields=["language"])
    client.post("/accounts/signup/", {"email": subscriber.email, "password": "a long enough passphrase 42",
                                      "country": "FR"}, HTTP_ACCEPT_LANGUAGE="fr")
    [(to, raw)] = smtp_server.messages
    subject, _body = _text(raw)
    assert to == [subscriber.email]
    assert subject == "Jemand hat versucht, mit Ihrer Adresse ein Reelhouse-Konto anzulegen"
