from django.urls import path

from reelhouse.helpcentre import views

app_name = "helpcentre"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("articles/<slug:slug>/", views.article, name="article"),
    path("articles/<slug:slug>/helpful/", views.vote, name="vote"),
]
