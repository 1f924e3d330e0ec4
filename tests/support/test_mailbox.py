"""Mail into support, against a real IMAP server (dovecot) and the real SMTP server: replies thread onto their
request (Message-IDs first, then the subject's reference from the requester's own address), automatic mail never
opens a request nor gets an answer (no loops), hostile mail is handled with a reason and its raw bytes kept."""

import email
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from reelhouse.notifications.models import OutgoingMail
from reelhouse.support import conf, services
from reelhouse.support.inbound import raw_path
from reelhouse.support.mailbox import mailbox_poll, maildir_poll
from reelhouse.support.models import InboundMail, Message, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(settings, imap_server, smtp_server):
    settings.REELHOUSE_SUPPORT_IMAP_URL = imap_server.url
    return imap_server


def _mail(*, sender="sub@example.com", subject="Hello", body="Text", headers=None) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "support@reelhouse.test", subject
    msg["Message-ID"] = make_msgid(domain="example.com")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


def _sent_to(smtp_server, address):
    return [email.message_from_bytes(raw) for rcpt, raw in smtp_server.messages if address in rcpt]


def test_a_new_mail_opens_a_request_and_gets_one_automatic_acknowledgement(mailbox, smtp_server):
    mailbox.append(_mail(subject="Charged twice", body="I see two payments."))
    result = mailbox_poll()
    assert result.outcomes == {"opened": 1} and not result.errors
    ticket = Ticket.objects.get()
    assert (ticket.email, ticket.subject, ticket.source) == ("sub@example.com", "Charged twice", "email")
    assert ticket.messages.get().body == "I see two payments."
    [ack] = _sent_to(smtp_server, "sub@example.com")
    assert ticket.reference in ack["Subject"] and ack["Auto-Submitted"] == "auto-replied"
    assert "\\Seen" in mailbox.flags()[0]
    assert mailbox_poll().read == 0  # read once


def test_a_reply_threads_by_in_reply_to_and_reopens_the_conversation(mailbox, smtp_server, subscriber):
    ticket = services.ticket_open(user=subscriber, email=subscriber.email, subject="Stutters", body="It stutters.",
                                  acknowledge=False)
    services.agent_reply(ticket=ticket, agent=None, body="Which device?")
    [reply] = _sent_to(smtp_server, subscriber.email)
    mailbox.append(_mail(sender=subscriber.email, subject="Re: something else entirely",
                         body="My TV.\n\nOn Mon, 7 Dec 2026 Support wrote:\n> Which device?",
                         headers={"In-Reply-To": reply["Message-ID"], "References": reply["Message-ID"]}))
    assert mailbox_poll().outcomes == {"threaded": 1}
    ticket.refresh_from_db()
    last = ticket.messages.last()
    assert last.body == "My TV." and last.kind == "requester" and last.inbound is not None
    assert ticket.state == "waiting_us" and Ticket.objects.count() == 1


def test_the_subject_reference_threads_only_from_the_requesters_address(mailbox, subscriber):
    ticket = services.ticket_open(user=subscriber, email=subscriber.email, subject="Sound", body="No sound.",
                                  acknowledge=False)
    mailbox.append(_mail(sender=subscriber.email, subject=f"Re: [{ticket.reference}] Sound", body="Still none."))
    mailbox.append(_mail(sender="mallory@example.net", subject=f"[{ticket.reference}] Sound", body="Injected."))
    assert mailbox_poll().outcomes == {"threaded": 1, "opened": 1}
    assert [m.body for m in ticket.messages.all()] == ["No sound.", "Still none."]
    assert Ticket.objects.exclude(pk=ticket.pk).get().email == "mallory@example.net"


@pytest.mark.parametrize("headers, content_type", [
    ({"Auto-Submitted": "auto-replied"}, None),
    ({"X-Autoreply": "yes"}, None),
    ({"Precedence": "bulk"}, None),
    ({"Precedence": "auto_reply"}, None),
    ({"X-Auto-Response-Suppress": "All"}, None),
    ({"List-Id": "<news.example.com>"}, None),
    ({}, "multipart/report"),
])
def test_automatic_mail_opens_nothing_and_is_not_answered(mailbox, smtp_server, headers, content_type):
    raw = _mail(sender="robot@example.org", subject="Out of office", body="I am away.", headers=headers)
    if content_type:
        raw = raw.replace(b"Content-Type: text/plain", b"Content-Type: multipart/report; report-type=delivery-status;"
                                                       b" boundary=x\nX-Ignored: text/plain", 1)
    mailbox.append(raw)
    assert mailbox_poll().outcomes == {"auto_reply": 1}
    assert not Ticket.objects.exists() and not OutgoingMail.objects.exists() and not smtp_server.messages


def test_a_bounce_from_the_mailer_daemon_opens_nothing(mailbox, smtp_server):
    mailbox.append(_mail(sender="MAILER-DAEMON@mx.example.org", subject="Undelivered Mail Returned to Sender"))
    assert mailbox_poll().outcomes == {"auto_reply": 1} and not Ticket.objects.exists()


def test_no_mail_loop_with_an_autoresponder(mailbox, smtp_server):
    """A requester whose mailbox answers everything automatically: our acknowledgement is marked automatic, its
    out-of-office answer is recognised, and nothing more is sent. The answer shows on the request as a note."""
    mailbox.append(_mail(sender="away@example.com", subject="Help", body="Cannot log in."))
    mailbox_poll()
    [ack] = _sent_to(smtp_server, "away@example.com")
    mailbox.append(_mail(sender="away@example.com", subject=f"Auto: {ack['Subject']}", body="I am on holiday.",
                         headers={"Auto-Submitted": "auto-replied", "In-Reply-To": ack["Message-ID"]}))
    for _ in range(3):
        mailbox_poll()
    ticket = Ticket.objects.get()
    assert len(smtp_server.messages) == 1 and ticket.state == "new"
    note = ticket.messages.get(kind=Message.Kind.NOTE)
    assert "auto-replied" in note.body


def test_a_huge_mail_is_kept_raw_but_not_read(mailbox, monkeypatch):
    monkeypatch.setattr(conf, "RAW_MAIL_MAX_BYTES", 2000)
    raw = _mail(subject="Logs", body="x" * 5000)
    mailbox.append(raw)
    assert mailbox_poll().outcomes == {"too_large": 1}
    record = InboundMail.objects.get()
    assert record.subject == "Logs" and "2000" in record.detail and not Ticket.objects.exists()
    kept = raw_path(record.raw_name).read_bytes()
    assert kept.replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")  # IMAP speaks CRLF


def test_bad_encodings_are_read_as_well_as_they_can_be(mailbox):
    raw = (b"From: =?x-unknown?Q?Jos=E9?= <jose@example.com>\r\nTo: support@reelhouse.test\r\n"
           b"Subject: =?utf-8?B?broken\r\nMessage-ID: <bad@example.com>\r\n"
           b"Content-Type: text/plain; charset=x-no-such-charset\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
           b"Caf\xe9 ne marche pas \xff\xfe\r\n")
    mailbox.append(raw)
    assert mailbox_poll().outcomes == {"opened": 1}
    ticket = Ticket.objects.get()
    assert ticket.email == "jose@example.com" and "ne marche pas" in ticket.messages.get().body


def test_an_attachment_of_the_wrong_type_is_refused_and_kept_in_the_raw_mail(mailbox):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "sub@example.com", "support@reelhouse.test", "Screenshot"
    msg["Message-ID"] = make_msgid(domain="example.com")
    msg.set_content("Here is a screenshot.")
    msg.add_attachment(b"MZ\x90\x00\x03\x00\x00\x00 this is a program", maintype="image", subtype="png",
                       filename="screenshot.png")
    msg.add_attachment(b"plain log line\n", maintype="text", subtype="plain", filename="log.txt")
    mailbox.append(msg.as_bytes())
    assert mailbox_poll().outcomes == {"opened": 1}
    message = Ticket.objects.get().messages.get()
    assert [a.filename for a in message.attachments.all()] == ["log.txt"]
    assert "screenshot.png is not a picture" in message.body
    kept = email.message_from_bytes(raw_path(InboundMail.objects.get().raw_name).read_bytes())
    assert [p.get_payload(decode=True) for p in kept.walk() if p.get_filename() == "screenshot.png"] == [
        b"MZ\x90\x00\x03\x00\x00\x00 this is a program"]


def test_the_imap_server_being_down_is_reported_and_retried(settings, db):
    settings.REELHOUSE_SUPPORT_IMAP_URL = "imap://u:p@127.0.0.1:1/INBOX"
    result = mailbox_poll()
    assert result.read == 0 and result.errors and "IMAP" in result.errors[0]


def test_a_local_maildir_is_read_once(tmp_path, settings):
    import mailbox as stdlib_mailbox

    box = stdlib_mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(_mail(subject="From the Maildir", body="Hello"))
    assert maildir_poll(str(tmp_path / "Maildir")).outcomes == {"opened": 1}
    assert maildir_poll(str(tmp_path / "Maildir")).read == 0
    assert Ticket.objects.get().subject == "From the Maildir"


def test_agents_and_only_agents_download_the_original_mail(mailbox, agent_client, subscriber, client):
    raw = _mail(sender=subscriber.email, subject="Original", body="Keep me.")
    mailbox.append(raw)
    mailbox_poll()
    record = InboundMail.objects.get()
    url = f"/support/desk/mail/{record.pk}.eml"
    ticket_page = agent_client.get(f"/support/desk/{record.ticket.reference}/").content.decode()
    assert url in ticket_page
    response = agent_client.get(url)
    assert response.status_code == 200 and b"Keep me." in b"".join(response.streaming_content)
    client.force_login(subscriber)
    assert client.get(url).status_code == 403
