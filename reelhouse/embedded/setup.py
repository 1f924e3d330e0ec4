"""The demo site: operator and viewer accounts, a licensor with a licence, and the demo watch folder."""

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from reelhouse.accounts.services import user_ensure
from reelhouse.billing.selectors import subscription_current
from reelhouse.billing.services import subscription_grant
from reelhouse.ingest.models import Source
from reelhouse.rights.models import WORLDWIDE, Licence, Licensor

OPERATOR_EMAIL = "operator@example.com"
VIEWER_EMAIL = "viewer@example.com"
DEMO_LICENSOR = "Reelhouse Demo Pictures"


@dataclass
class DemoSite:
    password: str
    generated_password: bool
    source: Source


def demo_password() -> tuple[str, bool]:
    """REELHOUSE_DEMO_PASSWORD, else one generated on first start and kept in var/ for later starts."""
    if password := settings.REELHOUSE_DEMO_PASSWORD:
        return password, False
    path = Path(settings.VAR_DIR) / "demo_password"
    if path.exists():
        return path.read_text().strip(), True
    password = secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password)
    path.chmod(0o600)
    return password, True


def watch_folder() -> Path:
    return Path(settings.REELHOUSE_DEMO_DIR) / "watch"


@transaction.atomic
def demo_site_ensure() -> DemoSite:
    """Create (or refresh the passwords of) the demo accounts, licence and source. Safe to run again."""
    password, generated = demo_password()
    user_ensure(email=OPERATOR_EMAIL, password=password, display_name="Operator", is_staff=True, is_superuser=True)
    viewer, _ = user_ensure(email=VIEWER_EMAIL, password=password, display_name="Viewer")
    if subscription_current(user=viewer) is None:
        subscription_grant(user=viewer, days=365)
    licensor, _ = Licensor.objects.get_or_create(name=DEMO_LICENSOR)
    licence, _ = Licence.objects.get_or_create(
        licensor=licensor, name="Demo catalogue, worldwide",
        defaults={"starts_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC), "ends_at": None, "territories": WORLDWIDE},
    )
    folder = watch_folder()
    folder.mkdir(parents=True, exist_ok=True)
    source, _ = Source.objects.get_or_create(
        name="Demo watch folder", defaults={"path": str(folder), "licensor": licensor, "licence": licence}
    )
    if source.path != str(folder):
        source.path = str(folder)
        source.save(update_fields=["path"])
    return DemoSite(password=password, generated_password=generated, source=source)
