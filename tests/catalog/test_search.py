"""catalog_search: the same cases on SQLite (FTS5) and PostgreSQL (full text) — run the suite with DATABASE_URL
set for the second. Prefix as you type, accents and German transliteration, one typo, ranking, hostile input."""

import pytest
from django.db import connection

from reelhouse.accounts.models import Profile, User
from reelhouse.catalog import textnorm
from reelhouse.catalog.models import Work
from reelhouse.catalog.selectors import catalog_search
from reelhouse.playback.models import ResumePoint

pytestmark = pytest.mark.django_db
FULLWIDTH_LIGHTS = "\uff05\uff4c\uff49\uff47\uff48\uff54\uff53"  # "%lights" in full-width forms


def titles(query, **kw):
    return [c.title for c in catalog_search(query=query, **kw)]


def watch(work_ids, viewers: int):
    """`viewers` distinct profiles watched each of the works (popularity counts profiles)."""
    user = User.objects.create(email=f"pop{viewers}-{work_ids[0]}@example.com")
    profiles = [Profile.objects.create(user=user, name=f"p{i}") for i in range(viewers)]
    ResumePoint.objects.bulk_create([ResumePoint(profile=p, work_id=w, position_s=10, duration_s=100)
                                     for p in profiles for w in work_ids])


@pytest.fixture
def shelf(catalog):
    catalog.film("Amélie", synopsis="A shy waitress in Montmartre changes lives.")
    catalog.series("München Nights", synopsis="Crime in Bavaria.")
    harbour = catalog.series("Harbour Lights", synopsis="A coastal town keeps its secrets.",
                             episode_titles={(1, 1): "The Lighthouse Keeper"})
    catalog.series("Lights Out", synopsis="Power cuts.")
    catalog.film("Lights", year=1999)
    catalog.film("Dark Water", synopsis="Strange lights on the lake.")
    catalog.film("Hidden Reel", published=False)
    catalog.series("Night Shift")
    night_train = catalog.series("Night Train")
    watch([w.pk for w in Work.objects.filter(episode__series=harbour)], viewers=5)
    watch([w.pk for w in Work.objects.filter(episode__series=night_train)], viewers=3)
    catalog.index()
    return catalog


@pytest.mark.parametrize("query, expected_first", [
    ("amelie", "Amélie"),
    ("Amélie", "Amélie"),
    ("AMEL", "Amélie"),          # prefix, case-insensitive
    ("muenchen", "München Nights"),
    ("munchen", "München Nights"),
    ("münchen ni", "München Nights"),  # every word, the last one a prefix
    ("harb", "Harbour Lights"),
    ("harbour li", "Harbour Lights"),
    ("harbuor", "Harbour Lights"),   # one transposition in a long word
    ("harbor", "Harbour Lights"),    # one missing letter
    ("amelei", "Amélie"),
    ("lighthouse", "The Lighthouse Keeper"),  # episodes are searched too
    ("montmartre", "Amélie"),        # synopsis
])
def test_search_finds(shelf, query, expected_first):
    assert titles(query)[0] == expected_first


def test_ranking_exact_then_prefix_then_words_then_synopsis_even_against_popularity(shelf):
    # Harbour Lights is the most watched, yet an exact title and a title starting with the query come first.
    assert titles("lights")[:4] == ["Lights", "Lights Out", "Harbour Lights", "Dark Water"]


def test_popular_before_obscure_within_a_tier(shelf):
    assert titles("night")[:3] == ["Night Train", "Night Shift", "München Nights"]


def test_episode_results_name_their_series_and_lead_to_the_player(shelf):
    card = catalog_search(query="lighthouse keeper")[0]
    assert card.kind == "episode" and card.subtitle == "Harbour Lights · S01E01" and card.url.startswith("/watch/")


def test_unpublished_and_unrelated_titles_are_not_found(shelf):
    assert titles("hidden reel") == []
    assert titles("zzzzqqq") == []
    assert titles("x") == []  # one letter matches only an exact title


def test_limit_is_respected_and_bounded(shelf):
    assert len(titles("l", limit=2)) <= 2
    assert len(titles("lights", limit=2)) == 2
    assert len(catalog_search(query="lights", limit=10_000)) <= 50


@pytest.mark.parametrize("query", [
    "a" * 10_000, "lights " * 2000, '"', '""', '"lights', "*", "lights*", "NEAR(lights out)", "lights OR out",
    "lights AND", "AND OR NOT", "-lights", "^lights", "terms:lights", "{terms}: x", "lights:*", "a & b | !c <-> d",
    "'; DROP TABLE catalog_searchentry; --", "🎬🍿", "Amélie 🎬", "\x00\x01\x1f lights \x7f", "\u202eamelie",
    FULLWIDTH_LIGHTS, "(((", ")))", "", "   ", "\t\n", "ß" * 500, "0", "2019",
])
def test_hostile_input_gives_results_or_nothing(shelf, query):
    results = catalog_search(query=query)
    assert isinstance(results, list) and len(results) <= 20


def test_fullwidth_and_control_characters_are_folded(shelf):
    assert titles(FULLWIDTH_LIGHTS)[0] == "Lights"
    assert titles("\x00lights\x1f")[0] == "Lights"


def test_search_uses_a_fixed_number_of_queries(shelf, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        catalog_search(query="zzzzzz qqqqqq")  # every tier, typo included
    with django_assert_max_num_queries(5):
        catalog_search(query="lig")


def test_index_follows_row_changes(shelf):
    """SQLite: the FTS5 table follows inserts, updates and deletes of entries through triggers."""
    from reelhouse.catalog.models import SearchEntry

    entry = SearchEntry.objects.get(kind="film", title="Lights")
    entry.title, entry.title_norm, entry.terms = "Candles", "candles", textnorm.index_terms("Candles")
    entry.save()
    assert titles("candles") == ["Candles"] and "Lights" not in titles("lights")
    entry.delete()
    assert titles("candles") == []
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO catalog_search_fts(catalog_search_fts, rank) VALUES ('integrity-check', 1)")


@pytest.mark.parametrize("text, folded", [
    ("Amélie", "amelie"), ("München", "munchen"), ("Straße", "strasse"), ("Æon Flux", "aeon flux"),
    ("Øresund", "oresund"), ("Łódź", "lodz"), ("\uff21\uff22\uff23", "abc"),
])
def test_fold(text, folded):
    assert textnorm.fold(text) == folded


def test_index_terms_add_german_transliterations():
    assert textnorm.index_terms("Schöne Grüße aus München") == (
        "schone grusse aus munchen schoene gruesse muenchen")


def test_one_edit_variants_cover_every_kind_of_typo():
    variants = set(textnorm.one_edit_variants("harbour"))
    assert {"harbor", "harbuor", "harbiur", "harbourr"} <= variants and "harbour" in variants


@pytest.mark.parametrize("is_kids", [True, False])
@pytest.mark.parametrize("limit", [0, 7, 12, 16, 18])
def test_search_filters_by_age_exactly_as_the_rows_do(catalog, is_kids, limit):
    # SQLite filters inside the full-text match (access tokens); this pins it to the same rule as maturity_q,
    # in every tier (title, synopsis, one typo).
    from reelhouse.catalog.selectors import maturity_allows

    ratings = [None, 0, 7, 12, 13, 16, 17, 18]
    for rating in ratings:
        catalog.film(f"Lantern {rating}", synopsis="glowworm", maturity=rating)
    catalog.index()
    user = User.objects.create(email=f"age{limit}{is_kids}@example.com")
    profile = Profile.objects.create(user=user, name="p", is_kids=is_kids, max_maturity=limit)
    allowed = {f"Lantern {r}" for r in ratings if maturity_allows(profile=profile, rating=r)}
    for query in ["lant", "lantern", "glowworm", "lanterm"]:
        assert set(titles(query, profile=profile, limit=50)) == allowed, query


HOSTILE_TYPO_QUERIES = [
    " ".join(("qzxjvkwpfbmhgtdnlrscyaoeiuqzxjvk"[i:] + "qzxjvkwpfbmhgtdnlrscyaoeiuqzxjvk"[:i]) for i in range(8)),
    " ".join("abcdefghijklmn"[i:] + "abcdefghijklmn"[:i] for i in range(8)),  # 8 words right at the length cap
    " ".join(f"word{i}x" * 2 for i in range(8)),
]


@pytest.mark.parametrize("query", HOSTILE_TYPO_QUERIES)
def test_typo_expansion_of_hostile_queries_is_capped(query):
    caps = textnorm.TYPO_CAPS
    from reelhouse.catalog.search import typo_groups

    groups = typo_groups(textnorm.query_tokens(query)) or []
    assert sum(len(g) for g in groups) <= caps.variants
    assert sum(1 for g in groups if len(g) > 1) <= caps.words
    assert all(len(g) == 1 for g in groups if len(g[0]) > caps.chars)
    uncapped = typo_groups(textnorm.query_tokens(query), caps=None) or []
    assert sum(len(g) for g in uncapped) > caps.variants  # the caps are what keeps these small


def test_a_hostile_query_sends_a_bounded_number_of_terms_to_the_database(shelf):
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(conn) as queries:
        assert catalog_search(query=HOSTILE_TYPO_QUERIES[1]) == []
    # every full-text term is a quoted word (SQLite) or a word followed by | & ) (PostgreSQL)
    terms = max(q["sql"].count('"') // 2 + q["sql"].count(" | ") for q in queries.captured_queries)
    assert 0 < terms <= textnorm.TYPO_CAPS.variants + 8


def test_typos_are_still_forgiven_within_the_caps(shelf):
    assert titles("harbuor lihgts")[0] == "Harbour Lights"  # two words with a typo each
    assert titles("lights harbuor")[0] == "Harbour Lights"
