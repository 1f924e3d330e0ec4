"""The outgoing mail queue against a real SMTP server (aiosmtpd): retries while the server is down, exactly one
delivery once it is back, permanent refusals flag the address."""

import datetime as dt
import email
import socket

import pytest
from aiosmtpd.controller import Controller

from reelhouse.core import clock
from reelhouse.notifications import delivery
from reelhouse.notifications import mail as mailq
from reelhouse.notifications.models import OutgoingMail, UndeliverableAddress
from reelhouse.notifications.selectors import mail_backlog

pytestmark = pytest.mark.django_db


class Server:
    """A real SMTP server on a fixed local port that can be stopped and started again; refuses `refuse` for good."""

    def __init__(self, refuse=()):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.messages, self.refuse, self.controller = [], set(refuse), None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # aiosmtpd's hook name
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"

    def start(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()


@pytest.fixture
def server(settings):
    server = Server(refuse={"gone@example.com"})
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", server.port, False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.REELHOUSE_MAIL_BACKOFF_S = 60
    server.start()
    yield server
    if server.controller and server.controller._thread:
        server.stop()


def test_mail_queued_while_the_smtp_server_is_down_arrives_exactly_once_after_it_returns(server):
    server.stop()
    queued = mailq.mail_queue(to="viewer@example.com", subject="Hello", text="Body text")
    queued.refresh_from_db()
    assert (queued.state, queued.attempts) == (OutgoingMail.State.QUEUED, 1)
    assert "Connection refused" in queued.last_error or "Errno" in queued.last_error
    assert queued.next_attempt_at > clock.now()
    assert mail_backlog()["queued"] == 1 and mail_backlog()["retrying"] == 1

    assert delivery.mail_send_due() == 0  # not due yet: the backoff is respected
    server.start()
    clock.advance(dt.timedelta(seconds=61))
    assert delivery.mail_send_due() == 1
    assert delivery.mail_send_due() == 0  # a second sweep sends nothing more
    assert delivery.mail_deliver(pk=queued.pk) == OutgoingMail.State.SENT  # nor does a stray delivery job

    [(to, raw)] = server.messages
    message = email.message_from_bytes(raw)
    queued.refresh_from_db()
    assert to == ["viewer@example.com"] and message["Subject"] == "Hello"
    assert message["Message-ID"] == queued.message_id
    assert (queued.state, queued.attempts, queued.sent_at is not None) == (OutgoingMail.State.SENT, 2, True)
    assert mail_backlog()["queued"] == 0


def test_retries_back_off_and_give_up_after_the_attempt_limit(server, settings):
    settings.REELHOUSE_MAIL_MAX_ATTEMPTS = 3
    server.stop()
    queued = mailq.mail_queue(to="viewer@example.com", subject="Hello", text="Body")
    waits = []
    for _ in range(2):
        queued.refresh_from_db()
        waits.append((queued.next_attempt_at - clock.now()).total_seconds())
        clock.advance(dt.timedelta(seconds=waits[-1] + 1))
        delivery.mail_send_due()
    queued.refresh_from_db()
    assert 59 <= waits[0] <= 60 and 119 <= waits[1] <= 120  # 60 s, then 120 s
    assert (queued.state, queued.attempts) == (OutgoingMail.State.FAILED, 3)
    assert mail_backlog() == {"queued": 0, "retrying": 0, "oldest_queued_at": None, "failed": 1}


def test_a_permanent_refusal_flags_the_address_and_stops_non_transactional_mail(server):
    bounced = mailq.mail_queue(to="gone@example.com", subject="Receipt", text="Body")
    bounced.refresh_from_db()
    assert bounced.state == OutgoingMail.State.BOUNCED and "550" in bounced.last_error
    assert UndeliverableAddress.objects.filter(email="gone@example.com").exists()

    newsletter = mailq.mail_queue(to="Gone@example.com", subject="New episodes", text="Body", kind="new_episode")
    assert newsletter.state == OutgoingMail.State.FAILED and "undeliverable" in newsletter.last_error
    receipt = mailq.mail_queue(to="gone@example.com", subject="Receipt again", text="Body", kind="receipt")  # tried
    receipt.refresh_from_db()
    assert receipt.state == OutgoingMail.State.BOUNCED and receipt.attempts == 1
    assert server.messages == []


def test_a_sender_that_died_mid_send_is_requeued_by_the_sweep(server):
    queued = mailq.mail_queue(to="viewer@example.com", subject="Hello", text="Body")
    OutgoingMail.objects.filter(pk=queued.pk).update(state=OutgoingMail.State.SENDING, sent_at=None,
                                                     claimed_until=clock.now() + dt.timedelta(seconds=10))
    server.messages.clear()
    assert delivery.mail_send_due() == 0  # the claim still holds
    clock.advance(dt.timedelta(seconds=11))
    assert delivery.mail_send_due() == 1 and len(server.messages) == 1


def test_every_mail_the_service_sent_directly_now_goes_through_the_queue():
    """No module outside the queue hands mail to Django's mail API itself."""
    from pathlib import Path

    import reelhouse

    root = Path(reelhouse.__file__).parent
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py")
                 if path.name != "delivery.py" and any(name in path.read_text() for name in
                                                   ("send_mail(", "EmailMessage(", "EmailMultiAlternatives(",
                                                    "send_mass_mail("))]
    assert offenders == ["accounts/forms.py"]  # only the override of Django's PasswordResetForm.send_mail


def test_the_scheduler_sends_due_retries_every_minute():
    from reelhouse.core import scheduler
    from reelhouse.notifications.tasks import mail_send_due

    [job] = [job for job in scheduler.periodic_jobs() if job.name == "notifications.mail_send_due"]
    assert job.task is mail_send_due and job.every == 60
