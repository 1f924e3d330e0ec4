"""Sign out everywhere, data export and closing an account."""

import json

import pytest

from reelhouse.accounts.models import User

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def signed_in(client_class, user):
    c = client_class()
    c.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    return c


def test_sign_out_everywhere_keeps_only_this_browser(client, subscriber):
    laptop, phone = signed_in(client.__class__, subscriber), signed_in(client.__class__, subscriber)
    assert phone.get("/").status_code == 200
    laptop.post("/accounts/sign-out-everywhere/")
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302  # back to sign-in


def test_export_holds_the_account_and_no_secrets(client, subscriber):
    client.force_login(subscriber)
    response = client.get("/accounts/privacy/export/")
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["account"]["email"] == subscriber.email and len(data["profiles"]) == 1
    assert "password" not in data["account"] and "totp_secret" not in data["account"]
    assert data["subscriptions"], "the subscriber's subscription is part of the export"


def test_closing_the_account_needs_the_password_and_removes_personal_data(client, subscriber):
    client.force_login(subscriber)
    assert client.post("/accounts/privacy/", {"password": "nope"}).status_code == 400
    page = client.post("/accounts/privacy/", {"password": PASSWORD})
    assert b"Account closed" in page.content
    user = User.objects.get(pk=subscriber.pk)
    assert (user.is_active, user.email, user.profiles.count()) == (False, f"deleted-{user.pk}@invalid", 0)
    assert not user.has_usable_password()
    assert client.get("/").status_code == 302


def test_password_change_signs_out_other_devices(client, subscriber):
    laptop, phone = signed_in(client.__class__, subscriber), signed_in(client.__class__, subscriber)
    response = laptop.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "another fine secret",
                                                   "new_password2": "another fine secret"})
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200 and phone.get("/").status_code == 302
