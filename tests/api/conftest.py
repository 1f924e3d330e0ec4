"""API fixtures: two subscribed accounts (A with an adult and a kids profile, B), a small catalog under real
licences (worldwide, France only, and a mature film), and device tokens issued by the real device grant."""

import datetime as dt

import pytest
from django.test import Client

from reelhouse.accounts import devicegrant
from reelhouse.accounts.services import profile_create, user_create
from reelhouse.billing.services import subscription_grant
from reelhouse.catalog.models import Episode, Film, Season, Series
from reelhouse.catalog.services import search_index_rebuild
from reelhouse.core import clock
from reelhouse.media.models import Asset
from reelhouse.rights.models import Licence, Licensor


def device_token(user, profile, name: str = "Test TV/1.0") -> str:
    """Sign a device in through the grant, as a TV and a phone would: code, approval, one poll."""
    issued = devicegrant.device_authorization_request(client_name=name)
    devicegrant.device_authorization_decide(authorization=devicegrant.pending_for_user_code(issued.user_code),
                                            user=user, profile=profile, approve=True)
    return devicegrant.device_token_poll(device_code=issued.device_code).access_token


class Bearer(Client):
    """A test client that sends a device's bearer token and JSON bodies."""

    def __init__(self, token: str, **kwargs):
        super().__init__(HTTP_AUTHORIZATION=f"Bearer {token}", **kwargs)
        self.token = token

    def send(self, method: str, path: str, body=None):
        return getattr(self, method)(path, data=body, content_type="application/json")


class World:
    """What the tests play with; attributes name the parts."""


def _publish(work, asset_holder: dict):
    if "asset" not in asset_holder:
        asset_holder["asset"] = Asset.objects.create(work=work, source_sha256="c" * 64, directory="packages/api",
                                                     duration_s=60, width=640, height=360)
    work.asset = asset_holder["asset"]
    work.published_at = clock.now() - dt.timedelta(days=1)
    work.save(update_fields=["asset", "published_at"])
    return work


@pytest.fixture
def world(db):
    w = World()
    licensor = Licensor.objects.create(name="API Pictures")
    start = clock.now() - dt.timedelta(days=365)
    w.worldwide = Licence.objects.create(licensor=licensor, name="World", territories="WW", starts_at=start,
                                         allows_downloads=True)
    w.france = Licence.objects.create(licensor=licensor, name="France only", territories="FR", starts_at=start)
    held: dict = {}
    w.series = Series.objects.create(title="Harbour Lights", sort_title="Harbour Lights", slug="harbour-lights",
                                     year=2021, maturity=0, synopsis="Lighthouse keepers.")
    season = Season.objects.create(series=w.series, number=1)
    w.episodes = [_publish(Episode.objects.create(series=w.series, season=season, number=n, title=f"Night {n}",
                                                  runtime_s=1500, maturity=0, licence=w.worldwide), held)
                  for n in (1, 2)]
    w.film = _publish(Film.objects.create(title="The Long Take", slug="the-long-take", year=2001, runtime_s=60,
                                          maturity=7, licence=w.worldwide), held)
    w.mature = _publish(Film.objects.create(title="Night Shift Blood", slug="night-shift-blood", year=2010,
                                            runtime_s=60, maturity=18, licence=w.worldwide), held)
    w.french = _publish(Film.objects.create(title="Le Quai", slug="le-quai", year=2015, runtime_s=60, maturity=0,
                                            licence=w.france), held)
    search_index_rebuild()
    w.user_a = user_create(email="a@example.com", password="correct horse battery", display_name="A")
    subscription_grant(user=w.user_a, days=30)
    w.profile_a = w.user_a.profiles.get()
    w.kids_a = profile_create(user=w.user_a, name="Kids", is_kids=True)
    w.user_b = user_create(email="b@example.com", password="correct horse battery", display_name="B")
    subscription_grant(user=w.user_b, days=30)
    w.profile_b = w.user_b.profiles.get()
    w.token_a = device_token(w.user_a, w.profile_a)
    w.token_kids = device_token(w.user_a, w.kids_a)
    w.token_b = device_token(w.user_b, w.profile_b)
    w.a, w.kids, w.b = Bearer(w.token_a), Bearer(w.token_kids), Bearer(w.token_b)
    return w
