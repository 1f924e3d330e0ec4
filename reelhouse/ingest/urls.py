from django.urls import path

from reelhouse.ingest import views

app_name = "ingest"
urlpatterns = [
    path("missing", views.missing, name="missing"),
    path("missing.ics", views.missing_ics, name="missing_ics"),
    path("calendar", views.calendar, name="calendar"),
    path("calendar.ics", views.calendar_ics, name="calendar_ics"),
]
