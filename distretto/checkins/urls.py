from django.urls import path

from distretto.checkins import views

app_name = "checkins"
urlpatterns = [
    path("", views.manage, name="manage"),
    path("setup/", views.setup, name="setup"),
    path("d/<int:district_id>/venues.geojson", views.venues_geojson, name="venues_geojson"),
    path("points/<int:point_id>/screen/", views.screen, name="screen"),
    path("v/<int:point_id>/", views.checkin_page, name="checkin"),
    path("v/<int:point_id>/qr.png", views.qr, name="qr"),
    path("my-passport/<int:card_id>/", views.my_passport, name="my_passport"),
    path(
        "my-passport/<int:card_id>/stamps.geojson",
        views.my_passport_geojson,
        name="my_passport_geojson",
    ),
    path("p/<str:token>/", views.passport_page, name="passport"),
    path("p/<str:token>/stamps.geojson", views.passport_geojson, name="passport_geojson"),
]
