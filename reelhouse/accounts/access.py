"""Who may manage the account: the one access decision for profile management, billing, privacy and security.

Allowed: the account owner's profile; or an adult profile after the owner confirmed it (the account password or the
owner profile's PIN, re-entered within OWNER_CONFIRM_SECONDS; switching profile forgets it). Never a kids profile."""

import datetime as dt
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from reelhouse.core import clock
from reelhouse.core.http import safe_next

OWNER_CONFIRMED_UNTIL = "reelhouse_owner_confirmed_until"  # session key: POSIX time the confirmation lapses
OWNER_CONFIRM_SECONDS = 10 * 60


def owner_refusal(request) -> str | None:
    """None when this request may manage the account, else why not: "kids" (never) or "confirm" (owner must
    confirm first)."""
    profile = getattr(request, "profile", None)
    if profile is not None and profile.is_kids:
        return "kids"
    if profile is not None and profile.is_owner:
        return None
    if request.session.get(OWNER_CONFIRMED_UNTIL, 0) > clock.now().timestamp():
        return None
    return "confirm"


def owner_confirmed(request) -> None:
    """The owner's password or PIN was just entered in this session: account pages open for a short while."""
    until = clock.now() + dt.timedelta(seconds=OWNER_CONFIRM_SECONDS)
    request.session[OWNER_CONFIRMED_UNTIL] = until.timestamp()


def owner_confirmation_forget(request) -> None:
    request.session.pop(OWNER_CONFIRMED_UNTIL, None)


def owner_confirm_url(next_url: str) -> str:
    return reverse("accounts:owner_confirm") + "?" + urlencode({"next": next_url})


def owner_required(view):
    """Decorate every view that manages profiles, billing, privacy or security. A kids profile gets 403; another
    profile is sent to the owner-confirmation step (a GET) or gets 403 with a link to it (a POST is not replayed)."""

    @wraps(view)
    @login_required
    def guarded(request, *args, **kwargs):
        refusal = owner_refusal(request)
        if refusal is None:
            return view(request, *args, **kwargs)
        if refusal == "confirm" and request.method in ("GET", "HEAD"):
            return redirect(owner_confirm_url(request.get_full_path()))
        back = safe_next(request, request.headers.get("Referer", ""), default=reverse("catalog:home"))
        return render(request, "accounts/owner_required.html",
                      {"kids": refusal == "kids", "confirm_url": owner_confirm_url(back)}, status=403)

    return guarded
