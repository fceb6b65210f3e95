"""The Sent reports page, staff's delivery actions, and share links."""

from django.urls import path

from dashboard.delivery.views import archive, sends, sharing

urlpatterns = [
    path("clients/<slug:slug>/reports/", archive.reports_page, name="reports-archive"),
    path("clients/<slug:slug>/reports/<int:send_id>/report.pdf", archive.archive_pdf, name="reports-archive-pdf"),
    path("clients/<slug:slug>/reports/send/", sends.send_now_view, name="reports-send-now"),
    path("clients/<slug:slug>/reports/<int:send_id>/approve/", sends.approve_view, name="reports-approve"),
    path("clients/<slug:slug>/reports/<int:send_id>/resend/", sends.resend_view, name="reports-resend"),
    path("clients/<slug:slug>/share/", sharing.share_create_view, name="reports-share-create"),
    path("clients/<slug:slug>/share/<int:link_id>/revoke/", sharing.share_revoke_view, name="reports-share-revoke"),
    path("share/<str:token>/", sharing.share_view, name="reports-share"),
    path("share/<str:token>/report.pdf", sharing.share_pdf, name="reports-share-pdf"),
    path("share/<str:token>/logo.png", sharing.share_logo, name="reports-share-logo"),
    path("share/<str:token>/agency-logo.png", sharing.share_logo, {"agency": True}, name="reports-share-agency-logo"),
]
