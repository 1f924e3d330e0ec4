"""Top-level URL map: plain, stable paths."""

from django.contrib import admin
from django.urls import include, path

from reelhouse.accounts import signin
from reelhouse.billing import views as billing_views
from reelhouse.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/login/", signin.admin_login),  # one sign-in path for everyone: ours, with its second step
    path("admin/", admin.site.urls),
    path("ops/ingest/", include("reelhouse.ingest.urls")),
    path("ops/dashboard/", include("reelhouse.backoffice.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("reelhouse.accounts.urls")),
    path("welcome/", billing_views.landing, name="landing"),
    path("help/", billing_views.help_page, name="help"),
    path("", include("reelhouse.billing.urls")),
    path("", include("reelhouse.playback.urls")),
    path("", include("reelhouse.catalog.urls")),
]
