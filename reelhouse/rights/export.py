"""Rights' part of the personal data export (registered in apps.py; see accounts/export.py): the decisions on
notices an operator made (notices themselves name their claimant by address, not by account)."""

from reelhouse.accounts.export import Section, exporter_register


def register() -> None:
    from reelhouse.rights.models import NoticeDecision

    exporter_register(app="rights", sections=[Section("notice_decisions", NoticeDecision, ("decided_by",))])
