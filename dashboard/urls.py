from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dashboard import health, views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # Django's set_language view: staff pick the interface language (client users get their client's).
    path("i18n/", include("django.conf.urls.i18n")),
    # The capabilities' pages; the report pages come before the clients app's routes. No two of these
    # patterns match the same path, so their order decides nothing else.
    path("", include("dashboard.reports.urls")),
    path("", include("dashboard.exports.urls")),
    path("", include("dashboard.delivery.urls")),
    path("", include("dashboard.usage.urls")),
    path("", include("dashboard.actions.urls")),
    path("", include("dashboard.maintenance.urls")),
    path("", include("clients.urls")),
]
