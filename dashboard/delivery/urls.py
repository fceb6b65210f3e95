"""Exports, sent reports, delivery actions and share links."""

from django.urls import path

from dashboard.delivery import views

urlpatterns = [
    path("clients/<slug:slug>/report.csv", views.report_csv, name="reports-csv"),
    path("clients/<slug:slug>/report-summary.csv", views.report_summary_csv, name="reports-summary-csv"),
    path("clients/<slug:slug>/report.pdf", views.report_pdf, name="reports-pdf"),
    path("clients/<slug:slug>/reports/", views.reports_page, name="reports-archive"),
    path("clients/<slug:slug>/reports/<int:send_id>/report.pdf", views.archive_pdf, name="reports-archive-pdf"),
    path("clients/<slug:slug>/reports/send/", views.send_now_view, name="reports-send-now"),
    path("clients/<slug:slug>/reports/<int:send_id>/approve/", views.approve_view, name="reports-approve"),
    path("clients/<slug:slug>/reports/<int:send_id>/resend/", views.resend_view, name="reports-resend"),
    path("clients/<slug:slug>/share/", views.share_create_view, name="reports-share-create"),
    path("clients/<slug:slug>/share/<int:link_id>/revoke/", views.share_revoke_view, name="reports-share-revoke"),
    path("share/<str:token>/", views.share_view, name="reports-share"),
    path("share/<str:token>/report.pdf", views.share_pdf, name="reports-share-pdf"),
    path("share/<str:token>/logo.png", views.share_logo, name="reports-share-logo"),
    path("share/<str:token>/agency-logo.png", views.share_logo, {"agency": True}, name="reports-share-agency-logo"),
]
