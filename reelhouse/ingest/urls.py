from django.urls import path

from reelhouse.ingest import views

app_name = "ingest"
urlpatterns = [
    path("missing", views.missing, name="missing"),
    path("missing.ics", views.missing_ics, name="missing_ics"),
    path("calendar", views.calendar, name="calendar"),
    path("calendar.ics", views.calendar_ics, name="calendar_ics"),
    path("links", views.calendar_links, name="calendar_links"),
    path("provenance", views.provenance, name="provenance"),
    path("links/<int:pk>/revoke", views.calendar_link_revoke, name="calendar_link_revoke"),
    path("links/<str:token>/missing.ics", views.missing_ics_link, name="missing_ics_link"),
    path("links/<str:token>/calendar.ics", views.calendar_ics_link, name="calendar_ics_link"),
]
