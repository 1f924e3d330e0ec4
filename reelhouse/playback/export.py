"""Playback's part of the personal data export (registered in apps.py; see accounts/export.py)."""

from reelhouse.accounts.export import Section, exporter_register


def register() -> None:
    from reelhouse.playback.models import Download, PlaybackError, PlaybackSession, ResumePoint

    exporter_register(app="playback", sections=[
        Section("resume_points", ResumePoint, ("profile__user",)),  # playback progress, per profile
        Section("playback_sessions", PlaybackSession, ("profile__user",)),  # streams and the devices they ran on
        Section("downloads", Download, ("profile__user",)),
        Section("playback_errors", PlaybackError, ("profile__user",)),  # what failed to play, on which device
    ])
