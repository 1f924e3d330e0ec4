"""Announcements: the audience rules (one place, announcements.py) decide the news page, the banner, the press feed
and the mail alike; a plan's or a country's announcement never reaches anyone else, and the public Atom feed carries
only announcements for everyone."""

import datetime as dt
import email
import xml.etree.ElementTree as ET

import pytest

from reelhouse.accounts.middleware import SESSION_KEY
from reelhouse.accounts.services import user_create
from reelhouse.billing.models import Plan, Subscription
from reelhouse.core import clock
from reelhouse.notifications.announcements import announcement_mail, announcements_for, announcements_mail_due
from reelhouse.notifications.models import Announcement, AnnouncementDismissal
from reelhouse.notifications.services import preference_set

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def people():
    gold, basic = (Plan.objects.create(code=code, name=code.title()) for code in ("gold", "basic"))
    out = {}
    for name, plan, country, language in (("gold", gold, "FR", "fr"), ("basic", basic, "US", "en"),
                                          ("german", basic, "DE", "de")):
        user = user_create(email=f"{name}@example.com", password="correct horse battery", display_name=name)
        user.country, user.language = country, language
        user.save(update_fields=["country", "language"])
        Subscription.objects.create(user=user, plan=plan, current_period_end=clock.now() + dt.timedelta(days=20))
        out[name] = user
    out["plans"] = {"gold": gold, "basic": basic}
    return out


def _announce(title, **fields):
    defaults = {"body": f"{title} body", "languages": "en,fr,de",
                "published_at": clock.now() - dt.timedelta(minutes=1)}
    return Announcement.objects.create(title=title, **(defaults | fields))


def _titles(queryset) -> set[str]:
    return {a.title for a in queryset}


def test_audience_rules_plan_country_language_and_publication_date(people):
    _announce("All")
    _announce("Gold only", audience="plan", plan=people["plans"]["gold"])
    _announce("Germany only", audience="country", country="DE")
    _announce("English only", languages="en")
    _announce("Tomorrow", published_at=clock.now() + dt.timedelta(days=1))

    assert _titles(announcements_for(user=people["gold"], language="en")) == {"All", "Gold only", "English only"}
    assert _titles(announcements_for(user=people["gold"], language="fr")) == {"All", "Gold only"}
    assert _titles(announcements_for(user=people["basic"], language="en")) == {"All", "English only"}
    assert _titles(announcements_for(user=people["german"], language="de")) == {"All", "Germany only"}
    assert _titles(announcements_for(user=None, language="en")) == {"All", "English only"}
    # A subscription that ended: its plan's announcements stop.
    Subscription.objects.filter(user=people["gold"]).update(state=Subscription.State.EXPIRED)
    assert "Gold only" not in _titles(announcements_for(user=people["gold"], language="en"))


def test_the_press_feed_is_atom_and_carries_only_announcements_for_everyone(client, people):
    _announce("Spring arrivals", category="arrivals")
    _announce("Gold only", audience="plan", plan=people["plans"]["gold"])
    _announce("France only", audience="country", country="FR")
    client.force_login(people["gold"])  # even a gold subscriber in France reads the public feed
    response = client.get("/news/feed.atom", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")] == ["Spring arrivals"]
    assert feed.find(f"{ATOM}entry/{ATOM}category").get("term") == "New arrivals"


@pytest.mark.parametrize("path", ["/welcome/", "/help/", "/news/"])
def test_landing_help_and_news_pages_link_the_feed(client, path):
    page = client.get(path).content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in page and 'href="/news/feed.atom"' in page


def test_news_page_shows_only_what_the_viewer_may_see(client, people):
    _announce("Gold only", audience="plan", plan=people["plans"]["gold"])
    _announce("Maintenance on Sunday", category="maintenance")
    assert "Gold only" not in client.get("/news/").content.decode()
    client.force_login(people["basic"])
    page = client.get("/news/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Maintenance on Sunday" in page and "Gold only" not in page
    client.force_login(people["gold"])
    assert "Gold only" in client.get("/news/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()


def test_banner_dismissal_is_remembered_per_profile(client, people):
    gold = people["gold"]
    announcement = _announce("Maintenance on Sunday")
    hidden = _announce("Gold only", audience="plan", plan=people["plans"]["gold"])
    client.force_login(people["basic"])
    # Dismissing an announcement one cannot see is refused (and reveals nothing).
    assert client.post(f"/news/{hidden.pk}/dismiss/").status_code == 404
    client.force_login(gold)
    assert "Maintenance on Sunday" in client.get("/help/").content.decode()
    response = client.post(f"/news/{announcement.pk}/dismiss/", {"next": "/help/"})
    assert response.status_code == 302 and response["Location"] == "/help/"
    assert "Maintenance on Sunday" not in client.get("/help/").content.decode()
    assert client.post(f"/news/{announcement.pk}/dismiss/", {"next": "https://evil.example/"})["Location"] == "/news/"
    assert AnnouncementDismissal.objects.filter(announcement=announcement).count() == 1
    # Another profile of the same account still sees it.
    second = gold.profiles.create(name="Second")
    session = client.session
    session[SESSION_KEY] = second.pk
    session.save()
    assert "Maintenance on Sunday" in client.get("/help/").content.decode()


def test_announcement_mail_goes_once_to_its_audience_in_its_languages(smtp_server, people):
    preference_set(user=people["basic"], kind="announcement", channel="email", enabled=False)
    everyone = _announce("Spring arrivals", mail=True, languages="en,de")
    assert announcements_mail_due() == 1  # basic switched it off; gold reads French, which it is not written in
    assert announcements_mail_due() == 0 and announcement_mail(announcement=everyone) == 0  # once
    [(to, raw)] = smtp_server.messages
    message = email.message_from_bytes(raw)
    assert to == ["german@example.com"] and message["Subject"] == "Spring arrivals"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    _announce("Gold only", audience="plan", plan=people["plans"]["gold"], mail=True)
    assert announcements_mail_due() == 1
    assert smtp_server.messages[-1][0] == ["gold@example.com"]
