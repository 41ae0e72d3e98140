from django.urls import path

from distretto.multiservice import views

app_name = "multiservice"
urlpatterns = [
    path("", views.network, name="network"),
    path("network.geojson", views.network_geojson, name="network_geojson"),
    path("checkups/", views.checkup_list, name="checkups"),
    path("checkups/<int:checkup_id>/", views.checkup_detail, name="checkup"),
    path("checkups/<int:checkup_id>/step/<slug:step>/", views.checkup_step, name="checkup_step"),
    path("checkups/<int:checkup_id>/review/", views.checkup_review, name="checkup_review"),
    path("checkups/<int:checkup_id>/report.pdf", views.checkup_report, name="checkup_report"),
    path("compare/<int:business_id>/", views.comparison, name="compare"),
    path("training/", views.training, name="training"),
    path("training/modules/", views.modules, name="modules"),
    path("scoring-models/", views.scoring_models, name="scoring_models"),
    path("training/editions/<int:edition_id>/", views.edition_detail, name="edition"),
    path(
        "training/enrolments/<int:enrolment_id>/certificate.pdf",
        views.certificate,
        name="certificate",
    ),
    path("my-training/", views.my_training, name="my_training"),
    path("record/", views.record, name="record"),
    path("impact/", views.impact_dashboard, name="impact"),
]
