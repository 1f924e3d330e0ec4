"""Rights' part of the personal data export (registered in apps.py; see accounts/export.py): the decisions on
notices an operator made (notices themselves name their claimant by address, not by account), the strikes they
recorded and the suspensions they lifted."""

from reelhouse.accounts.export import Section, exporter_register


def register() -> None:
    from reelhouse.rights.models import NoticeDecision, SourceSuspension, Strike

    exporter_register(app="rights", sections=[Section("notice_decisions", NoticeDecision, ("decided_by",)),
                                              Section("strikes_recorded", Strike, ("actor",)),
                                              Section("suspensions_lifted", SourceSuspension, ("lifted_by",))])
