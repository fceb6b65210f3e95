"""Refactors lose nothing: a database built at the migrations before a move, filled, then migrated forward
keeps every row, schedule, share link, archived PDF and permission.

The layout change moved report schedules, sends and share links from the `dashboard` app to
`dashboard.delivery` (state only; the tables keep their names).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone


def before_the_move() -> list[tuple[str, str | None]]:
    """Every app at its latest migration, but `dashboard` at 0001 and `delivery` not yet there."""
    targets: list[tuple[str, str | None]] = [node for node in latest() if node[0] not in ("dashboard", "delivery")]
    return [*targets, ("dashboard", "0001_initial"), ("delivery", None)]


def migrate(targets):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_the_delivery_move_keeps_every_row_schedule_archived_pdf_and_permission():
    old = migrate(before_the_move())
    User = old.get_model("auth", "User")
    Permission = old.get_model("auth", "Permission")
    ContentType = old.get_model("contenttypes", "ContentType")
    Client = old.get_model("clients", "Client")
    ReportSchedule = old.get_model("dashboard", "ReportSchedule")
    ReportSend = old.get_model("dashboard", "ReportSend")
    ShareLink = old.get_model("dashboard", "ShareLink")

    staff = User.objects.create(username="editor", is_staff=True)
    # A permission granted on the old app's model (content types exist once post_migrate ran for the test db).
    send_type, _created = ContentType.objects.get_or_create(app_label="dashboard", model="reportsend")
    approve, _created = Permission.objects.get_or_create(
        content_type=send_type, codename="change_reportsend", defaults={"name": "Can change report sent"}
    )
    staff.user_permissions.add(approve)
    acme = Client.objects.create(name="Acme", slug="acme")
    next_run = timezone.now() + timedelta(days=3)
    ReportSchedule.objects.create(
        client=acme, frequency="monthly", day_of_month=1, send_hour=7, covers="previous_month", compare="previous",
        recipients=["boss@acme.example"], next_run_at=next_run,
    )  # fmt: skip
    sent_at = timezone.now() - timedelta(days=1)
    ReportSend.objects.create(
        client=acme, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31), status="sent",
        recipients=["boss@acme.example"], pdf="reports/acme/2026-10.pdf", pdf_sha256="ab" * 32,
        numbers={"visits": 74866}, sent_at=sent_at, created_by=staff,
    )  # fmt: skip
    ShareLink.objects.create(
        client=acme, nonce="n" * 32, query={"period": "last_month"}, expires_at=timezone.now() + timedelta(days=30)
    )

    migrate(latest())

    from django.contrib.auth import get_user_model

    from dashboard.delivery.models import ReportSchedule as NewSchedule
    from dashboard.delivery.models import ReportSend as NewSend
    from dashboard.delivery.models import ShareLink as NewLink

    schedule = NewSchedule.objects.get()
    assert (schedule.client.slug, schedule.recipients, schedule.next_run_at) == (
        "acme",
        ["boss@acme.example"],
        next_run,
    )
    send = NewSend.objects.get()
    assert send.pdf.name == "reports/acme/2026-10.pdf"
    assert (send.status, send.numbers, send.sent_at, send.created_by.username) == (
        "sent", {"visits": 74866}, sent_at, "editor"
    )  # fmt: skip
    link = NewLink.objects.get()
    assert (link.nonce, link.query) == ("n" * 32, {"period": "last_month"})
    # The permission moved with its model: the same grant now reads delivery.change_reportsend.
    editor = get_user_model().objects.get(username="editor")
    assert editor.has_perm("delivery.change_reportsend")
    assert not ContentType.objects.filter(app_label="dashboard", model="reportsend").exists()
