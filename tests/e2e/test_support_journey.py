"""The support journey, in English and in German, with a real browser, the real SMTP server and a real IMAP server:
a subscriber's title fails to play, they open a request from the player's error screen (title, device and the error
filled in), an agent answers with a canned reply in the subscriber's language, the subscriber answers by e-mail (the
mail lands in the support mailbox) and the answer appears on the request, the agent resolves it and the subscriber
rates it from the link in the resolution mail. Photographs the agent's queue and the service-level plot
(test-artifacts/; docs/screenshots/ too with REELHOUSE_DOCS_SCREENSHOTS=1)."""

import datetime as dt
import email
import email.policy
import os
import re
import shutil
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import deliver, scan_until_settled, with_role
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
# The pictures land in test-artifacts/ on every run; REELHOUSE_DOCS_SCREENSHOTS=1 also refreshes docs/screenshots/ (so
# an ordinary `make test` leaves the checkout clean).
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TO_DOCS = os.environ.get("REELHOUSE_DOCS_SCREENSHOTS") == "1"
PASSWORD = "correct horse battery"
WORDS = {  # what the person reads, per language
    "en": {"report": "Report this problem to support", "subject": "Cannot play Slow Tide", "send": "Send to support",
           "canned": "Hello Viewer, your", "thanks": "Thank you!", "rate": "Send rating", "state": "Waiting on us"},
    "de": {"report": "Dieses Problem dem Support melden", "subject": "Slow Tide lässt sich nicht abspielen",
           "send": "An den Support senden", "canned": "Hallo Viewer, Ihr", "thanks": "Danke!",
           "rate": "Bewertung senden", "state": "Wartet auf uns"},
}


@pytest.fixture
def broken_film(licensed_source, clip_cache, settings):
    """A published film whose package lost its master playlist: the player's first request fails."""
    deliver(licensed_source, "Slow Tide (2022)/Slow Tide (2022).mkv", clip_cache(seconds=4, size="426x240"))
    scan_until_settled(licensed_source)
    from reelhouse.catalog.models import Film

    film = Film.objects.select_related("asset").get()
    (Path(settings.MEDIA_ROOT) / film.asset.directory / "master.m3u8").unlink()
    return film


@pytest.fixture
def desk(db, settings, imap_server, smtp_server, tmp_path):
    from reelhouse.accounts.services import user_create
    from reelhouse.support.models import CannedReply

    settings.REELHOUSE_STAFF_REQUIRE_2FA = False  # the second step is tested in tests/accounts
    settings.REELHOUSE_SUPPORT_IMAP_URL = imap_server.url
    settings.REELHOUSE_SUPPORT_EMAIL = imap_server.user
    settings.REELHOUSE_SUPPORT_FILES_DIR = tmp_path / "support-files"
    for language, body in [("en", "Hello {name}, your {plan} plan renews on {renewal_date}. We fixed the title; "
                                  "please try again."),
                           ("de", "Hallo {name}, Ihr Tarif {plan} verlängert sich am {renewal_date}. Der Titel ist "
                                  "repariert; bitte versuchen Sie es erneut.")]:
        CannedReply.objects.create(key="fixed", language=language, title="Title fixed", body=body)
    agent = user_create(email="agnes@example.com", password=PASSWORD, display_name="Agnes", is_staff=True)
    with_role(agent, "support agent")
    return agent


def _sign_in(page, live_server, email_address):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", email_address)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_load_state()


def _mails_to(smtp_server, address) -> list:
    return [email.message_from_bytes(raw, policy=email.policy.default) for rcpt, raw in smtp_server.messages
            if address in rcpt]


def _seed_history(agent, subscriber):
    """Twelve weeks of answered requests, so the service-level plot has something to show."""
    from reelhouse.core import clock
    from reelhouse.support.models import Ticket

    now = clock.now()
    for week in range(1, 12):
        for i in range(3 + week % 4):
            opened = now - dt.timedelta(weeks=week, days=i % 5)
            opened = opened.replace(hour=9 + i % 6, minute=0, second=0, microsecond=0)
            hours = (1 + (week * 7 + i * 5) % 13) * (1.6 if week in (4, 5) else 1)
            Ticket.objects.create(email=subscriber.email, user=subscriber, subject=f"Earlier request {week}-{i}",
                                  created_at=opened, state="closed", priority=["normal", "high", "low"][i % 3],
                                  first_response_at=opened + dt.timedelta(hours=hours),
                                  resolved_at=opened + dt.timedelta(hours=hours * 2), closed_at=now,
                                  rating=[5, 4, 5, 3, 5][i % 5])
    # And a few that are still open, as a queue has them: one urgent and late, one waiting on its subscriber.
    for subject, priority, state, age_h, assignee in [
            ("Charged twice this month", "urgent", "open", 96, agent),
            ("No sound on the TV app", "high", "waiting_us", 50, None),
            ("Subtitles out of sync", "normal", "waiting_subscriber", 72, agent),
            ("Change of e-mail address", "low", "new", 26, None)]:
        Ticket.objects.create(email=subscriber.email, user=subscriber, name="Viewer", subject=subject,
                              priority=priority, state=state, assignee=assignee,
                              created_at=now - dt.timedelta(hours=age_h),
                              paused_since=now - dt.timedelta(hours=48) if state == "waiting_subscriber" else None,
                              first_response_at=now - dt.timedelta(hours=68) if state == "waiting_subscriber" else None)


@pytest.mark.parametrize("language", ["en", "de"])
def test_playback_error_to_rated_request(browser, live_server, subscriber, broken_film, desk, imap_server,
                                         smtp_server, language):
    from reelhouse.support.mailbox import mailbox_poll
    from reelhouse.support.models import Ticket

    words = WORDS[language]
    viewer = browser.new_context(viewport={"width": 1280, "height": 900}, locale=f"{language}-{language.upper()}")
    agent_context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US")
    try:
        # The subscriber presses play; the title fails and the error screen offers to tell support.
        page = viewer.new_page()
        _sign_in(page, live_server, subscriber.email)
        page.goto(f"{live_server.url}/watch/{broken_film.pk}/")
        page.locator("#player-message").wait_for(state="visible", timeout=30_000)
        report = page.get_by_role("link", name=words["report"])
        report.wait_for(state="visible")
        report.click()
        page.wait_for_url(re.compile(r"/support/new/"))
        assert page.locator("input[name=subject]").input_value() == words["subject"]
        context = page.locator("#request-context").inner_text()
        assert "Chrom" in context and "manifestLoadError" in context
        page.locator("textarea[name=body]").fill("It stops before it starts." if language == "en" else
                                                 "Es bricht sofort ab.")
        page.get_by_role("button", name=words["send"]).click()
        page.wait_for_url(re.compile(r"/support/REQ-"))
        ticket = Ticket.objects.get()
        assert ticket.language == language and ticket.source == "player"

        # The agent finds it in the queue and answers with the canned reply, in the subscriber's language.
        desk_page = agent_context.new_page()
        _sign_in(desk_page, live_server, desk.email)
        if language == "en":
            _seed_history(desk, subscriber)
        desk_page.goto(f"{live_server.url}/support/desk/")
        assert ticket.reference in desk_page.locator("#queue").inner_text()
        if language == "en":
            queue_png = screenshot(desk_page, "support-queue")
            assert queue_png.stat().st_size > 0
            if TO_DOCS:
                DOCS.mkdir(parents=True, exist_ok=True)
                shutil.copy(queue_png, DOCS / "support-queue.png")
        desk_page.get_by_role("link", name=ticket.reference).click()
        assert "manifestLoadError" in desk_page.locator("#subscriber-context").inner_text()
        desk_page.locator("#canned").select_option("fixed")
        desk_page.get_by_role("button", name="Insert").click()
        body = desk_page.locator("textarea[name=body]")
        assert body.input_value().startswith(words["canned"])
        desk_page.get_by_role("button", name="Send reply", exact=True).click()
        desk_page.wait_for_url(re.compile(r"/support/desk/REQ-"))
        [reply] = [m for m in _mails_to(smtp_server, subscriber.email) if "Auto-Submitted" not in m]
        subject = str(reply["Subject"]).strip()
        assert subject.startswith(f"[{ticket.reference}]")
        assert words["canned"] in reply.get_payload(decode=True).decode()

        # The subscriber answers the mail; it reaches the support mailbox and the poll threads it.
        answer = EmailMessage()
        answer["From"], answer["To"] = subscriber.email, imap_server.user
        answer["Subject"], answer["Message-ID"] = f"Re: {subject}", make_msgid(domain="example.com")
        answer["In-Reply-To"] = answer["References"] = reply["Message-ID"]
        answer.set_content("It plays now, thank you!" if language == "en" else "Jetzt geht es, danke!")
        imap_server.append(answer.as_bytes())
        assert mailbox_poll().outcomes == {"threaded": 1}
        page.reload()
        assert ("It plays now" if language == "en" else "Jetzt geht es") in page.locator("#thread").inner_text()
        assert page.locator("#ticket-state").inner_text() == words["state"]

        # The agent resolves it; the subscriber rates it from the resolution mail.
        desk_page.reload()
        desk_page.locator("textarea[name=body]").fill("Glad it works." if language == "en" else "Schön!")
        desk_page.get_by_role("button", name="Send and resolve").click()
        desk_page.wait_for_url(re.compile(r"/support/desk/REQ-"))
        [resolution] = [m for m in _mails_to(smtp_server, subscriber.email) if "/support/rate/" in
                        m.get_payload(decode=True).decode()]
        link = re.search(r"(https?://\S+/support/rate/\S+\?score=5)", resolution.get_payload(decode=True).decode())
        path = urlsplit(link.group(1))
        page.goto(f"{live_server.url}{path.path}?{path.query}")  # the mail's links name the configured site
        assert page.locator("input[name=score][value='5']").is_checked()
        page.get_by_role("button", name=words["rate"]).click()
        page.get_by_text(words["thanks"]).wait_for()
        ticket.refresh_from_db()
        assert (ticket.state, ticket.rating) == ("resolved", 5)
        desk_page.reload()
        assert desk_page.locator("#ticket-rating").inner_text() == "5/5"
        if language == "en":
            desk_page.goto(f"{live_server.url}/support/desk/sla/")
            desk_page.locator("#sla-plot img").evaluate("img => img.decode()")
            sla_png = screenshot(desk_page, "support-sla")
            svg = desk_page.request.get(f"{live_server.url}/support/desk/sla.svg")
            assert svg.ok and b"<svg" in svg.body()
            if TO_DOCS:
                shutil.copy(sla_png, DOCS / "support-sla.png")
                (DOCS / "support-sla.svg").write_bytes(svg.body())
    finally:
        viewer.close()
        agent_context.close()
