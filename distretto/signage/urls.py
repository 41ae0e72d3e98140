from django.urls import path

from distretto.signage import views

app_name = "signage"
urlpatterns = [
    path("", views.display_list, name="displays"),
    path("displays/state/", views.display_state, name="display_state"),
    path("displays/map.geojson", views.display_geojson, name="display_geojson"),
    path("displays/<int:display_id>/", views.display_detail, name="display"),
    path("displays/<int:display_id>/live/", views.display_live, name="display_live"),
    path("alerts/", views.alert_feeds, name="alerts"),
    path("groups/", views.group_list, name="groups"),
    path("contents/", views.content_list, name="contents"),
    path("contents/<int:content_id>/", views.content_detail, name="content"),
    path("media/", views.media_list, name="media"),
    path("reports/", views.report, name="reports"),
    path("player/", views.player, name="player"),
    path("player/sw.js", views.service_worker, name="service_worker"),
]
