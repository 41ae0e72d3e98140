from django.urls import path

from distretto.observatory import views

app_name = "observatory"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("open-data/", views.open_data, name="open_data"),
    path("reports/", views.generate_report, name="generate_report"),
    path("reports/<slug:chamber>/<str:month>.pdf", views.report_pdf, name="report_pdf"),
]
