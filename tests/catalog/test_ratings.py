"""Maturity ratings as NFOs write them (<mpaa>) turned into ages: a table of real-world labels."""

import pytest

from reelhouse.catalog.ratings import SYSTEMS, rating_age, rating_parse, ratings_parse

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)


@pytest.mark.parametrize("label, age", [
    ("TV-Y", 0), ("TV-Y7", 7), ("TV-Y7-FV", 7), ("TV-G", 0), ("TV-PG", 7), ("TV-14", 14), ("TV-MA", 17),
    ("US:TV-MA", 17), ("tv-14", 14), ("TV 14", 14),
    ("G", 0), ("PG", 7), ("PG-13", 13), ("R", 17), ("NC-17", 18), ("Rated PG-13", 13), ("Rated R", 17),
    ("US:Rated R", 17), ("Rated X", 18), ("X", 18), ("R for violence and language", 17),
    ("FSK 0", 0), ("FSK 6", 6), ("FSK 12", 12), ("FSK 16", 16), ("FSK 18", 18), ("DE:FSK 16", 16),
    ("FSK16", 16), ("FSK ab 12", 12), ("de:12", 12), ("Germany:16", 16),
    ("FR:-10", 10), ("FR:-12", 12), ("France:-16", 16), ("-18", 18), ("FR:TP", 0), ("Tous publics", 0),
    ("U", 0), ("12A", 12), ("15", 15), ("GB:18", 18), ("18+", 18), ("  pg-13 ", 13),
])
def test_rating_to_age(label, age):
    assert rating_age(label) == age


@pytest.mark.parametrize("label", [None, "", "NR", "Not Rated", "Unrated", "US:NR", "banana", "999", "Rated"])
def test_unrated_or_unknown_labels_give_none(label):
    assert rating_age(label) is None


@pytest.mark.parametrize("label, expected", [
    ("TV-MA", ("US", "US-TV", "TV-MA", 17)), ("US:TV-14", ("US", "US-TV", "TV-14", 14)),
    ("Rated PG-13", ("US", "US-MPA", "PG-13", 13)), ("R for violence", ("US", "US-MPA", "R", 17)),
    ("PG", ("US", "US-MPA", "PG", 7)), ("GB:PG", ("GB", "GB-BBFC", "PG", 8)), ("12A", ("GB", "GB-BBFC", "12A", 12)),
    ("DE:FSK 16", ("DE", "DE-FSK", "FSK 16", 16)), ("FSK16", ("DE", "DE-FSK", "FSK 16", 16)),
    ("FSK ab 12", ("DE", "DE-FSK", "FSK 12", 12)), ("de:12", ("DE", "DE-FSK", "FSK 12", 12)),
    ("Germany:16", ("DE", "DE-FSK", "FSK 16", 16)), ("FR:-12", ("FR", "FR-CSA", "-12", 12)),
    ("FR:12", ("FR", "FR-CSA", "-12", 12)), ("France:-16", ("FR", "FR-CSA", "-16", 16)),
    ("FR:TP", ("FR", "FR-CSA", "Tous publics", 0)), ("Tous publics", ("FR", "FR-CSA", "Tous publics", 0)),
    ("-18", ("FR", "FR-CSA", "-18", 18)), ("NL:AL", ("NL", "NL-KW", "AL", 0)), ("UK:15", ("GB", "GB-BBFC", "15", 15)),
])
def test_rating_label_names_its_country_system_and_age(label, expected):
    parsed = rating_parse(label)
    assert (parsed.country, parsed.system, parsed.label, parsed.age) == expected


@pytest.mark.parametrize("label", ["12", "18+", "NR", "US:NR", "banana", "XX:TV-MA", "Narnia:12", "", None])
def test_labels_without_a_known_country_rating_give_none(label):
    assert rating_parse(label) is None


def test_a_bare_age_is_read_in_the_country_given():
    assert rating_parse("16", country="DE").label == "FSK 16"
    assert rating_parse("16", country="FR").label == "-16"
    assert rating_parse("TV-MA", country="DE") is None  # an American label is not a German rating


def test_every_label_of_every_system_reads_back_as_itself():
    for spec in SYSTEMS:
        for label, age in spec.ratings:
            parsed = rating_parse(f"{spec.country}:{label}")
            assert (parsed.country, parsed.label, parsed.age) == (spec.country, label, age)


def test_joined_nfo_ratings_give_one_per_country_first_wins():
    assert [(p.country, p.label) for p in ratings_parse("US:TV-MA / DE:16 / US:TV-14 / banana")] == [
        ("US", "TV-MA"), ("DE", "FSK 16")]
