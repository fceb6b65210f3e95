from django.urls import path

from dashboard.actions import views

urlpatterns = [
    path(
        "clients/<slug:slug>/sites/<int:site_id>/actions/<str:action>/",
        views.confirm_action,
        name="actions-confirm",
    ),
    path("clients/<slug:slug>/actions/", views.client_runs, name="actions-client-runs"),
    path("clients/<slug:slug>/actions/<str:action>/", views.bulk_confirm, name="actions-bulk-confirm"),
    path("actions/runs/<int:run_id>/", views.run_page, name="actions-run"),
    path("integrations/slack/commands", views.slack_command, name="actions-slack-commands"),
]
