from django.contrib import admin

from reelhouse.core import clock
from reelhouse.core.operator_admin import OperatorAdmin
from reelhouse.notifications.models import (
    Announcement,
    Incident,
    IncidentUpdate,
    Notification,
    OutgoingMail,
    StatusComponent,
    UndeliverableAddress,
)


@admin.register(Notification)
class NotificationAdmin(OperatorAdmin):
    list_display = ["text", "profile", "kind", "created_at", "read_at", "digested_at"]
    list_filter = ["kind"]
    raw_id_fields = ["profile", "work"]


@admin.register(OutgoingMail)
class OutgoingMailAdmin(OperatorAdmin):
    """The mail queue: what went out, what waits for a retry and why, what bounced."""

    list_display = ["subject", "recipient", "kind", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["state", "kind", "transactional"]
    search_fields = ["recipient", "subject", "message_id"]
    raw_id_fields = ["user"]
    readonly_fields = ["message_id", "attempts", "last_error", "created_at", "sent_at", "claimed_until"]
    actions = ["retry_now"]

    @admin.action(description="Send again now (failed or waiting mail)", permissions=["change"])
    def retry_now(self, request, queryset):
        from reelhouse.notifications.delivery import mail_deliver_task

        mails = list(queryset.filter(state__in=[OutgoingMail.State.QUEUED, OutgoingMail.State.FAILED]))
        OutgoingMail.objects.filter(pk__in=[m.pk for m in mails]).update(
            state=OutgoingMail.State.QUEUED, next_attempt_at=clock.now(), attempts=0)
        for mail in mails:
            mail_deliver_task.enqueue(mail.pk)
        self.message_user(request, f"{len(mails)} mail(s) queued for sending now.")


@admin.register(UndeliverableAddress)
class UndeliverableAddressAdmin(OperatorAdmin):
    """Addresses the mail server refused for good; delete a row once the subscriber fixed their address."""

    list_display = ["email", "flagged_at", "reason"]
    search_fields = ["email"]


@admin.register(Announcement)
class AnnouncementAdmin(OperatorAdmin):
    """Operators publish news: who sees it is decided by notifications/announcements.py from audience and languages."""

    list_display = ["title", "category", "published_at", "languages", "audience", "plan", "country", "banner", "mail",
                    "mailed_at"]
    list_filter = ["category", "audience", "banner", "mail"]
    readonly_fields = ["mailed_at"]
    search_fields = ["title", "body"]


@admin.register(StatusComponent)
class StatusComponentAdmin(OperatorAdmin):
    """The status page's components; the status monitor degrades them when a check fails."""

    list_display = ["name", "code", "state", "changed_at"]


class IncidentUpdateInline(admin.TabularInline):
    model = IncidentUpdate
    extra = 1


@admin.register(Incident)
class IncidentAdmin(OperatorAdmin):
    list_display = ["title", "state", "automatic", "started_at", "resolved_at"]
    list_filter = ["state", "automatic"]
    inlines = [IncidentUpdateInline]
