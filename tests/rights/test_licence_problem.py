"""licence_problem says, in words an operator can act on, why a licence does not allow showing a work."""

import datetime as dt

import pytest

from reelhouse.rights.models import Licence, Licensor
from reelhouse.rights.selectors import licence_problem

UTC = dt.UTC
AT = dt.datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def licence(db):
    return Licence.objects.create(licensor=Licensor.objects.create(name="L"), name="EU 2026",
                                  starts_at=dt.datetime(2026, 1, 1, tzinfo=UTC),
                                  ends_at=dt.datetime(2026, 10, 1, tzinfo=UTC), territories="DE, at,FR")


@pytest.mark.parametrize("at, territory, expected", [
    (AT, None, ""),
    (AT, "de", ""),
    (AT, "US", "licence 'EU 2026' does not cover territory US (covers DE, at,FR)"),
    (dt.datetime(2025, 12, 31, tzinfo=UTC), None, "licence 'EU 2026' starts 2026-01-01"),
    (dt.datetime(2026, 10, 1, tzinfo=UTC), "DE", "licence 'EU 2026' ended 2026-10-01"),
])
def test_licence_problem_names_the_window_and_territory(licence, at, territory, expected):
    assert licence_problem(licence=licence, territory=territory, at=at) == expected


def test_no_licence_is_a_problem():
    assert licence_problem(licence=None) == "no licence is attached"


def test_worldwide_covers_every_territory(licence):
    licence.territories = "WW"
    assert licence_problem(licence=licence, territory="JP", at=AT) == ""
