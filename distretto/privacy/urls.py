from django.urls import path

from distretto.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.requests_page, name="requests"),
    path("notice/<int:program_id>/", views.notice_page, name="notice"),
    path("notice/district/<int:district_id>/", views.district_notice, name="district_notice"),
    path("w/<str:token>/", views.wallet_consents, name="wallet"),
]
