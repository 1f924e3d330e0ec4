from django.urls import path

from reelhouse.notifications import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/read/", views.mark_read, name="mark_read"),
    path("notifications/settings/", views.settings_page, name="settings"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
