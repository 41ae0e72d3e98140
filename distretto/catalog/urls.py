from django.urls import path

from distretto.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.search, name="search"),
    path("near/", views.near_me, name="near"),
    path("v/<int:venue_id>/", views.venue_page, name="venue"),
    path("v/<int:venue_id>/kiosk/", views.kiosk, name="kiosk"),
    path("p/<slug:slug>/", views.product_page, name="product"),
    path("s/<slug:code>/", views.service_page, name="service"),
    path("products.csv", views.export_products, name="export"),
    path("manage/", views.manage, name="manage"),
    path("manage/v/<int:venue_id>/", views.manage_venue, name="manage_venue"),
    path("manage/import/", views.import_products, name="import"),
]
