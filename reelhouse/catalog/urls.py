from django.urls import path

from reelhouse.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("series/<slug:slug>/", views.series_detail, name="series"),
    path("films/<slug:slug>/", views.film_detail, name="film"),
    path("artwork/<path:path>", views.artwork, name="artwork"),
]
