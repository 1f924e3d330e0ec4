from django.urls import path

from reelhouse.rights import views

app_name = "rights"
urlpatterns = [
    path("legal/notice/", views.notice_form, name="notice"),
    path("api/rights/notices", views.trusted_notice, name="trusted_notice"),
]
