from django.urls import path

from reelhouse.notifications import views
from reelhouse.notifications.feeds import AnnouncementFeed

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/read/", views.mark_read, name="mark_read"),
    path("notifications/settings/", views.settings_page, name="settings"),
    path("news/", views.news, name="news"),
    path("status/", views.status_page, name="status"),
    path("news/feed.atom", AnnouncementFeed(), name="news_feed"),
    path("news/<int:pk>/dismiss/", views.announcement_dismiss, name="announcement_dismiss"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
