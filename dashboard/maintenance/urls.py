"""The maintenance CSV beside the report's other downloads."""

from django.urls import path

from dashboard.maintenance import views

urlpatterns = [
    path("clients/<slug:slug>/maintenance.csv", views.maintenance_csv, name="maintenance-csv"),
]
