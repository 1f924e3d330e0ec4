"""The visitor landing: plans priced per locale with per-month equivalents and savings; the help page."""

import pytest

from reelhouse.billing.selectors import plan_offers

pytestmark = pytest.mark.django_db


def test_offers_show_per_month_and_saving_against_monthly():
    offers = {o.plan.term_months: o for o in plan_offers(currency="USD")}
    assert offers[1].price_minor == 999 and offers[1].saving_minor == 0
    assert offers[12].price_minor == 9999 and offers[12].per_month_minor == 833
    assert offers[12].saving_minor == 999 * 12 - 9999 and offers[12].saving_percent == 17
    assert offers[3].per_month_minor == 933 and offers[3].saving_minor == 2997 - 2799


def test_visitor_home_is_the_landing_with_dollar_prices(client):
    response = client.get("/", follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/welcome/"
    assert "$9.99" in page and "$99.99" in page and "$8.33 per month" in page and "Save $19.89 (17 %)" in page
    assert 'href="/accounts/signup/"' in page and 'href="/accounts/login/"' in page


def test_landing_in_german_shows_euros_in_german(client):
    page = client.get("/welcome/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "9,49\u00a0€" in page and "94,49\u00a0€" in page and 'lang="de"' in page


def test_signed_in_viewer_goes_home_from_the_landing(client, subscriber):
    client.force_login(subscriber)
    assert client.get("/welcome/")["Location"] == "/"


def test_help_answers_devices_downloads_streams_cancel_contact(client):
    page = client.get("/help/").content.decode()
    for anchor in ("devices", "downloads", "streams", "cancel", "contact"):
        assert f'id="{anchor}"' in page
    assert "mailto:" in page
