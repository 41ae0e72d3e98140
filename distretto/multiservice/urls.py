app_name = "multiservice"
urlpatterns: list = []
