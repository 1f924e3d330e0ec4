"""Notices and takedowns: the public form (complete or naming what is missing, rate-limited), the acknowledgement
mail over real SMTP, trusted notifiers' JSON endpoint, and accepting a notice withdrawing the work at once."""

import email
import email.policy
import json

import pytest

from reelhouse.catalog.models import Work
from reelhouse.catalog.services.publishing import WorkWithdrawn, work_publish, works_publish_due
from reelhouse.core.models import AuditEvent
from reelhouse.playback.services import PlaybackRefused, playback_start
from reelhouse.rights.models import Notice, NoticeDecision, TrustedNotifier, WorkWithdrawal
from reelhouse.rights.notices import NoticeError, notice_decide, trusted_notifier_token_issue
from tests.catalog.conftest import CatalogMaker

pytestmark = pytest.mark.django_db


@pytest.fixture
def film(licensed_source):
    maker = CatalogMaker()
    film = maker.film("The Borrowed Reel", year=1999)
    film.licence = licensed_source.licence
    film.save(update_fields=["licence"])
    licensed_source.licensor.contact_email = "rights@licensor.example"
    licensed_source.licensor.save()
    maker.index()
    return film


def notice_data(film, **changes):
    data = {"claimant_name": "Ada Claimant", "on_behalf_of": "Claim Films Ltd", "claimant_address": "1 Rue X, Paris",
            "claimant_email": "ada@claim.example", "claimant_phone": "", "works_claimed": "The Borrowed Reel (1999)",
            "scope": "film", "territories": "", "urls": f"/films/{getattr(film, 'slug', '')}/\nhttp://127.0.0.1:8000/watch/{film.pk}/",
            "explanation": "We own the worldwide rights; nobody licensed it to you.", "good_faith": "on",
            "accurate": "on", "signature": "Ada Claimant"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_an_incomplete_notice_is_answered_with_each_missing_field_named(client, film):
    response = client.post("/legal/notice/", notice_data(film, claimant_name="", claimant_address="",
                                                         good_faith=None, signature=""))
    page = response.content.decode()
    assert response.status_code == 400 and 'id="notice-missing"' in page
    summary = page.split('id="notice-missing"', 1)[1].split("</div>", 1)[0]
    for label in ("Your full name", "Postal address", "Signature (type your full name)", "I have a good faith belief"):
        assert label in summary
    assert "E-mail address" not in summary and Notice.objects.count() == 0


def test_an_address_that_is_not_a_page_of_the_service_is_named(client, film):
    response = client.post("/legal/notice/", notice_data(film, urls="https://elsewhere.example/films/x/\n/nowhere/"))
    page = response.content.decode()
    assert response.status_code == 400 and Notice.objects.count() == 0
    assert "https://elsewhere.example/films/x/ is not an address on this service" in page
    assert "/nowhere/ is not a page of this service" in page


def test_a_complete_notice_gets_a_reference_and_an_acknowledgement_over_smtp(client, film, smtp_server):
    response = client.post("/legal/notice/", notice_data(film))
    assert response.status_code == 200
    notice = Notice.objects.get()
    assert notice.reference == f"RH-{notice.created_at:%Y}-{notice.pk:06d}"
    assert notice.reference in response.content.decode()
    assert (notice.state, notice.channel, notice.good_faith, notice.accurate) == ("received", "form", True, True)
    [(to, raw)] = smtp_server.messages
    message = raw.decode("utf-8", "replace")
    assert to == ["ada@claim.example"] and notice.reference in message and f"/films/{film.slug}/" in message
    assert AuditEvent.objects.filter(action="notice.received", subject_id=str(notice.pk)).exists()


def test_the_form_speaks_french(client, film, smtp_server):
    client.cookies["django_language"] = "fr"
    response = client.post("/legal/notice/", notice_data(film, signature=""), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400 and "Signature (tapez votre nom complet)" in response.content.decode()
    client.post("/legal/notice/", notice_data(film), HTTP_ACCEPT_LANGUAGE="fr")
    [(_to, raw)] = smtp_server.messages
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert Notice.objects.get().language == "fr" and "Nous avons bien reçu votre signalement RH-" in mail["Subject"]
    assert "Adresses que vous avez indiquées" in mail.get_content()


def test_one_client_cannot_flood_the_notice_form(client, film, settings):
    """The attack: a script posts notice after notice (each one mails an acknowledgement to any address it names)."""
    settings.REELHOUSE_NOTICES_PER_CLIENT = 2
    codes = [client.post("/legal/notice/", notice_data(film, claimant_email=f"victim{i}@example.com")).status_code
             for i in range(4)]
    assert codes == [200, 200, 429, 429] and Notice.objects.count() == 2


def test_trusted_notifier_files_with_its_token_and_nobody_else_can(client, film, licensed_source):
    token = trusted_notifier_token_issue(licensor=licensed_source.licensor)
    assert not TrustedNotifier.objects.filter(token_sha256__contains=token).exists()
    body = notice_data(film, good_faith=True, accurate=True, urls=[f"/films/{film.slug}/"])
    post = lambda auth, payload=body: client.post("/api/rights/notices", json.dumps(payload),  # noqa: E731
                                                  content_type="application/json",
                                                  **({"HTTP_AUTHORIZATION": auth} if auth else {}))
    assert post(None).status_code == 401
    assert post("Bearer rhn_guessed").status_code == 401
    assert post(f"Bearer {token}x").status_code == 401
    incomplete = post(f"Bearer {token}", {**body, "signature": "", "accurate": False})
    assert incomplete.status_code == 400 and set(incomplete.json()["fields"]) == {"signature", "accurate"}
    filed = post(f"Bearer {token}")
    assert filed.status_code == 201
    notice = Notice.objects.get(reference=filed.json()["reference"])
    assert (notice.channel, notice.notifier) == ("trusted", licensed_source.licensor)
    assert trusted_notifier_token_issue(licensor=licensed_source.licensor) != token
    assert post(f"Bearer {token}").status_code == 401  # the old token stopped working


def test_accepting_withdraws_the_film_everywhere_at_once_and_sends_the_statement(client, film, subscriber,
                                                                                  smtp_server):
    client.post("/legal/notice/", notice_data(film))
    notice = Notice.objects.get()
    client.force_login(subscriber)
    assert client.get(f"/films/{film.slug}/").status_code == 200
    assert [r["title"] for r in client.get("/search.json?q=borrowed").json()["results"]] == ["The Borrowed Reel"]

    decision = notice_decide(notice=notice, outcome="accepted", ground="Copyright infringement (DSA Art. 16)",
                             facts="The claimant holds the rights; our licensor's licence does not cover this film.")
    notice.refresh_from_db()
    assert notice.state == "accepted" and decision.restricted.startswith("The Borrowed Reel")
    assert client.get(f"/films/{film.slug}/").status_code == 404
    assert client.get("/search.json?q=borrowed").json()["results"] == []
    with pytest.raises(PlaybackRefused):
        playback_start(profile=subscriber.profiles.first(), work=Work.objects.get(pk=film.pk), device="test")
    statements = [(to, raw.decode("utf-8", "replace")) for to, raw in smtp_server.messages[1:]]
    assert sorted(to[0] for to, _ in statements) == ["ada@claim.example", "rights@licensor.example"]
    for _to, text in statements:
        assert "in all territories" in text and "No automated means" in text and "How to appeal" in text
    assert AuditEvent.objects.filter(action="notice.accepted", subject_id=str(notice.pk)).exists()
    assert AuditEvent.objects.filter(action="work.withdrawn", subject_id=str(film.pk)).exists()

    # While the withdrawal stands, nothing republishes the work.
    with pytest.raises(WorkWithdrawn, match="withdrawn on notice RH-"):
        work_publish(work=film, asset=film.asset)
    assert works_publish_due() == []
    assert Work.objects.get(pk=film.pk).published_at is None
    assert WorkWithdrawal.objects.filter(work=film, lifted_at__isnull=True).count() == 1


def test_a_decision_needs_its_ground_and_follows_the_workflow(film, smtp_server):
    fields = {k: v for k, v in notice_data(film).items() if k not in ("good_faith", "accurate")}
    notice = Notice.objects.create(**fields, good_faith=True, accurate=True, reference="RH-2026-999999")
    with pytest.raises(NoticeError, match="ground"):
        notice_decide(notice=notice, outcome="rejected", ground="", facts="x")
    notice_decide(notice=notice, outcome="rejected", ground="No right shown", facts="The claimant named no work.")
    with pytest.raises(NoticeError, match="cannot become accepted"):
        notice_decide(notice=notice, outcome="accepted", ground="g", facts="f")
    assert NoticeDecision.objects.filter(notice=notice).count() == 1
    assert Work.objects.get(pk=film.pk).published_at is not None


def test_an_operator_issues_a_notifier_token_from_the_command_line(client, film, licensed_source):
    from io import StringIO

    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="no licensor named 'Nobody'"):
        call_command("notifier_token", "Nobody")
    out = StringIO()
    call_command("notifier_token", licensed_source.licensor.name, stdout=out)
    token = out.getvalue().splitlines()[1]
    response = client.post("/api/rights/notices", json.dumps(notice_data(film, good_faith=True, accurate=True)),
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 201


def test_the_transparency_page_and_csv_count_notices_by_outcome(client, film, smtp_server):
    import csv as csvmod
    import datetime as dt

    from reelhouse.core import clock

    client.post("/legal/notice/", notice_data(film))
    client.post("/legal/notice/", notice_data(film, claimant_email="bob@claim.example"))
    first, second = Notice.objects.order_by("pk")
    clock.advance(dt.timedelta(hours=6))
    notice_decide(notice=first, outcome="accepted", ground="Copyright", facts="Shown the rights.")
    notice_decide(notice=second, outcome="rejected", ground="Duplicate", facts="Same as the first notice.")
    month = first.created_at.strftime("%Y-%m")
    page = client.get("/legal/transparency/")
    assert page.status_code == 200 and month in page.content.decode()
    [row] = list(csvmod.DictReader(client.get("/legal/transparency.csv").content.decode().splitlines()))
    assert (row["month"], row["received"], row["accepted"], row["rejected"]) == (month, "2", "1", "1")
    assert float(row["median_hours_to_decision"]) == pytest.approx(6, abs=0.1)
    assert float(row["median_hours_to_withdrawal"]) == 0.0 and row["counter_notices"] == "0"


def test_the_transparency_plot_draws_outcomes_and_medians(client, film, smtp_server):
    """The page shows the plot; the SVG is a real drawing whose text names the outcomes, the month and the medians'
    axis, in the visitor's language; with no notices it says so instead of drawing empty axes."""
    import datetime as dt
    import xml.etree.ElementTree as ET

    from reelhouse.core import clock

    def texts(language: str) -> str:
        client.cookies["django_language"] = language
        response = client.get("/legal/transparency.svg", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
        root = ET.fromstring(response.content)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        return " ".join(t for t in root.itertext() if t.strip())

    assert "No data yet" in texts("en")
    client.post("/legal/notice/", notice_data(film))
    client.post("/legal/notice/", notice_data(film, claimant_email="bob@claim.example"))
    first = Notice.objects.order_by("pk").first()
    clock.advance(dt.timedelta(hours=3))
    notice_decide(notice=first, outcome="accepted", ground="Copyright", facts="Shown the rights.")
    drawn = texts("en")
    for words in ("Notices per month by outcome", "Accepted", "Not decided yet", first.created_at.strftime("%Y-%m"),
                  "Notice to decision", "Median (hours)"):
        assert words in drawn, words
    assert "Acceptés" in texts("fr") and "Pas encore décidées" in texts("fr")
    client.cookies["django_language"] = "en"
    assert 'src="/legal/transparency.svg"' in client.get("/legal/transparency/").content.decode()
