from django.urls import path

from reelhouse.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search_page, name="search"),
    path("search.json", views.search_json, name="search_json"),
    path("browse/<slug:kind>/", views.browse, name="browse"),
    path("calendar/", views.calendar, name="calendar"),
    path("series/<slug:slug>/", views.series_detail, name="series"),
    path("series/<slug:slug>/follow", views.series_follow, name="follow"),
    path("films/<slug:slug>/", views.film_detail, name="film"),
    path("my-list/", views.my_list_page, name="my_list"),
    path("my-list/<slug:kind>/<slug:slug>", views.my_list_toggle, name="my_list_toggle"),
    path("genres/<slug:slug>/", views.genre_page, name="genre"),
    path("artwork/<path:path>", views.artwork, name="artwork"),
]
