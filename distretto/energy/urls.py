from django.urls import path

from distretto.energy import views

app_name = "energy"
urlpatterns: list = [
    path("", views.site_list, name="sites"),
    path("my-unit/", views.my_unit, name="my_unit"),
    path("sites/new/", views.registry_site_new, name="site_new"),
    path("sites/<int:site_id>/", views.site_dashboard, name="site"),
    path("sites/<int:site_id>/edit/", views.registry_site_edit, name="site_edit"),
    path("sites/<int:site_id>/registry/", views.registry_page, name="registry"),
    path("sites/<int:site_id>/gateways/", views.gateways_page, name="gateways"),
    path("sites/<int:site_id>/export/<slug:chart>.csv", views.site_export, name="site_export"),
    path("sites/<int:site_id>/rejections/", views.rejections_page, name="rejections"),
    path("sites/<int:site_id>/upload/", views.upload_readings, name="upload"),
    path("anomalies/<int:anomaly_id>/acknowledge/", views.acknowledge_anomaly, name="acknowledge"),
    path("units/<int:unit_id>/", views.unit_page, name="unit"),
    path("units/<int:unit_id>/edit/", views.registry_unit_edit, name="unit_edit"),
    path("meters/<int:meter_id>/", views.meter_page, name="meter"),
    path("meters/<int:meter_id>/edit/", views.registry_meter_edit, name="meter_edit"),
]

from distretto.energy.allocation_urls import urlpatterns as allocation_pages  # noqa: E402

urlpatterns += allocation_pages
