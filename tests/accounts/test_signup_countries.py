"""The sign-up country select speaks the visitor's language."""

import re

import pytest

from reelhouse.accounts.models import User

pytestmark = pytest.mark.django_db


def options(page: str) -> dict[str, str]:
    return dict(re.findall(r'<option value="([A-Z]{2})"[^>]*>([^<]+)</option>', page))


@pytest.mark.parametrize("accept_language, germany, selected", [
    ("fr-FR,fr;q=0.9", "Allemagne", "États-Unis"), ("de-AT,de;q=0.9", "Deutschland", "Vereinigte Staaten"),
    ("en-US,en;q=0.9", "Germany", "United States"),
])
def test_the_sign_up_page_lists_countries_in_the_visitors_language(client, accept_language, germany, selected):
    page = client.get("/accounts/signup/", HTTP_ACCEPT_LANGUAGE=accept_language).content.decode()
    names = options(page)
    assert names["DE"] == germany and len(names) == 249
    assert f'<option value="US" selected>{selected}</option>' in page  # the default, named for the visitor


def test_a_french_visitor_signs_up_from_germany_and_a_non_country_is_refused(client):
    page = client.post("/accounts/signup/", {"email": "lea@example.com", "password": "purple elephants dance",
                                             "country": "EU"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200 and not User.objects.filter(email="lea@example.com").exists()
    response = client.post("/accounts/signup/", {"email": "lea@example.com", "password": "purple elephants dance",
                                                 "country": "DE"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200 and User.objects.get(email="lea@example.com").country == "DE"
