"""Notifications' part of the personal data export (registered in apps.py; see accounts/export.py)."""

from reelhouse.accounts.export import Section, exporter_register


def register() -> None:
    from reelhouse.notifications.models import (
        AnnouncementDismissal,
        Notification,
        OutgoingMail,
        Preference,
        ReminderSent,
    )

    exporter_register(app="notifications", sections=[
        Section("notifications", Notification, ("profile__user",)),
        Section("mail", OutgoingMail, ("user",)),  # every mail sent (or queued) to the person, as sent
        Section("notification_preferences", Preference, ("user",)),
        Section("reminders_sent", ReminderSent, ("user",)),  # which renewal/term/download reminders went out
        Section("announcements_dismissed", AnnouncementDismissal, ("profile__user",)),
    ])
