"""The data export holds everything kept about a person: every model linked to a user or profile is exported by a
registered section (or excluded with a reason), and one row of each such model, made for the person, is in their
export. A new model, or a renamed link field, fails here instead of silently leaving data out."""

import datetime as dt
import itertools
import json
import uuid

import pytest
from django.apps import apps
from django.db import models

from reelhouse.accounts.export import account_export, export_exclusions, export_sections
from reelhouse.accounts.models import Profile, User
from reelhouse.accounts.services import user_create
from reelhouse.core import clock

pytestmark = pytest.mark.django_db
PERSON = (User, Profile)


def _links_to_person(model, depth=3, seen=()) -> bool:
    """Whether a chain of foreign keys (or one-to-ones) from `model` reaches User or Profile."""
    for field in model._meta.concrete_fields:
        target = field.related_model if field.is_relation else None
        if target is None:
            continue
        if target in PERSON:
            return True
        if depth > 1 and target not in seen and target is not model and _links_to_person(target, depth - 1,
                                                                                          (*seen, model)):
            return True
    return False


def person_linked_models() -> set:
    return {m for m in apps.get_models() if m not in PERSON and _links_to_person(m)}


def test_every_model_linked_to_a_person_is_exported_or_excluded_with_a_reason():
    exported = {s.model for s in export_sections()}
    excluded = set(export_exclusions())
    linked = person_linked_models()
    missing = sorted(m._meta.label for m in linked - exported - excluded)
    assert missing == [], f"add these to an app's export sections (or export_exclude with a reason): {missing}"
    assert User in exported and Profile in exported
    stale = sorted(m._meta.label for m in (exported | excluded) - linked - set(PERSON))
    assert stale == [], f"exported or excluded but not linked to a person: {stale}"
    assert all(reason.strip() for reason in export_exclusions().values())


_counter = itertools.count(1)
# Values the generic row maker cannot guess (the models' check constraints); a model label stands for a row of it.
OTHER_PERSON = object()  # another account (a referral links two people)
OVERRIDES = {"billing.Coupon": {"percent_off": 10}, "catalog.MyListItem": {"series": "catalog.Series"},
             "rewards.Referral": {"referrer": OTHER_PERSON}, "rights.Notice": {"good_faith": True, "accurate": True},
             "support.InboundMail": {"ticket": "support.Ticket"}}


def _value(field):
    n = next(_counter)
    if isinstance(field, models.EmailField):
        return f"row{n}@example.com"
    if isinstance(field, models.URLField):
        return f"https://example.com/{n}"
    if isinstance(field, (models.CharField, models.TextField)):
        text = f"x{n}"
        return text[: field.max_length] if field.max_length else text
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, (models.IntegerField, models.FloatField, models.DecimalField)):
        return n
    if isinstance(field, models.DateTimeField):
        return clock.now() + dt.timedelta(days=1)
    if isinstance(field, models.DateField):
        return clock.now().date()
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.JSONField):
        return {}
    raise AssertionError(f"teach the row maker a value for {field!r}")


def make_row(model, *, user, profile, made: dict):
    """One saved row of `model` whose every link to a person points at `user` (or their `profile`)."""
    if model is User:
        return user
    if model is Profile:
        return profile
    if model in made:
        return made[model]
    for field in model._meta.concrete_fields:  # a one-per-person row the account already has (made at sign-up)
        owner = user if field.related_model is User else profile
        if (field.is_relation and field.unique and field.related_model in PERSON
                and (existing := model._default_manager.filter(**{field.name: owner}).first())):
            made[model] = existing
            return existing
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key and (field.has_default() or isinstance(field, models.AutoField)):
            continue
        if field.is_relation:
            if field.related_model in PERSON:
                values[field.name] = user if field.related_model is User else profile
            elif not field.null:
                values[field.name] = make_row(field.related_model, user=user, profile=profile, made=made)
        elif not (field.has_default() or field.null or field.blank):
            values[field.name] = _value(field)
    for name, value in OVERRIDES.get(model._meta.label, {}).items():
        if value is OTHER_PERSON:
            value = user_create(email=f"other{next(_counter)}@example.com", password="correct horse battery")
        elif isinstance(value, str) and "." in value:
            value = make_row(apps.get_model(value), user=user, profile=profile, made=made)
        values[name] = value
    made[model] = model._default_manager.create(**values)
    return made[model]


def test_one_row_of_every_person_linked_model_appears_in_the_export():
    user = user_create(email="person@example.com", password="correct horse battery", display_name="Person")
    profile = user.profiles.get()
    made: dict = {}
    sections = export_sections()
    for section in sections:
        make_row(section.model, user=user, profile=profile, made=made)
    data = json.loads(json.dumps(account_export(user=user)))  # all of it is JSON as exported
    for section in sections:
        rows = [data[section.key]] if section.single else data[section.key]
        row = made.get(section.model) or (user if section.model is User else profile)
        pk = section.model._meta.pk.attname
        assert str(row.pk) in [str(r.get(pk)) for r in rows], f"{section.model._meta.label} missing from " \
                                                              f"export[{section.key!r}]"


def test_the_export_holds_no_secrets_and_nothing_of_another_person():
    from reelhouse.accounts.services import profile_create

    user = user_create(email="person@example.com", password="correct horse battery")
    profile_create(user=user, name="Kid", is_kids=True, pin="1234")
    other = user_create(email="other@example.com", password="correct horse battery")
    data = account_export(user=user)
    text = json.dumps(data)
    assert "pin_hash" not in text and "password" not in data["account"] and "totp_secret" not in data["account"]
    assert "other@example.com" not in text and len(data["profiles"]) == 2
    assert all(p["user_id"] == user.pk for p in data["profiles"]) and other.pk != user.pk
