"""Support's part of the personal data export (registered in apps.py; see accounts/export.py).

The person's requests, found by account or by the address they wrote from (a request opened as a visitor), with
every message (agents' notes included), attachment (name, type, size, checksum; the file stays with the desk) and
mail about them."""

from django.db.models import Q

from reelhouse.accounts.export import Section, exporter_register


def _by_requester(prefix: str):
    """Rows whose request (`prefix` = lookup path to the Ticket, '' for the ticket itself) is the person's."""

    def match(user) -> Q:
        return Q(**{f"{prefix}user": user}) | (Q(**{f"{prefix}user__isnull": True})
                                                 & Q(**{f"{prefix}email__iexact": user.email}))
    return match


def register() -> None:
    from reelhouse.support.models import Attachment, InboundMail, Message, SentMail, Ticket

    exporter_register(app="support", sections=[
        Section("support_requests", Ticket, (_by_requester(""),), omit=frozenset({"assignee"})),
        # Agents' internal notes too: they are data about the person (right of access).
        Section("support_messages", Message, (_by_requester("ticket__"),)),
        Section("support_attachments", Attachment, (_by_requester("message__ticket__"),),
                omit=frozenset({"stored_name"})),
        Section("support_mails_sent", SentMail, (_by_requester("ticket__"),)),
        Section("support_mails_received", InboundMail, (_by_requester("ticket__"),), omit=frozenset({"raw_name"})),
    ])
