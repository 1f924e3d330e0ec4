"""The personal data export (right of access, portability): every app contributes what it holds about a person.

Each app registers its sections in its AppConfig.ready() with `exporter_register`: a section names a model and the
lookups from it to the person, and exports every field of the matching rows except secrets. Nothing here reads
another app's tables by name or swallows a FieldError: a renamed field fails loudly, and
tests/accounts/test_export.py walks the model graph so that every model linked to a user or profile is exported by
some section or listed with `export_exclude` and a reason."""

import datetime as dt
import decimal
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from reelhouse.core import clock

# Never exported, whatever the model: credentials and hashes of them (they prove nothing to the person and would
# make the file a key to the account).
SECRETS = frozenset({"password", "pin_hash", "code_hash", "totp_secret", "token_hash"})


@dataclass(frozen=True)
class Section:
    """One part of the export: the rows of `model` that are about the person, each as a dict of its fields.

    `person`: lookups from the model to the user ("user", "profile__user", "payment__user"), or functions of the
    user returning a Q; a row matching any of them is exported. `single`: the section is one row, not a list."""

    key: str
    model: type[models.Model]
    person: tuple[str | Callable[..., Q], ...]
    omit: frozenset[str] = frozenset()
    single: bool = False

    def rows(self, *, user) -> list[dict] | dict:
        match = Q()
        for lookup in self.person:
            match |= lookup(user) if callable(lookup) else Q(**{lookup: user})
        names = [f.attname for f in self.model._meta.concrete_fields
                 if f.name not in SECRETS | self.omit and f.attname not in SECRETS | self.omit]
        found = [{name: _plain(value) for name, value in row.items()}
                 for row in self.model._default_manager.filter(match).order_by("pk").distinct().values(*names)]
        return (found[0] if found else {}) if self.single else found


def _plain(value):
    """A field value as JSON can hold it."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value


_sections: dict[str, tuple[str, Section]] = {}  # key -> (app label, section)
_excluded: dict[type[models.Model], str] = {}


def exporter_register(*, app: str, sections: list[Section]) -> None:
    """Add an app's sections to the export (call from the app's ready(); registering again replaces them)."""
    for section in sections:
        owner = _sections.get(section.key)
        if owner is not None and owner[0] != app:
            raise ValueError(f"export section {section.key!r} of {app} is already registered by {owner[0]}")
        _sections[section.key] = (app, section)


def export_exclude(*, model: type[models.Model], reason: str) -> None:
    """Declare that a model linked to people is deliberately not exported, and why (the coverage test reads this)."""
    if not reason.strip():
        raise ValueError(f"excluding {model._meta.label} from the export needs a reason")
    _excluded[model] = reason


def export_sections() -> list[Section]:
    return [section for _app, section in _sections.values()]


def export_exclusions() -> dict[type[models.Model], str]:
    return dict(_excluded)


def account_export(*, user) -> dict:
    """Everything Reelhouse keeps about the account, as JSON-ready data."""
    data = {"exported_at": clock.now().isoformat()}
    for section in export_sections():
        data[section.key] = section.rows(user=user)
    return data


def register_accounts_sections() -> None:
    from django.contrib.admin.models import LogEntry

    from reelhouse.accounts.models import Device, DeviceAuthorization, Profile, RecoveryCode, User
    from reelhouse.core.models import AuditEvent

    def about_the_user(user) -> Q:
        return Q(subject_type=User._meta.label_lower, subject_id=str(user.pk))

    exporter_register(app="accounts", sections=[
        Section("account", User, (lambda user: Q(pk=user.pk),), single=True),
        Section("profiles", Profile, ("user",)),
        Section("recovery_codes", RecoveryCode, ("user",)),  # when made and used; the codes themselves are hashes
        Section("devices", Device, ("user",)),  # TVs and apps signed in with a code (the token is a hash, left out)
        Section("device_sign_ins", DeviceAuthorization, ("user",), omit=frozenset({"device_code_hash",
                                                                                 "user_code_hash"})),
        Section("audit", AuditEvent, (about_the_user, "actor")),
    ])
    export_exclude(model=LogEntry, reason="Django admin's change log of operators' edits to other people's records: "
                                         "an operator audit trail, not data about the person; their own actions are "
                                         "in the audit section.")
