from django.urls import path

from reelhouse.playback import views

app_name = "playback"
urlpatterns = [
    path("watch/<int:work_id>/", views.watch, name="watch"),
    path("watch/session/<uuid:session_id>/heartbeat", views.heartbeat, name="heartbeat"),
    path("stream/<str:sig>/<int:expires>/<uuid:session_id>/<int:asset_id>/<path:path>", views.stream,
         name="stream"),
]
