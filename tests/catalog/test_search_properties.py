"""Property test (Hypothesis): whatever a subscriber types into search (any text, operators, quotes, control
characters, emoji, very long words, junk `limit` values), the search page and the as-you-type endpoint answer 200
with results or 400 naming the bad parameter, never an error page."""

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

QUERY_WORDS = st.one_of(st.text(max_size=40), st.sampled_from(
    ["harbour", "Harbor", "HARBOUR lights", "amélie", "amelie", '"', "'", "%", "_", "\\", "*", "OR 1=1 --", "\x00",
     "\u202e", "🎬", "a" * 300, "ß", "İ", "ﬁ", "e\u0301", "-", "NEAR(", "^", "$"]))
QUERIES = st.lists(QUERY_WORDS, max_size=8).map(" ".join)
LIMITS = st.one_of(st.none(), st.sampled_from(["", "0", "1", "10", "-1", "1e3", "٣", "999999999", "x", "50"]),
                   st.text(max_size=8))


@pytest.fixture
def shelf(catalog, client, subscriber):
    catalog.series("Harbour Lights", synopsis="A lighthouse keeper's family on the coast.", episodes=3)
    catalog.film("Amélie", synopsis="A shy waitress in Montmartre.")
    catalog.index()
    client.force_login(subscriber)
    return client


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=QUERIES, limit=LIMITS)
@example(query="a" * 10_000, limit=None)
@example(query=" ".join(["qzxwvqzxwvqzxwvqzxwvqzxwvqzxwvqz"] * 8), limit="50")
@example(query="harbour\x00lights", limit="3")
def test_any_query_gives_results_or_a_clear_400(shelf, query, limit):
    params = {"q": query} | ({} if limit is None else {"limit": limit})
    response = shelf.get("/search.json", params)
    assert response.status_code in (200, 400), response.status_code
    body = response.json()
    assert ("results" in body) if response.status_code == 200 else body["error"].startswith("'limit'")
    page = shelf.get("/search/", {"q": query})
    assert page.status_code == 200
