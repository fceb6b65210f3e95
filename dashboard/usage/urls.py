"""Plan usage: the page and its CSVs (staff only)."""

from django.urls import path

from dashboard.usage import views

urlpatterns = [
    path("usage/", views.usage_page, name="usage-page"),
    path("usage/allocation.csv", views.allocation_csv, name="usage-allocation-csv"),
    path("usage/forecast.csv", views.forecast_csv, name="usage-forecast-csv"),
]
