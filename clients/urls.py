from django.contrib.auth import views as auth_views
from django.urls import path

from clients import views

urlpatterns = [
    # Django's default names (password_reset, password_reset_confirm, ...): the auth views reverse them.
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    # Logos, access-checked (nothing serves MEDIA_ROOT; share links have their own in dashboard.delivery).
    path("logos/agency.png", views.agency_logo, name="clients-agency-logo"),
    path("clients/<slug:slug>/logo.png", views.client_logo, name="clients-logo"),
]
