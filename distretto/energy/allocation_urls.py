"""Pages of the heating-cost allocation, under /energy/allocations/ (namespace ``energy``)."""

from django.urls import path

from distretto.energy import allocation_views

urlpatterns = [
    path("allocations/", allocation_views.allocation_list, name="allocations"),
    path("allocations/<int:run_id>/", allocation_views.allocation_summary, name="allocation"),
    path(
        "allocations/<int:run_id>/units/<int:unit_id>/",
        allocation_views.allocation_unit,
        name="allocation_unit",
    ),
    path("units/<int:unit_id>/monthly/", allocation_views.unit_monthly, name="unit_monthly"),
    path(
        "units/<int:unit_id>/monthly/<str:month>.pdf",
        allocation_views.unit_monthly_pdf,
        name="unit_monthly_pdf",
    ),
    path(
        "sites/<int:site_id>/allocations/new/",
        allocation_views.allocation_new,
        name="allocation_new",
    ),
]
