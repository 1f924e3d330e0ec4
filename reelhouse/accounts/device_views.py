"""TV sign-in with a code (RFC 8628) over HTTP: the TV page and the two protocol endpoints; /activate, where a
person approves a TV from a phone; and the account's devices, revocable."""

import segno
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from reelhouse.accounts import devicegrant
from reelhouse.accounts.access import owner_refusal, owner_required
from reelhouse.accounts.middleware import profile_activate
from reelhouse.core import throttle

TV_DEVICE_CODE = "reelhouse_tv_device_code"  # session key: the device code the web TV page in this browser holds
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _activate_urls(request, user_code: str) -> tuple[str, str]:
    uri = request.build_absolute_uri(reverse("activate"))
    return uri, f"{uri}?code={user_code}"


def _no_store(response):
    response["Cache-Control"] = "no-store"  # RFC 6749 §5.1: codes and tokens are never cached
    return response


@never_cache
def tv(request):
    """The TV's sign-in page: a code, the address to type it at, a QR code of both; tv_signin.js polls."""
    if request.user.is_authenticated:
        return redirect("catalog:home")
    issued = devicegrant.device_authorization_request(
        client_name=request.headers.get("User-Agent", ""), for_browser=True)
    request.session[TV_DEVICE_CODE] = issued.device_code
    uri, uri_complete = _activate_urls(request, issued.user_code)
    return render(request, "accounts/tv_signin.html", {
        "issued": issued, "verification_uri": uri,
        "qr_svg": segno.make(uri_complete, error="m").svg_inline(scale=6, dark="#000", light="#fff"),
    })


@csrf_exempt  # an OAuth endpoint for clients without cookies (RFC 8628 §3.1); it grants nothing by itself
@require_POST
def device_authorization(request):
    issued = devicegrant.device_authorization_request(client_name=request.headers.get("User-Agent", ""))
    uri, uri_complete = _activate_urls(request, issued.user_code)
    return _no_store(JsonResponse({
        "device_code": issued.device_code, "user_code": issued.user_code, "verification_uri": uri,
        "verification_uri_complete": uri_complete, "expires_in": issued.expires_in, "interval": issued.interval}))


@csrf_exempt  # RFC 8628 §3.4; a browser sign-in only reaches the session that asked for its code (below)
@require_POST
def device_token(request):
    """Pending, slow down, denied, expired — or the sign-in: a bearer token for a client, a session for the web TV
    page (only when this browser's own session holds the device code, so no page can sign another browser in)."""
    if request.POST.get("grant_type") != devicegrant.GRANT_TYPE:
        return _no_store(JsonResponse({"error": "unsupported_grant_type", "error_description":
                                       f"grant_type must be {devicegrant.GRANT_TYPE}"}, status=400))
    device_code = request.POST.get("device_code", "")
    browser_bound = bool(device_code) and request.session.get(TV_DEVICE_CODE) == device_code
    try:
        granted = devicegrant.device_token_poll(device_code=device_code, browser_bound=browser_bound)
    except devicegrant.DeviceGrantError as exc:
        return _no_store(JsonResponse({"error": exc.code, "error_description": str(exc)}, status=400))
    if not browser_bound:
        return _no_store(JsonResponse({"access_token": granted.access_token, "token_type": "Bearer",
                                       "profile_id": granted.device.profile_id}))
    login(request, granted.device.user, backend=BACKEND)  # a new session key: the TV's own
    profile_activate(request, granted.device.profile)
    request.session.save()
    devicegrant.device_session_bind(device=granted.device, session_key=request.session.session_key)
    return _no_store(JsonResponse({"signed_in": True, "next": reverse("catalog:home")}))


def _profiles_to_offer(request):
    """Any profile of the account for whoever may manage it; otherwise only the profile in use (a kids profile
    cannot sign a TV in as an adult)."""
    if owner_refusal(request) is None:
        return list(request.user.profiles.all())
    return [request.profile] if request.profile is not None else []


@login_required
@never_cache
def activate(request):
    """Type the code the TV shows, choose who watches there, approve or decline. Every code entered counts against
    the account's and the address's limits, so guessing codes soon stops."""
    context = {"code": request.GET.get("code", "")}
    if request.method != "POST":
        return render(request, "accounts/activate.html", context)
    code = request.POST.get("code", "")
    context["code"] = code
    checks = ((throttle.DEVICE_CODE_CLIENT, throttle.client_address(request)),
              (throttle.DEVICE_CODE_ACCOUNT, str(request.user.pk)))
    verdict = throttle.attempt_all(*checks)
    if not verdict.allowed:
        context["error"] = _("Too many codes tried. Wait %(minutes)d minutes, then try again.") % {
            "minutes": verdict.retry_after_minutes}
        return render(request, "accounts/activate.html", context, status=429)
    authorization = devicegrant.pending_for_user_code(code)
    if authorization is None:
        context["error"] = _("That code is not right, or it expired. Check the code on the TV screen; if it has "
                             "gone, ask the TV for a new one.")
        return render(request, "accounts/activate.html", context, status=400)
    for rule, identity in checks:  # a right code gives its attempt back: only wrong guesses fill the limit
        throttle.refund(rule, identity)
    profiles = _profiles_to_offer(request)
    decision = request.POST.get("decision")
    if decision not in ("approve", "deny"):
        return render(request, "accounts/activate_confirm.html", {"code": code, "profiles": profiles,
                                                                  "client_name": authorization.client_name})
    profile = next((p for p in profiles if str(p.pk) == request.POST.get("profile")), None)
    if decision == "approve" and profile is None:
        return render(request, "accounts/activate_confirm.html", {
            "code": code, "profiles": profiles, "client_name": authorization.client_name,
            "error": _("Choose who will watch on the TV.")}, status=400)
    try:
        devicegrant.device_authorization_decide(authorization=authorization, user=request.user, profile=profile,
                                                approve=decision == "approve")
    except devicegrant.DeviceGrantError:
        context["error"] = _("That code expired. Ask the TV for a new one.")
        return render(request, "accounts/activate.html", context, status=400)
    return render(request, "accounts/activate_done.html", {"approved": decision == "approve", "profile": profile})


@owner_required
def devices(request):
    """The TVs and apps signed in with a code; each can be signed out."""
    return render(request, "accounts/devices.html", {"devices": devicegrant.devices_of(user=request.user)})


@owner_required
@require_POST
def device_revoke(request, device_id: int):
    device = get_object_or_404(request.user.devices.filter(revoked_at__isnull=True), pk=device_id)
    devicegrant.device_revoke(device=device, actor=request.user)
    return redirect("accounts:devices")
