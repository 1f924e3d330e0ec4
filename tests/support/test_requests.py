"""Opening requests: from the help page, the account page, the player's error screen and as a visitor (anti-spam
fields and rate limit); the acknowledgement mail names the reference and says it is automatic."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from reelhouse.catalog.models import Film
from reelhouse.notifications.models import OutgoingMail
from reelhouse.support.models import SentMail, Ticket
from tests.support.conftest import wait_for_form

pytestmark = pytest.mark.django_db
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _stamp(client) -> str:
    page = client.get(reverse("support:new")).content.decode()
    return re.search(r'name="shown" value="([^"]+)"', page).group(1)


def test_help_and_account_pages_link_to_the_form(client, subscriber):
    assert reverse("support:new") in Client().get(reverse("help")).content.decode()
    client.force_login(subscriber)
    assert f'{reverse("support:new")}?from=account' in client.get(reverse("billing:account")).content.decode()


def test_a_visitor_writes_in_and_gets_an_automatic_acknowledgement(client):
    stamp = _stamp(client)
    wait_for_form()
    response = client.post(reverse("support:new"), {
        "name": "Vera", "email": "vera@example.org", "subject": "Cannot sign in", "body": "My password fails.",
        "website": "", "shown": stamp})
    assert response.status_code == 200, response.content.decode()[:2000]
    ticket = Ticket.objects.get()
    assert (ticket.user, ticket.email, ticket.state, ticket.source) == (None, "vera@example.org", "new", "web")
    assert ticket.reference in response.content.decode()
    mail = OutgoingMail.objects.get(recipient="vera@example.org")
    assert mail.subject.startswith(f"[{ticket.reference}] ")
    assert mail.headers["Auto-Submitted"] == "auto-replied"
    assert mail.headers["Reply-To"] == "support@reelhouse.test"
    assert SentMail.objects.filter(ticket=ticket, message_id=mail.message_id).exists()


@pytest.mark.parametrize("change, problem", [
    ({"website": "http://spam.example"}, "automated"),
    ({"shown": "forged"}, "expired"),
])
def test_visitor_spam_is_refused_and_opens_nothing(client, change, problem):
    data = {"name": "Bot", "email": "bot@example.org", "subject": "Buy", "body": "cheap", "website": "",
            "shown": _stamp(client)} | change
    wait_for_form()
    response = client.post(reverse("support:new"), data)
    assert response.status_code == 400 and problem in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_form_sent_at_once_is_refused(client):
    response = client.post(reverse("support:new"), {
        "name": "Bot", "email": "bot@example.org", "subject": "Buy", "body": "cheap", "shown": _stamp(client)})
    assert response.status_code == 400 and "very fast" in response.content.decode()


def test_visitors_are_rate_limited_per_connection(client, settings):
    settings.REELHOUSE_SUPPORT_REQUESTS_PER_CLIENT = 2
    stamp = _stamp(client)
    wait_for_form()
    statuses = [client.post(reverse("support:new"), {
        "name": "V", "email": f"v{i}@example.org", "subject": "Hi", "body": "Hello", "shown": stamp}).status_code
        for i in range(3)]
    assert statuses == [200, 200, 429]
    assert Ticket.objects.count() == 2


def test_the_player_error_screen_prefills_title_device_and_errors(client, subscriber):
    film = Film.objects.create(kind="film", title="Harbour", slug="harbour")
    client.force_login(subscriber)
    recorded = client.post(reverse("playback:error", args=[film.pk]),
                           {"code": "fragLoadError", "detail": "networkError: fragLoadError (HTTP 404)"},
                           HTTP_USER_AGENT=FIREFOX)
    assert recorded.status_code == 200
    page = client.get(reverse("support:new") + f"?from=player&work={film.pk}", HTTP_USER_AGENT=FIREFOX)
    text = page.content.decode()
    assert "Cannot play Harbour" in text and "Firefox on Linux" in text and "fragLoadError" in text
    response = client.post(reverse("support:new"), {
        "from": "player", "work": film.pk, "subject": "Cannot play Harbour", "body": "It stops after a second.",
        # what the page sends as context is not believed: the server looks it up again
        "title": "forged"}, HTTP_USER_AGENT=FIREFOX)
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("support:ticket", args=[ticket.reference])
    assert ticket.source == "player" and ticket.user == subscriber
    assert ticket.context["title"] == "Harbour" and ticket.context["device"] == "Firefox on Linux"
    assert [e["code"] for e in ticket.context["errors"]] == ["fragLoadError"]


def test_a_refused_start_is_recorded_as_a_playback_error(client, db):
    from reelhouse.accounts.services import user_create
    from reelhouse.playback.models import PlaybackError

    film = Film.objects.create(kind="film", title="Harbour", slug="harbour")
    client.force_login(user_create(email="nosub@example.com", password="x" * 16))
    assert client.post(reverse("playback:start", args=[film.pk])).status_code == 403
    error = PlaybackError.objects.get()
    assert error.work_id == film.pk and error.code


def test_the_requester_sees_their_request_and_nobody_else_does(client, subscriber):
    client.force_login(subscriber)
    client.post(reverse("support:new"), {"subject": "Charged twice", "body": "Two payments this month."})
    ticket = Ticket.objects.get()
    assert "Charged twice" in client.get(reverse("support:ticket", args=[ticket.reference])).content.decode()
    assert "Charged twice" in client.get(reverse("support:mine")).content.decode()
    from reelhouse.accounts.services import user_create

    other = Client()
    other.force_login(user_create(email="other@example.com", password="x" * 16))
    assert other.get(reverse("support:ticket", args=[ticket.reference])).status_code == 404
    assert Client().get(reverse("support:ticket", args=[ticket.reference])).status_code == 302  # sign in first
