"""Country names and the country select in the reader's language, from CLDR."""

import pytest
from django.utils import translation

from reelhouse.core.countries import country_choices, country_name

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)


@pytest.mark.parametrize("code, language, name", [
    ("DE", "fr", "Allemagne"), ("FR", "de", "Frankreich"), ("US", "en", "United States"), ("us", "fr", "États-Unis"),
    ("ZZ", "fr", "ZZ"), ("EU", "en", "EU"), ("", "en", ""),  # not countries: the code itself
])
def test_a_country_is_named_in_the_requested_language(code, language, name):
    assert country_name(code, language) == name


def test_the_active_language_names_the_country_by_default():
    with translation.override("de"):
        assert country_name("GB") == "Vereinigtes Königreich"
    with translation.override("fr"):
        assert country_name("GB") == "Royaume-Uni"


@pytest.mark.parametrize("language", ["en", "fr", "de"])
def test_choices_list_every_iso_country_once(language):
    codes = [code for code, _name in country_choices(language)]
    assert len(codes) == len(set(codes)) == 249  # ISO 3166-1 alpha-2, without CLDR's groupings and pseudo-regions
    assert {"FR", "DE", "US", "JP", "AQ"} <= set(codes) and not {"EU", "UN", "ZZ", "XA", "QO"} & set(codes)


def test_french_choices_sort_accented_names_among_their_letter():
    names = [name for _code, name in country_choices("fr")]
    assert names.index("Égypte") < names.index("Émirats arabes unis") < names.index("Espagne") < names.index("Fidji")
    assert names.index("Danemark") < names.index("Égypte")
    assert names.index("Îles Caïmans") < names.index("Inde") < names.index("Irlande")


def test_german_choices_sort_umlauts_with_their_vowel():
    names = [name for _code, name in country_choices("de")]
    assert names.index("Afghanistan") < names.index("Ägypten") < names.index("Albanien")
    assert names.index("Oman") < names.index("Österreich") < names.index("Pakistan")


def test_english_choices_follow_the_alphabet():
    choices = country_choices("en")
    assert choices[0] == ("AF", "Afghanistan") and ("AX", "Åland Islands") in choices[:3]
    codes = [code for code, _name in choices]
    assert codes.index("CI") < codes.index("HR") < codes.index("CU")  # Côte d'Ivoire, Croatia, Cuba
