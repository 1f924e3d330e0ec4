"""Attach the active profile to every request of a signed-in user."""

from reelhouse.accounts.models import Profile

SESSION_KEY = "reelhouse_profile_id"


class ProfileMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.profile = _active_profile(request) if request.user.is_authenticated else None
        return self.get_response(request)


def _active_profile(request) -> Profile | None:
    profiles = request.user.profiles.all()
    if (pid := request.session.get(SESSION_KEY)) is not None and (p := profiles.filter(pk=pid).first()):
        return p
    return profiles.first()
