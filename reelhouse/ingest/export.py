"""Ingest's part of the personal data export (registered in apps.py; see accounts/export.py)."""

from reelhouse.accounts.export import Section, exporter_register


def register() -> None:
    from reelhouse.ingest.models import CalendarToken

    # The private calendar links an operator made (label, hint, dates; the token itself is only stored hashed).
    exporter_register(app="ingest", sections=[Section("calendar_links", CalendarToken, ("user",))])
