from django.urls import path

from reelhouse.playback import app_downloads, views

app_name = "playback"
urlpatterns = [
    path("watch/<int:work_id>/", views.watch, name="watch"),
    path("watch/<int:work_id>/start", views.watch_start, name="start"),
    path("watch/<int:work_id>/error", views.watch_error, name="error"),
    path("watch/session/<uuid:session_id>/<str:key>/heartbeat", views.heartbeat, name="heartbeat"),
    path("watch/session/<uuid:session_id>/<str:key>/leave", views.leave, name="leave"),
    path("watch/preferences", views.preferences, name="preferences"),
    path("stream/<str:sig>/<int:expires>/<uuid:session_id>/<int:asset_id>/<path:path>", views.stream,
         name="stream"),
    path("stream/<path:rest>", views.stream_unsigned),
    path("watch/<int:work_id>/download/", views.download_start, name="download_start"),
    path("watch/<int:work_id>/download/app", app_downloads.app_download_start, name="app_download_start"),
    path("app/downloads/<uuid:download_id>/", app_downloads.app_download_status, name="app_download_status"),
    path("app/downloads/<uuid:download_id>/progress", app_downloads.app_download_progress,
         name="app_download_progress"),
    path("app/downloads/<uuid:download_id>/files/<path:name>", app_downloads.app_download_extra,
         name="app_download_extra"),
    path("app/downloads/<uuid:download_id>/release", app_downloads.app_download_release,
         name="app_download_release"),
    path("downloads/", app_downloads.downloads_page, name="app_downloads"),
    path("account/downloads/<uuid:download_id>/", views.download_again, name="download_again"),
    path("account/downloads/<uuid:download_id>/revoke/", views.download_revoke, name="download_revoke"),
    path("download/<str:sig>/<int:expires>/<uuid:download_id>/<str:label>.mp4", views.download_file,
         name="download_file"),
    path("download/<path:rest>", views.download_unsigned),
]
