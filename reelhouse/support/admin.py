from django.contrib import admin

from reelhouse.core.operator_admin import OperatorAdmin
from reelhouse.support.models import CannedReply, InboundMail


@admin.register(CannedReply)
class CannedReplyAdmin(OperatorAdmin):
    list_display = ["key", "language", "title"]
    list_filter = ["language"]
    search_fields = ["key", "title", "body"]


@admin.register(InboundMail)
class InboundMailAdmin(OperatorAdmin):
    """What the support mailbox received and what became of it (read-only: the mailbox job writes it)."""

    list_display = ["received_at", "sender", "subject", "outcome", "ticket"]
    list_filter = ["outcome"]
    search_fields = ["sender", "subject", "message_id"]
    readonly_fields = [f.name for f in InboundMail._meta.fields]
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):  # the raw mail is evidence: kept
        return False
