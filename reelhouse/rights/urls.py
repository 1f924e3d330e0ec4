from django.urls import path

from reelhouse.rights import views

app_name = "rights"
urlpatterns = [
    path("legal/notice/", views.notice_form, name="notice"),
    path("legal/counter-notice/", views.counter_notice_form, name="counter_notice"),
    path("legal/repeat-infringers/", views.repeat_infringers, name="repeat_infringers"),
    path("legal/transparency/", views.transparency, name="transparency"),
    path("legal/transparency.svg", views.transparency_svg, name="transparency_svg"),
    path("legal/transparency.csv", views.transparency_csv, name="transparency_csv"),
    path("api/rights/notices", views.trusted_notice, name="trusted_notice"),
]
