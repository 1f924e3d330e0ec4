"""Top-level URL map: plain, stable paths."""

from django.contrib import admin
from django.urls import include, path

from reelhouse.accounts import device_views, signin
from reelhouse.api.v1 import api
from reelhouse.core import views as core_views
from reelhouse.core import webapp
from reelhouse.web import views as web_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", core_views.metrics_view, name="metrics"),
    # The installable app: manifest, service worker (at the root: its scope is the whole site), offline screen.
    path("manifest.webmanifest", webapp.manifest, name="manifest"),
    path("sw.js", webapp.service_worker, name="service_worker"),
    path("offline/", webapp.offline, name="offline"),
    path("admin/login/", signin.admin_login),  # one sign-in path for everyone: ours, with its second step
    path("csp-report/", core_views.csp_report, name="csp_report"),
    path("admin/", admin.site.urls),
    path("ops/ingest/", include("reelhouse.ingest.urls")),
    path("ops/dashboard/", include("reelhouse.backoffice.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("reelhouse.accounts.urls")),
    # TV sign-in with a code (RFC 8628): the TV's page, its two protocol endpoints, and where a phone approves it.
    path("tv/", device_views.tv, name="tv"),
    path("device/", device_views.tv),
    path("device/code", device_views.device_authorization, name="device_authorization"),
    path("device/token", device_views.device_token, name="device_token"),
    path("activate", device_views.activate, name="activate"),
    path("api/v1/", api.urls),  # the public API (docs/api.md); its OpenAPI document is /api/v1/openapi.json
    path("welcome/", web_views.landing, name="landing"),
    path("help/", web_views.help_page, name="help"),
    path("help/", include("reelhouse.helpcentre.urls")),
    path("support/", include("reelhouse.support.urls")),
    path("", include("reelhouse.notifications.urls")),
    path("", include("reelhouse.rights.urls")),
    path("", include("reelhouse.billing.urls")),
    path("", include("reelhouse.playback.urls")),
    path("", include("reelhouse.catalog.urls")),
]
