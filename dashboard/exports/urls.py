"""The report's downloads: CSV, summary CSV and PDF, beside the report page's URL."""

from django.urls import path

from dashboard.exports import views

urlpatterns = [
    path("clients/<slug:slug>/report.csv", views.report_csv, name="reports-csv"),
    path("clients/<slug:slug>/report-summary.csv", views.report_summary_csv, name="reports-summary-csv"),
    path("clients/<slug:slug>/report.pdf", views.report_pdf, name="reports-pdf"),
]
