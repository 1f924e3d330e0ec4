"""Reminder mails: a monthly renewal coming up, a prepaid term ending, downloads expiring. Each event is mailed once
however often the periodic job runs, in the subscriber's language, to a real SMTP server (aiosmtpd), and not at all
to a subscriber who switched the kind off."""

import datetime as dt
import email
from email.header import decode_header, make_header

import pytest

from reelhouse.accounts.services import user_create
from reelhouse.billing.models import Plan, Subscription
from reelhouse.catalog.models import Film
from reelhouse.core import clock
from reelhouse.media.models import Asset
from reelhouse.notifications.reminders import reminders_send
from reelhouse.notifications.services import preference_set
from reelhouse.playback.models import Download

pytestmark = pytest.mark.django_db


def _user(address: str, language: str = ""):
    user = user_create(email=address, password="correct horse battery", display_name=address.split("@")[0])
    user.language = language
    user.save(update_fields=["language"])
    return user


def _subscribe(user, *, recurring: bool, term_months: int, ends_in: dt.timedelta) -> Subscription:
    plan, _ = Plan.objects.get_or_create(code=f"p{term_months}{int(recurring)}", defaults={
        "name": f"Plan {term_months}{'' if recurring else ' prepaid'}", "term_months": term_months,
        "recurring": recurring})
    now = clock.now()
    return Subscription.objects.create(user=user, plan=plan, current_period_start=now - dt.timedelta(days=20),
                                       current_period_end=now + ends_in)


def _mails(smtp_server) -> list[tuple[str, str, str]]:
    out = []
    for to, raw in smtp_server.messages:
        message = email.message_from_bytes(raw)
        body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
        out.append((to[0], str(make_header(decode_header(message["Subject"]))), body))
    return sorted(out)


def test_renewal_and_prepaid_reminders_are_mailed_once_per_period(smtp_server):
    monthly = _subscribe(_user("monthly@example.com"), recurring=True, term_months=1, ends_in=dt.timedelta(days=2))
    _subscribe(_user("prepaid@example.com", "fr"), recurring=False, term_months=3, ends_in=dt.timedelta(days=5))
    _subscribe(_user("later@example.com"), recurring=True, term_months=1, ends_in=dt.timedelta(days=20))
    _subscribe(_user("yearly@example.com"), recurring=True, term_months=12, ends_in=dt.timedelta(days=2))

    assert reminders_send() == {"renewal_reminder": 1, "prepaid_ending": 1, "download_expiry": 0}
    assert reminders_send() == {"renewal_reminder": 0, "prepaid_ending": 0, "download_expiry": 0}  # idempotent
    (m_to, m_subject, m_body), (p_to, p_subject, p_body) = _mails(smtp_server)
    assert m_to == "monthly@example.com" and m_subject == "Your Reelhouse subscription renews soon"
    assert "Your Plan 1 subscription renews on" in m_body and "/account/" in m_body
    assert p_to == "prepaid@example.com" and p_subject == "Votre accès prépayé à Reelhouse se termine bientôt"
    assert "Votre accès prépayé Plan 3 prepaid se termine le" in p_body

    # The subscription renewed: the next period gets its own reminder, once.
    monthly.current_period_end += dt.timedelta(days=30)
    monthly.save(update_fields=["current_period_end"])
    clock.advance(dt.timedelta(days=29))
    assert reminders_send()["renewal_reminder"] == 1
    assert reminders_send()["renewal_reminder"] == 0
    assert len(smtp_server.messages) == 3


def test_a_switched_off_reminder_is_not_mailed_and_mail_carries_one_click_unsubscribe(smtp_server):
    quiet, loud = _user("quiet@example.com"), _user("loud@example.com")
    preference_set(user=quiet, kind="renewal_reminder", channel="email", enabled=False)
    for user in (quiet, loud):
        _subscribe(user, recurring=True, term_months=1, ends_in=dt.timedelta(days=1))
    assert reminders_send()["renewal_reminder"] == 1
    [(to, raw)] = smtp_server.messages
    message = email.message_from_bytes(raw)
    assert to == ["loud@example.com"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/u/" in message["List-Unsubscribe"]


def test_downloads_about_to_expire_are_listed_in_one_mail_in_the_subscribers_language(smtp_server):
    user = _user("offline@example.com", "de")
    profile = user.profiles.first()
    now = clock.now()
    films = []
    for title in ("Ebbe", "Flut", "Später"):
        film = Film.objects.create(title=title, slug=title.lower(), year=2020)
        films.append((film, Asset.objects.create(work=film, source_sha256=title[0] * 64, directory="x",
                                                 duration_s=60, width=640, height=360)))
    for (film, asset), hours in zip(films, (5, 30, 24 * 20), strict=True):
        Download.objects.create(profile=profile, work=film, asset=asset, label="360p",
                                expires_at=now + dt.timedelta(hours=hours))
    revoked = Download.objects.create(profile=profile, work=films[0][0], asset=films[0][1], label="360p",
                                      expires_at=now + dt.timedelta(hours=3), revoked_at=now)

    assert reminders_send()["download_expiry"] == 1
    assert reminders_send()["download_expiry"] == 0
    [(to, subject, body)] = _mails(smtp_server)
    assert to == "offline@example.com" and subject == "2 Downloads laufen bald ab"
    assert "- Ebbe:" in body and "- Flut:" in body and "Später" not in body
    assert body.count("- Ebbe:") == 1 and revoked.revoked_at is not None
