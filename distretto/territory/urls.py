from django.urls import path

from distretto.territory import views

app_name = "territory"
urlpatterns = [
    path("d/<slug:slug>/", views.district_page, name="district"),
    path(
        "d/<slug:slug>/businesses.geojson",
        views.district_businesses_geojson,
        name="district_geojson",
    ),
    path("projects/", views.project_map, name="project_map"),
    path("projects.geojson", views.projects_geojson, name="projects_geojson"),
    path("businesses/", views.business_list, name="business_list"),
    path("import/", views.import_csv, name="import"),
]
