from django.urls import path

from reelhouse.backoffice import views

app_name = "backoffice"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("revenue/", views.revenue, name="revenue"),
    path("<slug:key>.svg", views.figure_svg, name="figure_svg"),
    path("<slug:key>.csv", views.figure_csv, name="figure_csv"),
]
