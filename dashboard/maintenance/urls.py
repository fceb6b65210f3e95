"""The maintenance CSV beside the report's other downloads, and the agency's note form."""

from django.urls import path

from dashboard.maintenance import views

urlpatterns = [
    path("clients/<slug:slug>/maintenance.csv", views.maintenance_csv, name="maintenance-csv"),
    path("clients/<slug:slug>/note/", views.note_save, name="maintenance-note"),
]
