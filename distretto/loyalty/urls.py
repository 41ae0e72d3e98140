from django.urls import path

from distretto.loyalty import views

app_name = "loyalty"
urlpatterns = [
    path("", views.programme_list, name="programs"),
    path("p/<int:program_id>/", views.programme_detail, name="program"),
    path("p/<int:program_id>/cards/", views.card_list, name="cards"),
    path("p/<int:program_id>/batches/", views.batches, name="batches"),
    path("p/<int:program_id>/campaigns/", views.campaign_list, name="campaigns"),
    path("p/<int:program_id>/settlement/", views.settlement_page, name="settlement"),
    path("till/", views.till, name="till"),
    path("statement/", views.merchant_statement, name="statement"),
    path("find/", views.find_wallet, name="find"),
    path("my-card/<int:card_id>/", views.my_card, name="my_card"),
    path("my-card/<int:card_id>/qr.png", views.my_card_qr, name="my_card_qr"),
    path("my-card/<int:card_id>/shops.geojson", views.my_card_shops, name="my_card_shops"),
    path("w/<str:token>/", views.wallet_page, name="wallet"),
    path("w/<str:token>/qr.png", views.wallet_qr, name="wallet_qr"),
    path("w/<str:token>/shops.geojson", views.wallet_shops, name="wallet_shops"),
]
