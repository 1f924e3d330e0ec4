"""Reads for rights: is a licence usable now, and why not."""

import datetime as dt

from reelhouse.core import clock
from reelhouse.rights.models import Licence


def licence_problem(*, licence: Licence | None, territory: str | None = None, at: dt.datetime | None = None) -> str:
    """Why this licence does not allow showing a work now (in `territory` if given); '' when it does."""
    at = at or clock.now()
    if licence is None:
        return "no licence is attached"
    if at < licence.starts_at:
        return f"licence '{licence.name}' starts {licence.starts_at:%Y-%m-%d}"
    if licence.ends_at is not None and at >= licence.ends_at:
        return f"licence '{licence.name}' ended {licence.ends_at:%Y-%m-%d}"
    if territory and not licence.covers_territory(territory):
        return f"licence '{licence.name}' does not cover territory {territory.upper()} (covers {licence.territories})"
    return ""
