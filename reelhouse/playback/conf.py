"""Playback constants in one place."""

RESUME_IGNORE_FRACTION = 0.05  # a position in the first 5% does not count as "started"
WATCHED_FRACTION = 0.90  # past 90% the work counts as watched (or from the start of its credits, if sooner)
CREDITS_EARLIEST_FRACTION = 0.5  # a credits marker before half the work is an error, not the end of the story
HEARTBEAT_SECONDS = 30  # the player reports progress and renews its stream token this often
POSITION_TOLERANCE_S = 2.0  # a heartbeat may report a little past the title's probed length (container rounding)
SESSION_STALE_SECONDS = 90  # a session with no heartbeat for this long no longer holds a stream slot
DOWNLOAD_DAYS = 30  # a download stays playable offline this long (or until the licence ends, if sooner)
DOWNLOAD_LINK_SECONDS = 6 * 3600  # a signed download link works this long; the account page makes fresh ones
DEVICE_COOKIE = "rh_device"  # a random id per browser: its sessions are its own (playing again takes them over)
DEVICE_COOKIE_SECONDS = 2 * 365 * 24 * 3600
