from django.urls import path  # noqa: F401  (routes are added by the clients feature)

urlpatterns: list = []
