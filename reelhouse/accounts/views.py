"""Profile pages: who is watching, add, edit, delete. Thin: forms validate, services write."""

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reelhouse.accounts import access, services
from reelhouse.accounts.access import owner_required
from reelhouse.accounts.forms import AccountPasswordResetForm, PinForm, ProfileForm, SignupForm
from reelhouse.accounts.middleware import profile_activate
from reelhouse.core import throttle
from reelhouse.core.http import safe_next, site_url


def _next(request) -> str:
    return safe_next(request)


@login_required
def profile_picker(request):
    """Who's watching? With a single unlocked profile there is nothing to choose."""
    profiles = list(request.user.profiles.all())
    if len(profiles) == 1 and not profiles[0].is_locked and "choose" not in request.GET:
        profile_activate(request, profiles[0])
        return redirect(_next(request))
    return render(request, "accounts/profiles.html", {"profiles": profiles, "next": _next(request)})


@login_required
def profile_enter(request, profile_id: int):
    profile = get_object_or_404(request.user.profiles, pk=profile_id)
    if not profile.is_locked:
        if request.method != "POST":
            return redirect("accounts:profiles")
        profile_activate(request, profile)
        return redirect(_next(request))
    form = PinForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        # Counted before the check (core/throttle.py), so parallel guesses cannot all slip past the limit.
        if not throttle.attempt(throttle.PROFILE_PIN, f"profile:{profile.pk}").allowed:
            error = _("Too many wrong PINs. Try again in 15 minutes, or remove the lock from the account owner's "
                      "profile.")
        elif services.profile_pin_ok(profile=profile, pin=form.cleaned_data["pin"]):
            throttle.clear(throttle.PROFILE_PIN, f"profile:{profile.pk}")
            profile_activate(request, profile)
            return redirect(_next(request))
        else:
            error = _("That PIN is not right.")
    return render(request, "accounts/profile_pin.html", {"profile": profile, "form": form, "error": error,
                                                         "next": _next(request)}, status=403 if error else 200)


@login_required
def owner_confirm(request):
    """The account password (or the owner profile's PIN) opens the owner's pages to this profile for a short while."""
    if request.profile is not None and request.profile.is_kids:
        return render(request, "accounts/owner_required.html", {"kids": True}, status=403)
    owner = request.user.profiles.filter(is_owner=True).first()
    error = None
    if request.method == "POST":
        # The account password or the owner's PIN: counted before the check, with the account's password guesses
        # and this client's (core/throttle.py), so a household member cannot guess either in parallel.
        if not throttle.attempt_all((throttle.SIGNIN_CLIENT, throttle.client_address(request)),
                                    (throttle.SIGNIN_ACCOUNT, request.user.email),
                                    (throttle.PROFILE_PIN, f"owner-confirm:{request.user.pk}")).allowed:
            error = _("Too many wrong attempts. Try again in 15 minutes, or switch to the account owner's profile.")
        elif (request.user.check_password(request.POST.get("password", ""))
              or (owner is not None and owner.is_locked and request.POST.get("pin")
                  and services.profile_pin_ok(profile=owner, pin=request.POST["pin"]))):
            throttle.clear(throttle.PROFILE_PIN, f"owner-confirm:{request.user.pk}")
            throttle.clear(throttle.SIGNIN_ACCOUNT, request.user.email)
            throttle.refund(throttle.SIGNIN_CLIENT, throttle.client_address(request))
            access.owner_confirmed(request)
            return redirect(_next(request))
        else:
            error = _("That is not the account password or the owner's PIN.")
    return render(request, "accounts/owner_confirm.html", {
        "owner": owner, "owner_pin": owner is not None and owner.is_locked, "error": error, "next": _next(request),
        "minutes": access.OWNER_CONFIRM_SECONDS // 60}, status=403 if error else 200)


@owner_required
def profile_new(request):
    form = ProfileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            profile = services.profile_create(user=request.user, name=data["name"], is_kids=data["is_kids"],
                                              max_maturity=data["max_maturity"], pin=data["pin"],
                                              language=data["language"])
            services.profile_playback_preferences_set(profile=profile, audio_language=data["audio_language"],
                                                      subtitle_language=data["subtitle_language"])
            return redirect("accounts:profiles_manage")
        except services.ProfileError as exc:
            form.add_error(None, str(exc))
    return render(request, "accounts/profile_form.html", {"form": form, "profile": None})


@owner_required
def profile_edit(request, profile_id: int):
    profile = get_object_or_404(request.user.profiles, pk=profile_id)
    initial = {"name": profile.name, "is_kids": profile.is_kids, "max_maturity": profile.max_maturity,
               "language": profile.language, "audio_language": profile.audio_language,
               "subtitle_language": profile.subtitle_language}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        pin = "" if data["remove_pin"] else (data["pin"] or None)
        try:
            services.profile_update(profile=profile, name=data["name"], is_kids=data["is_kids"],
                                    max_maturity=data["max_maturity"], language=data["language"], pin=pin)
            services.profile_playback_preferences_set(profile=profile, audio_language=data["audio_language"],
                                                      subtitle_language=data["subtitle_language"])
            return redirect("accounts:profiles_manage")
        except services.ProfileError as exc:
            form.add_error(None, str(exc))
    return render(request, "accounts/profile_form.html", {"form": form, "profile": profile})


@owner_required
@require_POST
def profile_delete(request, profile_id: int):
    profile = get_object_or_404(request.user.profiles, pk=profile_id)
    try:
        services.profile_delete(profile=profile)
    except services.ProfileError as exc:
        return render(request, "accounts/profiles_manage.html",
                      {"profiles": request.user.profiles.all(), "error": str(exc)}, status=400)
    return redirect("accounts:profiles_manage")


@owner_required
def profiles_manage(request):
    return render(request, "accounts/profiles_manage.html", {"profiles": request.user.profiles.all()})


def signup(request):
    """Create an account and mail the confirmation link. The answer is the same page whether or not the address is
    already registered (its owner is mailed instead), so the form cannot be used to learn who has an account."""
    if request.user.is_authenticated:
        return redirect("catalog:home")
    region = (translation.get_language_from_request(request) or "").partition("-")[2].upper()
    form = SignupForm(request.POST or None, initial={"country": region or "US"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        verdict = throttle.mail_attempt(request, data["email"])
        if not verdict.allowed:
            form.add_error(None, _too_many(verdict))
            return render(request, "accounts/signup.html", {"form": form, "next": _next(request)}, status=429)
        try:
            services.signup_request(email=data["email"], password=data["password"], country=data["country"],
                                    language=translation.get_language(), base_url=site_url(request))
        except services.SignupError as exc:
            form.add_error(None, str(exc))
        else:
            return render(request, "accounts/signup_sent.html", {"email": data["email"], "next": _next(request)})
    return render(request, "accounts/signup.html", {"form": form, "next": _next(request)})


def _too_many(verdict) -> str:
    return _("Too many requests from here or for this address. Try again in %(minutes)d minutes.") % {
        "minutes": verdict.retry_after_minutes}


def verify_email(request, token: str):
    try:
        user = services.email_verify(token=token)
    except services.SignupError as exc:
        return render(request, "accounts/verified.html", {"error": str(exc)}, status=400)
    return render(request, "accounts/verified.html", {"verified_user": user})


@login_required
@require_POST
def verify_email_resend(request):
    verdict = throttle.mail_attempt(request, request.user.email)
    if not verdict.allowed:
        return render(request, "accounts/verified.html", {"error": _too_many(verdict)}, status=429)
    services.email_verification_send(user=request.user, base_url=site_url(request))
    return render(request, "accounts/verified.html", {"resent": True})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by mail (the same answer for unknown addresses), rate-limited per address and per client; the
    mailed link starts with site_url(): REELHOUSE_SITE_URL, else the request's own scheme and host (https behind
    the TLS proxy)."""

    form_class = AccountPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email_password_reset.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        verdict = throttle.mail_attempt(self.request, form.cleaned_data["email"])
        if not verdict.allowed:
            form.add_error("email", _too_many(verdict))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        self.extra_email_context = {"site": site_url(self.request)}
        return super().form_valid(form)


class SafeNextMixin:
    """Django's sign-in and sign-out views ask this for their `next`: the one shared check (core.http.safe_next)."""

    def get_redirect_url(self):
        name = self.redirect_field_name
        return safe_next(self.request, self.request.POST.get(name, self.request.GET.get(name, "")), default="")


class SignOutView(SafeNextMixin, auth_views.LogoutView):
    pass


@owner_required
@require_POST
def sign_out_everywhere(request):
    services.sessions_end_everywhere(user=request.user)
    update_session_auth_hash(request, request.user)  # this browser stays signed in
    messages.success(request, _("Every other device is signed out."))
    return redirect("accounts:privacy")


@owner_required
def privacy(request):
    """Your data: export it, sign out everywhere, close the account."""
    error = None
    if request.method == "POST":
        try:
            services.account_delete(user=request.user, password=request.POST.get("password", ""))
        except services.ProfileError as exc:
            error = str(exc)
        else:
            logout(request)
            return render(request, "accounts/deleted.html")
    return render(request, "accounts/privacy.html", {"error": error}, status=400 if error else 200)


@owner_required
def export(request):
    data = services.account_export(user=request.user)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = 'attachment; filename="reelhouse-account.json"'
    return response
