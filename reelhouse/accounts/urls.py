from django.contrib.auth import views as auth_views
from django.urls import path

from reelhouse.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html", redirect_authenticated_user=True),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profiles/", views.profile_picker, name="profiles"),
    path("profiles/manage/", views.profiles_manage, name="profiles_manage"),
    path("profiles/new/", views.profile_new, name="profile_new"),
    path("profiles/<int:profile_id>/enter/", views.profile_enter, name="profile_enter"),
    path("profiles/<int:profile_id>/edit/", views.profile_edit, name="profile_edit"),
    path("profiles/<int:profile_id>/delete/", views.profile_delete, name="profile_delete"),
]
