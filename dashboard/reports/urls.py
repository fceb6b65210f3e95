"""The report pages (DESIGN.md, "URLs")."""

from django.urls import path

from dashboard.reports import views

urlpatterns = [
    path("", views.overview, name="reports-overview"),
    path("clients/<slug:slug>/", views.client_report_view, name="reports-client"),
    path("clients/<slug:slug>/sites/<int:site_id>/", views.site_view, name="reports-site"),
    path("sync/", views.sync_view, name="reports-sync"),
    path("sync/status.json", views.sync_status, name="reports-sync-status"),
    path("sync/<int:account_id>/run/", views.sync_now, name="reports-sync-now"),
]
