from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dashboard import export_views, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # Django's set_language view: staff pick the interface language (client users get their client's).
    path("i18n/", include("django.conf.urls.i18n")),
    # The report pages (DESIGN.md, "URLs"); they come before the clients app's routes.
    path("", views.overview, name="reports-overview"),
    path("clients/<slug:slug>/", views.client_report_view, name="reports-client"),
    path("clients/<slug:slug>/sites/<int:site_id>/", views.site_view, name="reports-site"),
    path("sync/", views.sync_view, name="reports-sync"),
    path("sync/status.json", views.sync_status, name="reports-sync-status"),
    path("sync/<int:account_id>/run/", views.sync_now, name="reports-sync-now"),
    # Exports, sent reports, delivery actions and share links (dashboard.export_views).
    path("clients/<slug:slug>/report.csv", export_views.report_csv, name="reports-csv"),
    path("clients/<slug:slug>/report-summary.csv", export_views.report_summary_csv, name="reports-summary-csv"),
    path("clients/<slug:slug>/report.pdf", export_views.report_pdf, name="reports-pdf"),
    path("clients/<slug:slug>/reports/", export_views.reports_page, name="reports-archive"),
    path("clients/<slug:slug>/reports/<int:send_id>/report.pdf", export_views.archive_pdf, name="reports-archive-pdf"),
    path("clients/<slug:slug>/reports/send/", export_views.send_now_view, name="reports-send-now"),
    path("clients/<slug:slug>/reports/<int:send_id>/approve/", export_views.approve_view, name="reports-approve"),
    path("clients/<slug:slug>/reports/<int:send_id>/resend/", export_views.resend_view, name="reports-resend"),
    path("clients/<slug:slug>/share/", export_views.share_create_view, name="reports-share-create"),
    path(
        "clients/<slug:slug>/share/<int:link_id>/revoke/", export_views.share_revoke_view, name="reports-share-revoke"
    ),
    path("share/<str:token>/", export_views.share_view, name="reports-share"),
    path("share/<str:token>/report.pdf", export_views.share_pdf, name="reports-share-pdf"),
    path("", include("clients.urls")),
]
