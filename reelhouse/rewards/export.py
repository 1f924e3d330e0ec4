"""Rewards' part of the personal data export (registered in apps.py; see accounts/export.py)."""

from reelhouse.accounts.export import Section, exporter_register


def register() -> None:
    from reelhouse.rewards.models import Referral, StampAccount, StampEntry

    exporter_register(app="rewards", sections=[
        Section("stamp_account", StampAccount, ("user",)),
        Section("stamps", StampEntry, ("account__user",)),
        Section("referrals", Referral, ("referrer", "referee")),
    ])
