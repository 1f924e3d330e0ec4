"""Preferences per kind and channel, one-click unsubscribe (RFC 8058) without signing in, the in-app list; mail
received by a real SMTP server (aiosmtpd) and parsed."""

import email
import re

import pytest
from django.test import Client

from reelhouse.notifications import services
from reelhouse.notifications.mail import mail_queue
from reelhouse.notifications.models import Notification, Preference
from reelhouse.notifications.selectors import wants

pytestmark = pytest.mark.django_db


def _received(smtp_server):
    return [email.message_from_bytes(raw) for _to, raw in smtp_server.messages]


def _unsubscribe_path(message) -> str:
    [link] = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
    assert link.startswith("http://127.0.0.1:8000/u/")
    return link.removeprefix("http://127.0.0.1:8000")


def test_non_transactional_mail_carries_one_click_unsubscribe_headers_and_receipts_do_not(subscriber, smtp_server):
    mail_queue(to=subscriber.email, subject="New episodes", text="Body", user=subscriber, kind="new_episode")
    mail_queue(to=subscriber.email, subject="Your invoice", text="Body", user=subscriber, kind="receipt")
    news, receipt = _received(smtp_server)
    assert news["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert _unsubscribe_path(news).startswith("/u/")
    assert receipt["List-Unsubscribe"] is None and receipt["List-Unsubscribe-Post"] is None


def test_one_click_post_without_a_session_or_csrf_token_unsubscribes_from_that_kind_only(subscriber, smtp_server):
    mail_queue(to=subscriber.email, subject="New episodes", text="Body", user=subscriber, kind="new_episode")
    path = _unsubscribe_path(_received(smtp_server)[0])
    mail_client = Client(enforce_csrf_checks=True)  # what a mail provider's one-click POST looks like: no cookies
    response = mail_client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and b'id="unsubscribed"' in response.content
    assert not wants(user=subscriber, kind="new_episode", channel="email")

    smtp_server.messages.clear()
    assert mail_queue(to=subscriber.email, subject="More episodes", text="Body", user=subscriber,
                      kind="new_episode") is None
    mail_queue(to=subscriber.email, subject="Renewal soon", text="Body", user=subscriber, kind="renewal_reminder")
    mail_queue(to=subscriber.email, subject="Your invoice", text="Body", user=subscriber, kind="receipt")
    assert [m["Subject"] for m in _received(smtp_server)] == ["Renewal soon", "Your invoice"]


def test_opening_the_link_asks_first_and_changes_nothing(subscriber, smtp_server):
    mail_queue(to=subscriber.email, subject="New episodes", text="Body", user=subscriber, kind="new_episode")
    page = Client().get(_unsubscribe_path(_received(smtp_server)[0]))
    assert page.status_code == 200 and b'<form method="post"' in page.content
    assert wants(user=subscriber, kind="new_episode", channel="email")


def test_a_forged_or_altered_token_unsubscribes_nobody(subscriber, smtp_server):
    """The attack: guess or alter a link to switch off someone else's mail without their token."""
    mail_queue(to=subscriber.email, subject="New episodes", text="Body", user=subscriber, kind="new_episode")
    path = _unsubscribe_path(_received(smtp_server)[0])
    token = path.split("/")[2]
    forged = [path.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB")),
              "/u/eyJ1IjoxLCJrIjoibmV3X2VwaXNvZGUifQ:forged/"]
    for bad in forged:
        response = Client(enforce_csrf_checks=True).post(bad, "List-Unsubscribe=One-Click",
                                                          content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400 and b"not valid" in response.content
    assert not Preference.objects.exists()


def test_only_the_unsubscribe_endpoint_skips_csrf(subscriber):
    """The settings form still needs the CSRF token: the exemption is for the signed one-click link alone."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(subscriber)
    assert client.post("/notifications/settings/", {}).status_code == 403
    assert not Preference.objects.exists()


def test_settings_page_switches_kinds_per_channel_but_never_transactional_mail(subscriber, client, smtp_server):
    client.force_login(subscriber)
    page = client.get("/notifications/settings/")
    assert page.status_code == 200 and b'name="receipt:email"' in page.content and b"disabled" in page.content
    # everything unticked (a browser sends nothing for unticked and disabled boxes)
    assert client.post("/notifications/settings/", {"announcement:email": "on"}).status_code == 302
    assert not wants(user=subscriber, kind="new_episode", channel="email")
    assert not wants(user=subscriber, kind="new_episode", channel="in_app")
    assert wants(user=subscriber, kind="announcement", channel="email")
    assert wants(user=subscriber, kind="receipt", channel="email")
    assert wants(user=subscriber, kind="payment_failed", channel="email")
    with pytest.raises(services.PreferenceError, match="always sent"):
        services.preference_set(user=subscriber, kind="receipt", channel="email", enabled=False)

    mail_queue(to=subscriber.email, subject="Your invoice", text="Body", user=subscriber, kind="receipt")
    assert mail_queue(to=subscriber.email, subject="Renewal", text="B", user=subscriber,
                      kind="renewal_reminder") is None
    assert [m["Subject"] for m in _received(smtp_server)] == ["Your invoice"]


def test_in_app_list_shows_unread_count_and_marks_read(subscriber, client):
    profile = subscriber.profiles.first()
    for text in ("New episode of A", "New episode of B"):
        Notification.objects.create(profile=profile, kind="new_episode", text=text)
    client.force_login(subscriber)
    page = client.get("/notifications/").content.decode()
    assert "2 unread" in page and "New episode of A" in page and "New episode of B" in page
    assert client.post("/notifications/read/").status_code == 302
    assert "0 unread" in client.get("/notifications/").content.decode()
