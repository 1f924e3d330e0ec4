from django.urls import path

from reelhouse.support import desk_views, views

app_name = "support"
urlpatterns = [
    path("", views.my_requests, name="mine"),
    path("new/", views.new_request, name="new"),
    path("suggest.json", views.suggest, name="suggest"),
    path("file/<int:pk>/", views.attachment, name="attachment"),
    path("rate/<str:token>/", views.rate, name="rate"),
    path("desk/", desk_views.queue, name="desk"),
    path("desk/sla/", desk_views.sla_page, name="sla"),
    path("desk/sla.svg", desk_views.sla_svg, name="sla_svg"),
    path("desk/sla.csv", desk_views.sla_csv, name="sla_csv"),
    path("desk/mail/<int:pk>.eml", desk_views.raw_mail, name="raw_mail"),
    path("desk/<str:reference>/", desk_views.ticket, name="desk_ticket"),
    path("<str:reference>/", views.ticket, name="ticket"),
]
