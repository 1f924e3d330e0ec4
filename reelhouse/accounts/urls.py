from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from reelhouse.accounts import device_views, signin, views
from reelhouse.accounts.access import owner_required

app_name = "accounts"
urlpatterns = [
    path("login/", signin.SignInView.as_view(), name="login"),
    path("login/code/", signin.login_second_step, name="login_2fa"),
    path("security/", signin.security, name="security"),
    path("enrol/confirm/", signin.enrol_confirm, name="enrol_confirm"),
    path("enrol/<uidb64>/<token>/", signin.enrol, name="enrol"),
    path("devices/", device_views.devices, name="devices"),
    path("devices/<int:device_id>/revoke/", device_views.device_revoke, name="device_revoke"),
    path("privacy/", views.privacy, name="privacy"),
    path("privacy/export/", views.export, name="export"),
    path("sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("password/", owner_required(auth_views.PasswordChangeView.as_view(
        template_name="accounts/password_change.html", success_url=reverse_lazy("accounts:password_changed"))),
        name="password_change"),
    path("password/changed/", auth_views.PasswordChangeDoneView.as_view(
        template_name="accounts/password_changed.html"), name="password_changed"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("verify/<str:token>/", views.verify_email, name="verify"),
    path("verify-again/", views.verify_email_resend, name="verify_resend"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="accounts/password_reset_done.html"), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html", success_url=reverse_lazy("accounts:login")),
        name="password_reset_confirm"),
    path("profiles/", views.profile_picker, name="profiles"),
    path("owner/", views.owner_confirm, name="owner_confirm"),
    path("profiles/manage/", views.profiles_manage, name="profiles_manage"),
    path("profiles/new/", views.profile_new, name="profile_new"),
    path("profiles/<int:profile_id>/enter/", views.profile_enter, name="profile_enter"),
    path("profiles/<int:profile_id>/edit/", views.profile_edit, name="profile_edit"),
    path("profiles/<int:profile_id>/delete/", views.profile_delete, name="profile_delete"),
]
