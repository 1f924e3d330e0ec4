"""Signing in — the one way in for everyone, operators included (the admin's own login page sends here): the
password, then the authenticator code when two-step sign-in is on; operators' enrolment links; the security page.

Every password and code attempt is counted first (core/throttle.py): per account, per client address, and the
second step per account on its own counter, which re-entering the password does not reset."""

from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reelhouse.accounts import twofactor
from reelhouse.accounts.access import owner_required
from reelhouse.accounts.models import User
from reelhouse.accounts.views import SafeNextMixin
from reelhouse.core import throttle

PENDING_2FA = "reelhouse_pending_2fa"  # [user pk, where to go]: the password passed, the code is still to come
PENDING_ENROL = "reelhouse_pending_enrol"  # user pk: an operator's enrolment link and password passed
BACKEND = "django.contrib.auth.backends.ModelBackend"


def admin_login(request):
    """Django admin's own login page would sign an operator in with the password alone: it sends here instead."""
    query = request.GET.urlencode()
    return redirect(reverse("accounts:login") + (f"?{query}" if query else ""))


def password_attempt(request, email: str) -> throttle.Verdict:
    """Count a password attempt for this account and this client (refused when either is over its limit)."""
    return throttle.attempt_all((throttle.SIGNIN_CLIENT, throttle.client_address(request)),
                                (throttle.SIGNIN_ACCOUNT, email))


def password_passed(request, email: str) -> None:
    throttle.clear(throttle.SIGNIN_ACCOUNT, email)
    throttle.refund(throttle.SIGNIN_CLIENT, throttle.client_address(request))


class SignInView(SafeNextMixin, auth_views.LoginView):
    """Password first; then the authenticator code when two-step sign-in is on. Too many failures for an account or
    from one client address lock sign-in out for a while (the message says so, without telling whether the
    account exists)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        email = request.POST.get("username", "")
        verdict = password_attempt(request, email)
        if not verdict.allowed:  # not even checked: an unbound form, so no password hash runs
            form = self.form_class(request, initial={"username": email})
            return self.render_to_response(self.get_context_data(
                form=form, locked_out_minutes=verdict.retry_after_minutes), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        password_passed(self.request, self.request.POST.get("username", ""))
        if user.totp_enabled_at:
            self.request.session[PENDING_2FA] = [user.pk, self.get_success_url()]
            return redirect("accounts:login_2fa")
        if twofactor.is_operator(user) and twofactor.staff_require_2fa():
            # An operator who never set up two-step sign-in gets no session from the password alone.
            return self.render_to_response(self.get_context_data(form=form, enrol_needed=True), status=403)
        return super().form_valid(form)


def login_second_step(request):
    pending = request.session.get(PENDING_2FA)
    if not pending:
        return redirect("accounts:login")
    user = get_object_or_404(User, pk=pending[0], is_active=True)
    context = {}
    if request.method == "POST":
        verdict = throttle.attempt(throttle.SECOND_STEP, str(user.pk))
        if not verdict.allowed:
            del request.session[PENDING_2FA]  # the password has to be entered again, after the wait
            context["dropped"] = _("Too many wrong codes. Sign in again in %(minutes)d minutes.") % {
                "minutes": verdict.retry_after_minutes}
            return render(request, "accounts/login_2fa.html", context, status=429)
        if twofactor.second_factor_check(user=user, code=request.POST.get("code", "")):
            del request.session[PENDING_2FA]
            throttle.clear(throttle.SECOND_STEP, str(user.pk))
            login(request, user, backend=BACKEND)
            twofactor.session_mark_verified(request, user)
            return redirect(pending[1])
        if verdict.remaining == 0:
            del request.session[PENDING_2FA]
            context["dropped"] = _("That code is not right either. Sign in again to try more codes.")
            return render(request, "accounts/login_2fa.html", context, status=429)
        context["error"] = _("That code is not right. Enter the newest code from your app, or a recovery code.")
    return render(request, "accounts/login_2fa.html", context, status=400 if context else 200)


@owner_required
def security(request):
    """Two-step sign-in: set up with a QR code, confirm, see recovery codes once; turn off or move it to another
    app only with a current code or a recovery code."""
    user = request.user
    context = {"required": twofactor.is_operator(user) and twofactor.staff_require_2fa()}
    action = request.POST.get("action") if request.method == "POST" else None
    try:
        if action == "begin":
            context["secret"], context["qr_svg"] = twofactor.totp_begin(user=user)
        elif action == "confirm":
            context["recovery_codes"] = twofactor.totp_confirm(user=user, code=request.POST.get("code", ""))
            twofactor.session_mark_verified(request, user)
        elif action == "disable":
            twofactor.totp_disable(user=user, code=request.POST.get("code", ""))
        elif action == "reset":
            context["secret"], context["qr_svg"] = twofactor.totp_reset(user=user, code=request.POST.get("code", ""))
    except twofactor.TwoFactorError as exc:
        context["error"] = str(exc)
        if action == "confirm" and user.totp_secret:
            context["secret"] = twofactor.totp_secret(user)
    user.refresh_from_db()
    context["enabled"] = bool(user.totp_enabled_at)
    context["codes_left"] = user.recovery_codes.filter(used_at__isnull=True).count()
    return render(request, "accounts/security.html", context, status=400 if "error" in context else 200)


def enrol(request, uidb64: str, token: str):
    """An operator's one-time enrolment link: the password, then a new authenticator app (opening the link alone
    changes nothing, so a mail scanner that follows it spends nothing)."""
    user = twofactor.enrolment_user(uidb64, token)
    if user is None:
        return render(request, "accounts/enrol.html", {"invalid": True}, status=400)
    context = {"enrol_user": user}
    if request.method == "POST":
        verdict = password_attempt(request, user.email)
        if not verdict.allowed:
            context["error"] = _("Too many failed attempts. Wait %(minutes)d minutes, then try again.") % {
                "minutes": verdict.retry_after_minutes}
            return render(request, "accounts/enrol.html", context, status=429)
        if not user.check_password(request.POST.get("password", "")):
            context["error"] = _("That password is not right.")
            return render(request, "accounts/enrol.html", context, status=400)
        password_passed(request, user.email)
        logout(request)  # whoever was signed in in this browser
        context["secret"], context["qr_svg"] = twofactor.totp_begin(user=user)  # the link is spent from here
        request.session[PENDING_ENROL] = user.pk
    return render(request, "accounts/enrol.html", context)


@require_POST
def enrol_confirm(request):
    """The first code from the new app: two-step sign-in is on, and this browser is signed in with both steps."""
    pk = request.session.get(PENDING_ENROL)
    if pk is None:
        return render(request, "accounts/enrol.html", {"invalid": True}, status=400)
    user = get_object_or_404(User, pk=pk, is_active=True)
    context = {"enrol_user": user}
    verdict = throttle.attempt(throttle.SECOND_STEP, str(user.pk))
    if not verdict.allowed:
        del request.session[PENDING_ENROL]
        context["error"] = _("Too many wrong codes. Ask for a new enrolment link in %(minutes)d minutes.") % {
            "minutes": verdict.retry_after_minutes}
        return render(request, "accounts/enrol.html", context, status=429)
    try:
        codes = twofactor.totp_confirm(user=user, code=request.POST.get("code", ""))
    except twofactor.TwoFactorError as exc:
        context.update(error=str(exc), secret=twofactor.totp_secret(user), confirming=True)
        return render(request, "accounts/enrol.html", context, status=400)
    throttle.clear(throttle.SECOND_STEP, str(user.pk))
    del request.session[PENDING_ENROL]
    login(request, user, backend=BACKEND)
    twofactor.session_mark_verified(request, user)
    return render(request, "accounts/enrol.html", {"enrol_user": user, "recovery_codes": codes})
