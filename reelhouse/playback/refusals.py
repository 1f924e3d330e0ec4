"""Why a stream may not start or go on, in words the viewer can act on: the refusal the entitlement checks
(selectors) return, and what a stopped stream's page says."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from reelhouse.playback.models import PlaybackSession


@dataclass(frozen=True)
class Refusal:
    """Why a profile may not play a work now. `code` is stable for programs; `message` is for the viewer."""

    code: str  # subscription | unavailable | territory | maturity | streams | stopped
    message: str
    other_sessions: list[PlaybackSession] = field(default_factory=list)


_ENDED = {
    "left": lambda: _("This stream ended when its page was closed. Press play to resume."),
    "takeover": lambda: _("This title started playing in another tab or window of this browser."),
    "stale": lambda: _("This stream was paused for too long without contact. Press play to resume."),
    "signed_out": lambda: _("Your account was signed out on every device. Sign in again to keep watching."),
    "signed_out_here": lambda: _("You signed out in this browser, so this stream was stopped. Sign in again to keep "
                                 "watching."),
    "subscription": lambda: _("Your subscription ended, so this stream was stopped. Choose a plan or redeem a code "
                              "to keep watching."),
    "unavailable": lambda: _("This title was withdrawn from the service, so this stream was stopped."),
    "territory": lambda: _("The licence for this title ended (or does not cover your country), so this stream was "
                           "stopped."),
    "maturity": lambda: _("This title is now rated above what this profile may watch, so this stream was stopped."),
}


def ended_refusal(session: PlaybackSession) -> Refusal:
    """Why an ended session may not go on, in words the viewer can act on (its `ended_reason`)."""
    message = _ENDED.get(session.ended_reason)
    if message is None:
        return Refusal("stopped", _("This stream was stopped, from this or another device. Press play to resume."))
    return Refusal(session.ended_reason or "stopped", message())


def stopped_refusal(refusal: Refusal) -> Refusal:
    """`refusal` stopping a stream that was playing, said as the job that ends such streams says it ("Your
    subscription ended, so this stream was stopped"): the viewer reads the same words whether the heartbeat or the
    job came first. A refusal no job ends streams for (the stream limit, which names the other devices) stays."""
    message = _ENDED.get(refusal.code)
    return Refusal(refusal.code, message(), refusal.other_sessions) if message else refusal
