"""A subscriber in France sees the titles leaving France soon: a "Leaving soon" row on the home page and "Leaving on
<date>" on the title page, in English and in French; a title whose licence runs on is in neither."""

import datetime as dt

import pytest
from django.utils import formats, translation

from reelhouse.catalog.models import Work
from reelhouse.core import clock
from reelhouse.rights.models import Licence, Licensor
from tests.catalog.conftest import CatalogMaker
from tests.e2e.conftest import screenshot
from tests.e2e.test_player import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_leaving_soon_row_and_title_line_in_english_and_french(page, live_server, subscriber, settings):
    settings.REELHOUSE_LEAVING_SOON_DAYS = 30
    subscriber.country = "FR"
    subscriber.save(update_fields=["country"])
    licensor = Licensor.objects.create(name="Harbour Films")
    start = clock.now() - dt.timedelta(days=100)
    ends = Licence.objects.create(licensor=licensor, name="FR ends", territories="FR", starts_at=start,
                                  ends_at=clock.now() + dt.timedelta(days=12))
    runs = Licence.objects.create(licensor=licensor, name="WW runs", territories="WW", starts_at=start)
    catalog = CatalogMaker()
    leaving, staying = catalog.film("Night Ferry"), catalog.film("Long Summer")
    Work.objects.filter(pk=leaving.pk).update(licence=ends)
    Work.objects.filter(pk=staying.pk).update(licence=runs)
    catalog.index()

    sign_in(page, live_server, subscriber)
    row = page.locator("section[aria-labelledby=row-leaving]")
    assert row.get_by_role("heading", name="Leaving soon").is_visible()
    assert row.get_by_text("Night Ferry").count() >= 1 and row.get_by_text("Long Summer").count() == 0
    screenshot(page, "home-leaving-soon")
    page.goto(f"{live_server.url}/films/{leaving.slug}/")
    with translation.override("en"):
        english = f"Leaving on {formats.date_format(ends.ends_at, 'DATE_FORMAT')}"
    assert page.locator("#leaving-on").inner_text() == english
    page.goto(f"{live_server.url}/films/{staying.slug}/")
    assert page.locator("#leaving-on").count() == 0

    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Bientôt retirés du catalogue").is_visible()
    page.goto(f"{live_server.url}/films/{leaving.slug}/")
    with translation.override("fr"):
        french = f"Disponible jusqu'au {formats.date_format(ends.ends_at, 'DATE_FORMAT')}"
    assert page.locator("#leaving-on").inner_text() == french
    screenshot(page, "film-leaving-on-french")
