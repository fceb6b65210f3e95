from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dashboard import views

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
    path("", include("clients.urls")),
]
