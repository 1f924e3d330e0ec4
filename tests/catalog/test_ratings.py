"""Maturity ratings as NFOs write them (<mpaa>) turned into ages: a table of real-world labels."""

import pytest

from reelhouse.catalog.ratings import rating_age


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
