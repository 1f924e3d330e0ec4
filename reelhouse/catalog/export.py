"""Catalog's part of the personal data export (registered in apps.py; see accounts/export.py)."""

from reelhouse.accounts.export import Section, exporter_register


def register() -> None:
    from reelhouse.catalog.models import Follow, MyListItem

    exporter_register(app="catalog", sections=[
        Section("my_list", MyListItem, ("profile__user",)),
        Section("follows", Follow, ("profile__user",)),
    ])
