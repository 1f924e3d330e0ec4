"""The fleet test's site, made on its web host against the data host's database (run there as
`python -m tests.scale.fleet_seed <watch folder> <email> <password>`): the tables (migrate, the cache table), a
licensor with a worldwide licence, its watch folder on the web host, and a subscriber with 30 days of
subscription."""

import datetime as dt
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelhouse.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from reelhouse.accounts.services import user_create  # noqa: E402
from reelhouse.billing.services import subscription_grant  # noqa: E402
from reelhouse.ingest.models import Source  # noqa: E402
from reelhouse.rights.models import Licence, Licensor  # noqa: E402


def main(folder: str, email: str, password: str) -> None:
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    licensor = Licensor.objects.create(name="Fleet Licensor")
    licence = Licence.objects.create(licensor=licensor, name="Worldwide 2020-", territories="WW",
                                     starts_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    os.makedirs(folder, exist_ok=True)
    Source.objects.create(name="Fleet watch folder", path=folder, licensor=licensor, licence=licence)
    subscription_grant(user=user_create(email=email, password=password, display_name="Fleet viewer"), days=30)


if __name__ == "__main__":
    main(*sys.argv[1:])
