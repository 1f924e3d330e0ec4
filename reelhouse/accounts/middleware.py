"""Attach the active profile to every request of a signed-in user, and speak its language when it has one."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from reelhouse.accounts.models import Profile

SESSION_KEY = "reelhouse_profile_id"
# Pages that work without a chosen profile (choosing one, signing in or out, the back office, segments).
NO_PROFILE_NEEDED = ("/accounts/", "/i18n/", "/admin/", "/ops/", "/static/", "/stream/", "/download/", "/healthz",
                     "/readyz", "/metrics", "/billing/stripe/", "/welcome/", "/help/", "/u/", "/sw.js",
                     "/manifest.webmanifest", "/offline/", "/downloads/", "/api/", "/news/", "/status/")
# Paths whose views decide access by a signed key of their own, never by who is signed in: a stream's segments, a
# download's file, a playback session's heartbeat and leaving beacon (playback.signing). Nothing here reads the user
# for them: no session, user or profile query on the requests an evening's viewers make every few seconds.
OWN_KEY_PATHS = ("/stream/", "/download/", "/watch/session/")


class ProfileMiddleware:
    """Runs after LocaleMiddleware: a profile's own language wins over the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(OWN_KEY_PATHS):
            request.profile = None
            return self.get_response(request)
        request.profile = _active_profile(request) if request.user.is_authenticated else None
        if (request.user.is_authenticated and request.profile is None
                and not request.path.startswith(NO_PROFILE_NEEDED)):
            # Every profile is locked: the viewer says who is watching (with the PIN) first.
            return redirect(reverse("accounts:profiles") + "?" + urlencode({"next": request.get_full_path()}))
        if request.profile is not None and request.profile.language:
            translation.activate(request.profile.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


def profile_activate(request, profile: Profile) -> None:
    from reelhouse.accounts.access import owner_confirmation_forget

    if request.session.get(SESSION_KEY) != profile.pk:
        owner_confirmation_forget(request)  # an owner's confirmation belongs to the profile it was given in
    request.session[SESSION_KEY] = profile.pk
    request.profile = profile


def _active_profile(request) -> Profile | None:
    profiles = request.user.profiles.all()
    if (pid := request.session.get(SESSION_KEY)) is not None and (p := profiles.filter(pk=pid).first()):
        return p
    # No choice made yet: the first profile without a lock (a locked one is only entered with its PIN).
    return profiles.filter(pin_hash="").first()


class StaffTwoFactorMiddleware:
    """Every request of an operator, on any path, comes from a session that passed the second step (when
    REELHOUSE_STAFF_REQUIRE_2FA is on) and began less than REELHOUSE_STAFF_SESSION_SECONDS ago; otherwise that
    session ends here and the operator signs in again. Runs before anything else looks at the user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib.auth import logout

        from reelhouse.accounts import twofactor

        if request.path.startswith(OWN_KEY_PATHS):
            return self.get_response(request)  # no session of the user's is used: its own key decides
        if twofactor.is_operator(request.user) and (
                twofactor.staff_session_expired(request)
                or (twofactor.staff_require_2fa() and not twofactor.session_verified(request))):
            logout(request)
            return redirect(reverse("accounts:login") + "?" + urlencode({"next": request.get_full_path()}))
        return self.get_response(request)
