"""The agents' desk: queue, canned replies in the requester's language, notes, states and reopening, the context
beside a request (never card data), attachments (types, sizes, who may fetch them), ratings by signed link."""

import datetime as dt
import io
import re

import pytest
from django.core import mail as django_mail  # noqa: F401 (the queue sends through Django's backend)
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from reelhouse.accounts.services import user_create
from reelhouse.billing.services import payment_record  # noqa: F401 (a payment shows in the context)
from reelhouse.core import clock
from reelhouse.notifications.models import OutgoingMail
from reelhouse.support import services
from reelhouse.support.models import Attachment, CannedReply, Message, Ticket

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def ticket(subscriber):
    subscriber.language = "de"
    subscriber.save()
    return services.ticket_open(user=subscriber, email=subscriber.email, subject="Ruckeln", body="Es ruckelt.",
                                language="de")


@pytest.fixture
def canned(db):
    CannedReply.objects.create(key="restart", language="en", title="Restart the app",
                               body="Hello {name}, your {plan} plan renews on {renewal_date}. Please restart.")
    CannedReply.objects.create(key="restart", language="de", title="App neu starten",
                               body="Hallo {name}, Ihr Tarif {plan} verlängert sich am {renewal_date}. {unknown}")


def test_the_queue_lists_open_requests_for_agents_only(agent_client, ticket, subscriber):
    page = agent_client.get(reverse("support:desk")).content.decode()
    assert ticket.reference in page
    staff = user_create(email="content@example.com", password="x" * 16, is_staff=True)
    other = Client()
    other.force_login(staff)
    assert other.get(reverse("support:desk")).status_code == 403
    assert other.get(reverse("support:desk_ticket", args=[ticket.reference])).status_code == 403
    client = Client()
    client.force_login(subscriber)
    assert client.get(reverse("support:desk")).status_code == 403


def test_a_canned_reply_comes_in_the_requesters_language_with_placeholders(agent_client, ticket, canned):
    url = reverse("support:desk_ticket", args=[ticket.reference])
    page = agent_client.post(url, {"action": "canned", "canned": "restart"}).content.decode()
    body = re.search(r"<textarea[^>]*>\s*(.*?)</textarea>", page, re.S).group(1)
    plan = ticket.user.subscriptions.get().plan.name
    assert body.startswith(f"Hallo Viewer, Ihr Tarif {plan} verlängert sich am ")
    assert "{unknown}" in body  # only the three known placeholders are filled
    assert "{name}" not in body and "{renewal_date}" not in body


def test_reply_mails_the_requester_and_waits_on_them_then_their_reply_reopens(agent_client, ticket, agent):
    url = reverse("support:desk_ticket", args=[ticket.reference])
    assert agent_client.post(url, {"action": "reply", "body": "Bitte neu starten."}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == "waiting_subscriber" and ticket.first_response_at and ticket.assignee == agent
    assert ticket.paused_since is not None
    sent = OutgoingMail.objects.filter(recipient=ticket.email, body_text__contains="Bitte neu starten.").get()
    assert sent.subject == f"[{ticket.reference}] Ruckeln" and "Auto-Submitted" not in sent.headers
    services.requester_message_add(ticket=ticket, body="Geht immer noch nicht.")
    ticket.refresh_from_db()
    assert ticket.state == "waiting_us" and ticket.paused_since is None
    agent_client.post(url, {"action": "reply_resolve", "body": "Behoben."})
    ticket.refresh_from_db()
    assert ticket.state == "resolved" and ticket.resolved_at
    resolved_mail = OutgoingMail.objects.filter(recipient=ticket.email, body_text__contains="/support/rate/").get()
    assert "gelöst" in resolved_mail.subject  # in German
    services.requester_message_add(ticket=ticket, body="Doch nicht.")
    ticket.refresh_from_db()
    assert ticket.state == "open" and ticket.reopened_count == 1 and ticket.resolved_at is None


def test_internal_notes_never_reach_the_requester(agent_client, ticket, subscriber):
    url = reverse("support:desk_ticket", args=[ticket.reference])
    agent_client.post(url, {"action": "note", "body": "Looks like a CDN problem.",
                            "files": SimpleUploadedFile("trace.txt", b"internal trace", "text/plain")})
    note = Message.objects.get(kind="note")
    assert not OutgoingMail.objects.filter(body_text__contains="CDN").exists()
    client = Client()
    client.force_login(subscriber)
    assert "CDN problem" not in client.get(reverse("support:ticket", args=[ticket.reference])).content.decode()
    assert client.get(reverse("support:attachment", args=[note.attachments.get().pk])).status_code == 404
    assert "CDN problem" in agent_client.get(url).content.decode()


def test_state_priority_and_assignment_are_changed_and_audited(agent_client, ticket, agent):
    from reelhouse.core.models import AuditEvent

    agent_client.post(reverse("support:desk_ticket", args=[ticket.reference]),
                      {"action": "update", "state": "open", "priority": "urgent", "assignee": agent.pk})
    ticket.refresh_from_db()
    assert (ticket.state, ticket.priority, ticket.assignee) == ("open", "urgent", agent)
    assert AuditEvent.objects.filter(action="support.ticket_changed", subject_id=str(ticket.pk)).exists()


def test_the_context_shows_plan_payments_devices_and_errors_but_no_card(agent_client, ticket, subscriber):
    from reelhouse.catalog.models import Film
    from reelhouse.playback.services import playback_error_record

    film = Film.objects.create(kind="film", title="Harbour", slug="harbour")
    playback_error_record(profile=subscriber.profiles.get(), work=film, code="bufferStalledError", detail="stall")
    page = agent_client.get(reverse("support:desk_ticket", args=[ticket.reference])).content.decode()
    context = page[page.index('id="subscriber-context"'):]
    assert subscriber.subscriptions.get().plan.name in context
    assert "bufferStalledError" in context and "Harbour" in context
    assert not re.search(r"card|last4|\*\*\*\*|pm_", context, re.I)


# --- attachments: what an attacker would try ------------------------------------------------------------------

def test_a_page_pretending_to_be_a_picture_is_refused(client, subscriber):
    client.force_login(subscriber)
    html = SimpleUploadedFile("cat.png", b"<html><script>alert(1)</script></html>\x00", "image/png")
    response = client.post(reverse("support:new"), {"subject": "x", "body": "y", "files": html})
    assert response.status_code == 400 and "not a picture, PDF or text file" in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_broken_picture_with_a_png_header_is_refused(client, subscriber):
    client.force_login(subscriber)
    fake = SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "image/png")
    assert client.post(reverse("support:new"), {"subject": "x", "body": "y", "files": fake}).status_code == 400


def test_an_oversized_file_is_refused(client, subscriber, monkeypatch):
    from reelhouse.support import conf

    monkeypatch.setattr(conf, "ATTACHMENT_MAX_BYTES", 1000)
    client.force_login(subscriber)
    big = SimpleUploadedFile("big.txt", b"a" * 1001, "text/plain")
    response = client.post(reverse("support:new"), {"subject": "x", "body": "y", "files": big})
    assert response.status_code == 400 and "too large" in response.content.decode()


def test_attachments_are_kept_outside_the_web_root_and_served_only_to_requester_and_agents(
        client, subscriber, agent_client, settings):
    client.force_login(subscriber)
    client.post(reverse("support:new"), {"subject": "Screenshot", "body": "see",
                                         "files": SimpleUploadedFile("../../etc/shot.png", _png(), "text/html")})
    item = Attachment.objects.get()
    assert item.filename == "shot.png" and item.content_type == "image/png"  # the bytes decide, not the claim
    stored = settings.REELHOUSE_SUPPORT_FILES_DIR / "files" / item.stored_name
    assert stored.read_bytes() == _png() and oct(stored.stat().st_mode & 0o777) == "0o600"
    assert not str(stored).startswith(str(settings.STATIC_ROOT)) and not str(stored).startswith(
        str(settings.MEDIA_ROOT))
    url = reverse("support:attachment", args=[item.pk])
    own = client.get(url)
    assert own.status_code == 200 and b"".join(own.streaming_content) == _png()
    assert own["Content-Disposition"].startswith("attachment;") and own["X-Content-Type-Options"] == "nosniff"
    assert agent_client.get(url).status_code == 200
    stranger = Client()
    stranger.force_login(user_create(email="stranger@example.com", password="x" * 16))
    assert stranger.get(url).status_code == 404
    assert Client().get(url).status_code == 302
    assert stranger.get(reverse("support:attachment", args=[item.pk + 1000])).status_code == 404


# --- rating ------------------------------------------------------------------------------------------------------

def _resolved(ticket, agent):
    services.agent_reply(ticket=ticket, agent=agent, body="Fixed.", resolve=True)
    link = re.search(r"(/support/rate/[^/\s]+/)\?score=5", OutgoingMail.objects.filter(
        body_text__contains="/support/rate/").get().body_text).group(1)
    return link


def test_rating_by_the_signed_link_without_signing_in(ticket, agent):
    link = _resolved(ticket, agent)
    visitor = Client()
    page = visitor.get(link + "?score=5")
    assert page.status_code == 200 and 'value="5"' in page.content.decode()
    ticket.refresh_from_db()
    assert ticket.rating is None  # opening the link (a mail scanner does) rates nothing
    assert visitor.post(link, {"score": 5, "comment": "Schnell!"}).status_code == 200
    ticket.refresh_from_db()
    assert (ticket.rating, ticket.rating_comment) == (5, "Schnell!")


def test_a_tampered_or_old_rating_link_rates_nothing(ticket, agent):
    link = _resolved(ticket, agent)
    assert Client().post(link[:-3] + "x/", {"score": 1}).status_code == 404
    clock.advance(dt.timedelta(days=61))
    assert Client().post(link, {"score": 1}).status_code == 404
    ticket.refresh_from_db()
    assert ticket.rating is None


def test_an_open_request_cannot_be_rated(ticket):
    link = reverse("support:rate", args=[services.rating_token(ticket)])
    response = Client().post(link, {"score": 1})
    ticket.refresh_from_db()
    assert "Only a resolved request" in response.content.decode() and ticket.rating is None


def test_resolved_requests_close_after_a_week_and_still_reopen(ticket, agent):
    services.agent_reply(ticket=ticket, agent=agent, body="Fixed.", resolve=True)
    assert services.tickets_close_resolved() == 0
    clock.advance(dt.timedelta(days=8))
    assert services.tickets_close_resolved() == 1
    ticket.refresh_from_db()
    assert ticket.state == "closed" and ticket.closed_at
    services.requester_message_add(ticket=ticket, body="It broke again.")
    ticket.refresh_from_db()
    assert ticket.state == "open" and ticket.closed_at is None
