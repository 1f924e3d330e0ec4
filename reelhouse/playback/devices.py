"""A browser's device id: the rh_device cookie, a random id per browser, so that its playback sessions are its own
(playing again there takes them over; signing out there ends them). Read from the request only through here: the
cookie is outside input, so a value not of the shape this app sets is no device id at all."""

import re
import secrets

from django.conf import settings

from reelhouse.playback import conf

_DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


def device_cookie(request) -> str:
    """The browser's device id when its cookie holds one of the shape this app sets; "" otherwise."""
    value = request.COOKIES.get(conf.DEVICE_COOKIE, "")
    return value if _DEVICE_ID.fullmatch(value) else ""


def device_id_of(request) -> tuple[str, bool]:
    """This browser's device id and whether it is new (then the response sets it: device_cookie_set)."""
    if value := device_cookie(request):
        return value, False
    return secrets.token_urlsafe(18), True


def device_cookie_set(response, device_id: str, new: bool):
    if new:
        response.set_cookie(conf.DEVICE_COOKIE, device_id, max_age=conf.DEVICE_COOKIE_SECONDS, httponly=True,
                            samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
    return response
