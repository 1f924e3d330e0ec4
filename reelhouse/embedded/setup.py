"""What `reelhouse run` sets up: the watch folder with its licensor and licence always; the demo accounts (an operator
and a subscribed viewer) only when the demo is on, and only once — a later start never resets their passwords nor
re-grants the viewer's subscription."""

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from reelhouse.accounts import twofactor
from reelhouse.accounts.models import User
from reelhouse.accounts.services import user_create
from reelhouse.billing.services import subscription_grant
from reelhouse.core.private import read_or_create_secret
from reelhouse.ingest.models import Source
from reelhouse.rights.models import WORLDWIDE, Licence, Licensor

OPERATOR_EMAIL = "operator@example.com"
VIEWER_EMAIL = "viewer@example.com"
DEMO_LICENSOR = "Reelhouse Demo Pictures"


class DemoPasswordRefused(Exception):
    """REELHOUSE_DEMO_PASSWORD fails the password validators; the message says why."""


@dataclass
class DemoAccounts:
    created: bool  # on this start: the password is shown only now
    password: str  # the one they were created with ('' on later starts)
    generated_password: bool
    operator_enrolled: bool


def demo_password() -> tuple[str, bool]:
    """REELHOUSE_DEMO_PASSWORD (refused unless Django's password validators accept it), else one generated on first
    start and kept in var/demo_password (mode 0600) to be looked up later."""
    if password := settings.REELHOUSE_DEMO_PASSWORD:
        _password_check(password)
        return password, False
    return read_or_create_secret(demo_password_file(), lambda: secrets.token_urlsafe(12)), True


def _password_check(password: str) -> None:
    try:
        validate_password(password, user=User(email=OPERATOR_EMAIL))
    except ValidationError as exc:
        raise DemoPasswordRefused("REELHOUSE_DEMO_PASSWORD is refused: " + " ".join(exc.messages)
                                  + " Choose another, or unset it to have one generated.") from exc


def demo_password_file() -> Path:
    return Path(settings.VAR_DIR) / "demo_password"


def watch_folder() -> Path:
    return Path(settings.REELHOUSE_DEMO_DIR) / "watch"


def _accounts_marker() -> Path:
    return Path(settings.REELHOUSE_DEMO_DIR) / ".accounts-created"


@transaction.atomic
def watch_source_ensure() -> Source:
    """The watch folder, registered against a licensor with a worldwide licence. Safe to run again."""
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
    return source


def demo_accounts_ensure() -> DemoAccounts:
    """Create the demo operator and viewer (a year's subscription) on the first demo start; later starts change
    nothing. Raises DemoPasswordRefused."""
    created = False
    password, generated = "", not settings.REELHOUSE_DEMO_PASSWORD
    if settings.REELHOUSE_DEMO_PASSWORD:
        _password_check(settings.REELHOUSE_DEMO_PASSWORD)  # refused on every start, not only the first
    if not _accounts_marker().exists():
        password, generated = demo_password()
        with transaction.atomic():
            if not User.objects.filter(email=OPERATOR_EMAIL).exists():
                user_create(email=OPERATOR_EMAIL, password=password, display_name="Operator", is_staff=True,
                            is_superuser=True)
                created = True
            if not User.objects.filter(email=VIEWER_EMAIL).exists():
                viewer = user_create(email=VIEWER_EMAIL, password=password, display_name="Viewer")
                subscription_grant(user=viewer, days=365)
                created = True
        _accounts_marker().parent.mkdir(parents=True, exist_ok=True)
        _accounts_marker().write_text("created\n")
    operator = User.objects.filter(email=OPERATOR_EMAIL).first()
    return DemoAccounts(created=created, password=password if created else "", generated_password=generated,
                        operator_enrolled=bool(operator and operator.totp_enabled_at))


def operator_enrolment_link(base_url: str) -> str:
    """A fresh one-time link for the demo operator's two-step sign-in ('' once it is set up or when not needed)."""
    operator = User.objects.filter(email=OPERATOR_EMAIL, is_active=True).first()
    if operator is None or operator.totp_enabled_at or not twofactor.staff_require_2fa():
        return ""
    return twofactor.enrolment_link(user=operator, base_url=base_url)


def operators_exist() -> bool:
    return User.objects.filter(is_active=True, is_staff=True).exists()
