"""Notification pages: the in-app list, the settings per kind and channel, one-click unsubscribe (no sign-in)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from reelhouse.accounts.access import owner_required
from reelhouse.notifications import announcements, selectors, services, status
from reelhouse.notifications.kinds import CHANNELS, KINDS


@login_required
def inbox(request):
    profile = request.profile
    return render(request, "notifications/inbox.html", {
        "notifications": selectors.notifications_of(profile=profile),
        "unread": selectors.unread_count(profile=profile)})


@login_required
@require_POST
def mark_read(request):
    services.notifications_mark_read(profile=request.profile)
    return redirect("notifications:inbox")


@owner_required  # account-wide choices: the owner's, not a kids or another profile's
@require_http_methods(["GET", "POST"])
def settings_page(request):
    if request.method == "POST":
        for row in selectors.preferences_table(user=request.user):
            for channel in row["channels"]:
                if not channel["fixed"]:
                    services.preference_set(user=request.user, kind=row["kind"].code, channel=channel["code"],
                                            enabled=f"{row['kind'].code}:{channel['code']}" in request.POST)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {
        "rows": selectors.preferences_table(user=request.user), "channels": CHANNELS})


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no session; the signed token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET shows what the link will do and a button (link scanners must not unsubscribe anyone); POST does it."""
    if request.method == "GET":
        try:
            data = services.unsubscribe_token_read(token=token)
        except services.PreferenceError as exc:
            return render(request, "notifications/unsubscribe.html", {"error": str(exc)}, status=400)
        return render(request, "notifications/unsubscribe.html", {"kind": KINDS[data["k"]], "token": token})
    try:
        _user, kind = services.unsubscribe(token=token)
    except services.PreferenceError as exc:
        return render(request, "notifications/unsubscribe.html", {"error": str(exc)}, status=400)
    return render(request, "notifications/unsubscribe.html", {"kind": kind, "done": True})


def news(request):
    """The news page: the announcements addressed to this viewer (a visitor: those for everyone)."""
    return render(request, "notifications/news.html", {"announcements": announcements.announcements_for(
        user=request.user, language=request.LANGUAGE_CODE)[:50]})


@login_required
@require_POST
def announcement_dismiss(request, pk: int):
    """Close a banner for the current profile; back to the page it was closed on."""
    if request.profile is None or not announcements.announcement_dismiss(
            announcement_id=pk, user=request.user, profile=request.profile, language=request.LANGUAGE_CODE):
        raise Http404
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("notifications:news")
    return redirect(target)


def status_page(request):
    """The public status page: no sign-in, cacheable for half a minute (shared caches only for visitors)."""
    response = render(request, "notifications/status.html", status.status_page())
    patch_cache_control(response, max_age=30, **({"private": True} if request.user.is_authenticated
                                                  else {"public": True}))
    return response
