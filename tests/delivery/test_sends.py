"""Scheduled report delivery: each period sent exactly once (two workers, retries, a crashed worker), the
review step, staff actions, the archive, and the e-mail in English and German. The run times and the
periods they cover: tests/delivery/test_timing.py."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from clients.models import AgencyBranding
from dashboard.delivery import sends as delivery
from dashboard.delivery.models import ReportSchedule, ReportSend
from dashboard.delivery.sends import claim_send, deliver, ensure_send, run_due_deliveries
from dashboard.delivery.timing import next_period_for, schedule_reset_next_run
from dashboard.reports.periods import CALENDAR, Period
from tests.factories import add_points, assign, make_account, make_client, make_site


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.REPORTS_ROOT = tmp_path / "reports"
    # Charts need Chromium; delivery is about sending once, so the PDFs here carry tables (faster).
    settings.CHROMIUM_PATH = "/nonexistent/chromium"


# --- Sending (database) ----------------------------------------------------------------------------------------


@pytest.fixture
def shop(db):
    """Acme-like client in Berlin with February 2026 data, a contact and a schedule for the 1st at 07:00."""
    account = make_account()
    client = make_client("Acme Corp", slug="acme", contact_emails=["boss@acme.example"], timezone="Europe/Berlin")
    site = make_site(account, name="acme-shop", display_name="Acme Shop")
    first = date(2026, 1, 1)
    add_points(site.live, metric="visits", days={first + timedelta(days=i): 100 + i for i in range(90)})
    add_points(site.live, metric="bandwidth", days={first + timedelta(days=i): 2_000_000_000 for i in range(90)})
    assign([site], client)
    branding = AgencyBranding.get()
    branding.name, branding.sender_name, branding.reply_to = "Pixel & Partners", "Pixel Reports", "hello@pixel.example"
    branding.save()
    return client


def make_schedule(client, *, now: datetime, **fields) -> ReportSchedule:  # type: ignore[no-untyped-def]
    schedule = ReportSchedule.objects.create(client=client, **fields)
    schedule_reset_next_run(schedule, now=now)
    return schedule


# The period a monthly schedule sends on 1 March: a calendar month, compared with January.
FEBRUARY = Period(date(2026, 2, 1), date(2026, 2, 28), CALENDAR)


@pytest.mark.needs("pango")
@pytest.mark.django_db
def test_a_due_schedule_sends_the_previous_month_once_with_the_pdf(shop):
    schedule = make_schedule(shop, now=utc(2026, 2, 20))
    assert schedule.next_run_at == utc(2026, 3, 1, 6)  # 07:00 in Berlin (CET)

    with time_machine.travel(utc(2026, 3, 1, 5, 59), tick=False):
        assert run_due_deliveries() == []
        assert mail.outbox == []
    with time_machine.travel(utc(2026, 3, 1, 6, 5), tick=False):
        log = run_due_deliveries()
        run_due_deliveries()
        run_due_deliveries()

    assert len(mail.outbox) == 1, log
    message = mail.outbox[0]
    assert message.to == ["boss@acme.example"]
    ((name, content, mimetype),) = message.attachments
    assert name == "report-acme-2026-02-01-to-2026-02-28.pdf"
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    send = ReportSend.objects.get()
    assert (send.period_start, send.period_end, send.status) == (FEBRUARY.start, FEBRUARY.end, "sent")
    assert send.attempts == 1 and send.sent_at is not None
    assert send.pdf.read() == content
    schedule.refresh_from_db()
    assert schedule.next_run_at == utc(2026, 4, 1, 5)  # 07:00 in Berlin (CEST)


@pytest.mark.needs("pango")
@pytest.mark.django_db
def test_a_late_worker_still_sends_the_intended_period(shop):
    make_schedule(shop, now=utc(2026, 2, 20))
    # The cluster was down until 2 March: the run of 1 March still covers February.
    with time_machine.travel(utc(2026, 3, 2, 10), tick=False):
        run_due_deliveries()
    assert ReportSend.objects.get().period_end == date(2026, 2, 28)
    assert len(mail.outbox) == 1


@pytest.mark.needs("pango")
@pytest.mark.django_db
def test_a_failed_send_is_retried_and_goes_out_once(shop, monkeypatch, client, staff_user):
    make_schedule(shop, now=utc(2026, 2, 20))
    real_send = mail.EmailMultiAlternatives.send
    calls = {"n": 0}

    def flaky(self, fail_silently=False):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionRefusedError("SMTP server refused the connection")
        return real_send(self, fail_silently=fail_silently)

    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", flaky)
    with time_machine.travel(utc(2026, 3, 1, 6, 1), tick=False):
        run_due_deliveries()
    send = ReportSend.objects.get()
    assert send.status == "failed" and send.attempts == 1
    assert "SMTP server refused" in send.last_error
    assert mail.outbox == []

    # The failure is on the client's reports page for staff.
    client.force_login(staff_user)
    page = client.get("/clients/acme/reports/").content.decode()
    assert "Failed" in page and "SMTP server refused the connection" in page

    with time_machine.travel(utc(2026, 3, 1, 6, 3), tick=False):  # before the back-off
        run_due_deliveries()
    assert ReportSend.objects.get().status == "failed"
    with time_machine.travel(utc(2026, 3, 1, 6, 20), tick=False):
        run_due_deliveries()
        run_due_deliveries()
    send.refresh_from_db()
    assert (send.status, send.attempts, send.last_error) == ("sent", 2, "")
    assert len(mail.outbox) == 1


@pytest.mark.needs("pango")
@pytest.mark.django_db
def test_a_send_that_keeps_failing_stops_after_the_maximum_attempts(shop, monkeypatch, settings):
    settings.REPORTS_SEND_MAX_ATTEMPTS = 3
    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", lambda self, fail_silently=False: 1 / 0)
    make_schedule(shop, now=utc(2026, 2, 20))
    moment = utc(2026, 3, 1, 6, 1)
    for _ in range(6):
        with time_machine.travel(moment, tick=False):
            run_due_deliveries()
        moment += timedelta(hours=7)
    send = ReportSend.objects.get()
    assert (send.status, send.attempts) == ("failed", 3)
    assert "ZeroDivisionError" in send.last_error


@pytest.mark.needs("pango")
@pytest.mark.django_db
def test_a_crashed_workers_send_is_taken_over_after_its_lease(shop, settings):
    send, _ = ensure_send(client=shop, period=FEBRUARY, compare="previous", recipients=["a@acme.example"])
    now = utc(2026, 3, 1, 6)
    assert claim_send(send.pk, now=now)  # this worker dies here, before sending
    assert not claim_send(send.pk, now=now + timedelta(minutes=5))  # still leased
    later = now + timedelta(seconds=settings.REPORTS_SEND_LEASE_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        assert run_due_deliveries() == [f"send {send.pk}: sent"]
    assert len(mail.outbox) == 1
    assert ReportSend.objects.get().attempts == 2


@pytest.mark.django_db
def test_ensure_send_returns_the_existing_send_for_the_same_period(shop):
    first, created = ensure_send(client=shop, period=FEBRUARY, compare="previous", recipients=["a@x.example"])
    second, again = ensure_send(client=shop, period=FEBRUARY, compare="none", recipients=["b@x.example"])
    assert created and not again
    assert first.pk == second.pk and second.recipients == ["a@x.example"]


def _file_database_or_skip() -> None:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        # Shared-cache in-memory SQLite locks whole tables across threads; runtests.py uses a file.
        pytest.skip("needs a file-based SQLite or PostgreSQL test database")


def _in_threads(target, count: int = 2) -> list:  # type: ignore[no-untyped-def]
    results: list = []
    errors: list = []
    barrier = threading.Barrier(count)

    def work() -> None:
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


@pytest.mark.needs("pango")
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_the_report_exactly_once(shop):
    _file_database_or_skip()
    make_schedule(shop, now=utc(2026, 2, 20))
    with time_machine.travel(utc(2026, 3, 1, 6, 2), tick=True):
        logs = _in_threads(run_due_deliveries)
    assert len(mail.outbox) == 1, logs
    assert ReportSend.objects.count() == 1
    send = ReportSend.objects.get()
    assert (send.status, send.attempts) == ("sent", 1)
    assert ReportSchedule.objects.get().next_run_at == utc(2026, 4, 1, 5)


@pytest.mark.needs("pango")
@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_send_send_it_once(shop):
    _file_database_or_skip()
    send, _ = ensure_send(client=shop, period=FEBRUARY, compare="previous", recipients=["a@acme.example"])
    results = _in_threads(lambda: deliver(send.pk))
    assert sorted(results) == ["sent", "skipped"]
    assert len(mail.outbox) == 1


@pytest.mark.needs("pango")
@pytest.mark.django_db
def test_the_task_entry_point_runs_the_deliveries(shop):
    from dashboard.delivery.tasks import deliver_send
    from dashboard.delivery.tasks import run_due_deliveries as task

    make_schedule(shop, now=utc(2026, 2, 20))
    with time_machine.travel(utc(2026, 3, 1, 6, 1), tick=False):
        summary = task()
        assert "acme: 2026-02-01 to 2026-02-28 created" in summary
        assert deliver_send(ReportSend.objects.get().pk) == "skipped"  # already sent
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_delivery_schedule_is_declared_idempotently():
    from django_q.models import Schedule

    from dashboard.delivery.schedules import DELIVERY_SCHEDULE, ensure_schedules

    Schedule.objects.filter(name=DELIVERY_SCHEDULE).delete()
    assert ensure_schedules() == [f"created {DELIVERY_SCHEDULE}"]
    assert ensure_schedules() == []
    schedule = Schedule.objects.get(name=DELIVERY_SCHEDULE)
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "dashboard.delivery.tasks.run_due_deliveries", Schedule.MINUTES, 10,
    )  # fmt: skip


@pytest.mark.django_db
def test_next_period_for_shows_what_the_next_run_covers(shop):
    schedule = make_schedule(shop, now=utc(2026, 2, 20), frequency="monthly", day_of_month=31)
    upcoming = next_period_for(schedule, now=utc(2026, 2, 20))
    assert upcoming.run_at == utc(2026, 2, 28, 6)
    assert upcoming.period == Period(date(2026, 1, 1), date(2026, 1, 31), CALENDAR)


# --- Review, staff actions, archive ---------------------------------------------------------------------------


@pytest.mark.needs("pango")
@pytest.mark.django_db
def test_with_review_a_draft_waits_for_approval_and_goes_out_as_reviewed(shop, client, staff_user, monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr(delivery, "_queue_delivery", queued.append)
    make_schedule(shop, now=utc(2026, 2, 20), review_required=True)
    with time_machine.travel(utc(2026, 3, 1, 6, 1), tick=False):
        run_due_deliveries()
        run_due_deliveries()
    draft = ReportSend.objects.get()
    assert draft.status == "draft" and draft.pdf and mail.outbox == []
    reviewed = draft.pdf.read()

    client.force_login(staff_user)
    assert client.get(f"/clients/acme/reports/{draft.pk}/report.pdf").status_code == 200  # staff review it
    response = client.post(f"/clients/acme/reports/{draft.pk}/approve/")
    assert response.status_code == 302
    assert queued == [draft.pk]
    assert deliver(draft.pk) == "sent"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].attachments[0][1] == reviewed
    draft.refresh_from_db()
    assert draft.approved_by == staff_user and draft.status == "sent"


@pytest.mark.needs("pango")
@pytest.mark.django_db
def test_staff_send_a_past_period_now_and_not_twice(shop, client, staff_user, monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr(delivery, "_queue_delivery", queued.append)
    client.force_login(staff_user)
    data = {"start": "2026-01-01", "end": "2026-01-31", "compare": "previous"}

    response = client.post("/clients/acme/reports/send/", data, follow=True)
    assert "is queued" in response.content.decode()
    send = ReportSend.objects.get()
    assert (send.period_start, send.period_end, send.trigger, send.created_by) == (
        date(2026, 1, 1), date(2026, 1, 31), "staff", staff_user,
    )  # fmt: skip
    assert queued == [send.pk]
    assert deliver(send.pk) == "sent"

    response = client.post("/clients/acme/reports/send/", data, follow=True)
    assert "was already sent" in response.content.decode()
    assert len(mail.outbox) == 1


@pytest.mark.needs("pango")
@pytest.mark.django_db
def test_staff_resend_the_archived_report_unchanged(shop, client, staff_user):
    send, _ = ensure_send(client=shop, period=FEBRUARY, compare="previous", recipients=["boss@acme.example"])
    assert deliver(send.pk) == "sent"
    client.force_login(staff_user)
    client.post(f"/clients/acme/reports/{send.pk}/resend/")
    assert len(mail.outbox) == 2
    assert mail.outbox[0].attachments == mail.outbox[1].attachments
    send.refresh_from_db()
    assert send.resent_count == 1 and send.status == "sent"


@pytest.mark.needs("pango")
@pytest.mark.django_db
def test_the_archive_keeps_the_report_as_sent_after_later_syncs(shop, client):
    from kinsta_sync.models import AnalyticsPoint
    from tests.factories import make_member, make_user

    send, _ = ensure_send(client=shop, period=FEBRUARY, compare="previous", recipients=["boss@acme.example"])
    deliver(send.pk)
    send.refresh_from_db()
    sent_pdf, numbers = send.pdf.read(), send.numbers
    visits = next(k for k in numbers["kpis"] if k["metric"] == "visits")["value"]
    assert visits == sum(100 + i for i in range(31, 59))  # February's days of the fixture

    # A later sync revises February.
    AnalyticsPoint.objects.filter(metric="visits").update(value=1)

    member = make_user("alice", password="x", email="alice@acme.example")
    make_member(member, shop)
    client.force_login(member)
    response = client.get(f"/clients/acme/reports/{send.pk}/report.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == sent_pdf
    assert response["Content-Disposition"] == 'attachment; filename="report-acme-2026-02-01-to-2026-02-28.pdf"'
    send.refresh_from_db()
    assert send.numbers == numbers
    page = client.get("/clients/acme/reports/").content.decode()
    assert "2/01/2026" in page or "02/01/2026" in page or "2026" in page
    assert f"/clients/acme/reports/{send.pk}/report.pdf" in page


@pytest.mark.needs("pango")
@pytest.mark.django_db
def test_client_users_see_sent_reports_only_and_no_staff_actions(shop, client):
    from tests.factories import make_member, make_user

    draft, _ = ensure_send(
        client=shop, period=FEBRUARY, compare="previous", recipients=["a@acme.example"], review_required=True
    )
    delivery.prepare_send(draft)
    member = make_user("alice", password="x", email="alice@acme.example")
    make_member(member, shop)
    client.force_login(member)
    page = client.get("/clients/acme/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "No reports have been sent yet." in html
    assert "Send now" not in html and "/share/" not in html
    assert client.get(f"/clients/acme/reports/{draft.pk}/report.pdf").status_code == 404
    for url in ("/clients/acme/reports/send/", f"/clients/acme/reports/{draft.pk}/approve/",
                f"/clients/acme/reports/{draft.pk}/resend/", "/clients/acme/share/"):  # fmt: skip
        assert client.post(url, {"start": "2026-01-01", "end": "2026-01-31", "compare": "none"}).status_code == 404
    assert ReportSend.objects.get().status == "draft"


@pytest.mark.needs("pango")
@pytest.mark.django_db
def test_other_clients_ids_are_404_on_every_delivery_url(shop, client, staff_user):
    from tests.factories import make_member, make_user

    other = make_client("Globex", slug="globex")
    theirs, _ = ensure_send(client=other, period=FEBRUARY, compare="previous", recipients=["x@globex.example"])
    deliver(theirs.pk)
    member = make_user("alice", password="x", email="alice@acme.example")
    make_member(member, shop)

    client.force_login(member)
    assert client.get("/clients/globex/reports/").status_code == 404
    assert client.get(f"/clients/globex/reports/{theirs.pk}/report.pdf").status_code == 404
    # Another client's send id under one's own client: 404 too.
    assert client.get(f"/clients/acme/reports/{theirs.pk}/report.pdf").status_code == 404

    client.force_login(staff_user)
    for url in (f"/clients/acme/reports/{theirs.pk}/report.pdf",):
        assert client.get(url).status_code == 404
    for url in (f"/clients/acme/reports/{theirs.pk}/approve/", f"/clients/acme/reports/{theirs.pk}/resend/"):
        assert client.post(url).status_code == 404
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login(shop, client):
    for url in ("/clients/acme/reports/", "/clients/acme/reports/1/report.pdf"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    response = client.post("/clients/acme/reports/send/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_the_staff_reports_page_shows_the_schedule_and_the_next_period(shop, client, staff_user):
    make_schedule(shop, now=utc(2026, 2, 20), recipients=["cfo@acme.example"])
    client.force_login(staff_user)
    with time_machine.travel(utc(2026, 2, 20), tick=False):
        html = client.get("/clients/acme/reports/").content.decode()
    assert "cfo@acme.example" in html
    assert "Feb. 1, 2026 \u2013 Feb. 28, 2026" in html


def _send_form_dates(html: str) -> tuple[str, str]:
    form = html[html.index("data-send-form") :]
    start = re.search(r'name="start" value="([0-9-]+)"', form)
    end = re.search(r'name="end" value="([0-9-]+)"', form)
    assert start and end, form[:2000]
    return start.group(1), end.group(1)


@pytest.mark.django_db
def test_send_now_offers_the_last_complete_period_of_the_schedule(shop, client, staff_user, monkeypatch):
    monkeypatch.setattr(delivery, "_queue_delivery", lambda send_id: None)
    make_schedule(shop, now=utc(2026, 11, 20))  # monthly, on the 1st at 07:00 in Berlin
    client.force_login(staff_user)
    with time_machine.travel(utc(2026, 12, 2, 9), tick=False):
        html = client.get("/clients/acme/reports/").content.decode()
        # November has ended; the next run (1 January) would cover December, which has not.
        assert _send_form_dates(html) == ("2026-11-01", "2026-11-30")
        assert "Dec. 1, 2026 \u2013 Dec. 31, 2026" in html  # the next report, shown as before
        data = {"start": "2026-11-01", "end": "2026-11-30", "compare": "previous"}
        response = client.post("/clients/acme/reports/send/", data, follow=True)
    assert "is queued" in response.content.decode()
    send = ReportSend.objects.get()
    # Sent by hand as the schedule would have: a calendar month against the month before.
    assert (send.period_start, send.compare_start, send.compare_end) == (
        date(2026, 11, 1), date(2026, 10, 1), date(2026, 10, 31),
    )  # fmt: skip


@pytest.mark.django_db
def test_send_now_offers_the_last_run_of_a_weekly_schedule_and_last_month_without_one(shop, client, staff_user):
    client.force_login(staff_user)
    with time_machine.travel(utc(2026, 12, 2, 9), tick=False):
        assert _send_form_dates(client.get("/clients/acme/reports/").content.decode()) == ("2026-11-01", "2026-11-30")
        # Weekly on Mondays (the last run: Monday 30 November) covering the week before it.
        make_schedule(shop, now=utc(2026, 11, 20), frequency="weekly", weekday=0, covers="previous_week")
        html = client.get("/clients/acme/reports/").content.decode()
    assert _send_form_dates(html) == ("2026-11-23", "2026-11-29")


# --- The e-mail ------------------------------------------------------------------------------------------------


@pytest.mark.needs("pango")
@pytest.mark.django_db
def test_the_email_is_white_label_with_headline_numbers_in_english(shop):
    send, _ = ensure_send(client=shop, period=FEBRUARY, compare="previous", recipients=["boss@acme.example"])
    deliver(send.pk)
    message = mail.outbox[0]

    assert message.subject == "Website report for Acme Corp: Feb. 1, 2026 to Feb. 28, 2026"
    assert message.from_email == "Pixel Reports <reports@localhost>"
    assert message.reply_to == ["hello@pixel.example"]
    visits = f"{sum(100 + i for i in range(31, 59)):,}"
    assert f"- Visits: {visits}" in message.body
    assert "Hello," in message.body and "Pixel Reports" in message.body
    assert "compared with Jan. 1, 2026 to Jan. 31, 2026" in message.body.replace("Changes are compared", "compared")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert visits in html and "Acme Corp" in html
    assert "Kinsta" not in message.subject and "Agency Reports" not in message.body + html


@pytest.mark.needs("pango")
@pytest.mark.django_db
def test_the_email_is_in_german_for_a_german_client(shop):
    shop.language = "de"
    shop.save()
    send, _ = ensure_send(client=shop, period=FEBRUARY, compare="previous", recipients=["chef@acme.example"])
    deliver(send.pk)
    message = mail.outbox[0]

    assert message.subject == "Website-Bericht für Acme Corp: 1. Februar 2026 bis 28. Februar 2026"
    visits = f"{sum(100 + i for i in range(31, 59)):,}".replace(",", ".")
    assert f"- Besuche: {visits}" in message.body
    assert message.body.startswith("Guten Tag,")
    assert "Der vollständige Bericht hängt als PDF an" in message.body
    html = message.alternatives[0][0]
    assert '<html lang="de">' in html and "Die wichtigsten Zahlen" in html
    assert "Fragen? Antworten Sie einfach auf diese E-Mail." in html


@pytest.mark.needs("pango")
@pytest.mark.django_db
def test_a_header_injection_in_the_sender_name_is_flattened(shop):
    branding = AgencyBranding.get()
    branding.sender_name = "Evil\r\nBcc: victim@example.com"
    branding.save()
    send, _ = ensure_send(client=shop, period=FEBRUARY, compare="previous", recipients=["boss@acme.example"])
    assert deliver(send.pk) == "sent"
    message = mail.outbox[0].message()
    assert message["Bcc"] is None
    assert mail.outbox[0].from_email == '"Evil Bcc: victim@example.com" <reports@localhost>'


@pytest.mark.needs("pango")
@pytest.mark.django_db
def test_a_send_without_recipients_fails_visibly(shop):
    shop.contact_emails = []
    shop.save()
    send, _ = ensure_send(client=shop, period=FEBRUARY, compare="previous", recipients=[])
    assert deliver(send.pk) == "failed"
    send.refresh_from_db()
    assert "No recipients" in send.last_error


# --- Admin ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_lists_schedules_sends_and_links_and_its_actions_call_the_services(shop, client, agency_admin):
    from dashboard.delivery.sharing import create_share_link

    client.force_login(agency_admin)
    response = client.post(
        "/admin/delivery/reportschedule/add/",
        {
            "client": shop.pk, "frequency": "monthly", "day_of_month": "31", "weekday": "0", "send_hour": "7",
            "covers": "previous_month", "compare": "previous", "recipients_text": "cfo@acme.example\nceo@acme.example",
            "is_active": "on",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    schedule = ReportSchedule.objects.get()
    assert schedule.recipients == ["cfo@acme.example", "ceo@acme.example"]
    assert schedule.next_run_at is not None  # set from now on save
    assert client.get(f"/admin/delivery/reportschedule/{schedule.pk}/change/").status_code == 200
    bad = client.post("/admin/delivery/reportschedule/add/", {"client": shop.pk, "recipients_text": "not-an-email"})
    assert bad.status_code == 200 and "not-an-email" in bad.content.decode()

    draft, _ = ensure_send(
        client=shop, period=FEBRUARY, compare="previous", recipients=["a@acme.example"], review_required=True
    )
    link = create_share_link(client=shop, query={"period": "30d"}, days=5, created_by=agency_admin)
    assert client.get("/admin/delivery/reportsend/").status_code == 200
    assert client.get(f"/admin/delivery/reportsend/{draft.pk}/change/").status_code == 200
    assert client.get("/admin/delivery/sharelink/").status_code == 200
    assert client.get(f"/admin/delivery/sharelink/{link.pk}/change/").status_code == 200

    client.post("/admin/delivery/reportsend/", {"action": "approve", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == "queued" and draft.approved_by == agency_admin
    client.post("/admin/delivery/sharelink/", {"action": "revoke", "_selected_action": [link.pk]})
    link.refresh_from_db()
    assert link.revoked_at is not None


@pytest.mark.django_db
def test_the_admin_says_a_links_state_and_what_send_now_did_in_the_staffs_language(
    shop, client, agency_admin, task_queue
):
    from dashboard.delivery.sharing import create_share_link

    client.force_login(agency_admin)
    client.post("/i18n/setlang/", {"language": "de", "next": "/admin/"})
    link = create_share_link(client=shop, query={"period": "30d"}, days=5, created_by=agency_admin)
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    assert '<td class="field-state_label">widerrufen</td>' in client.get("/admin/delivery/sharelink/").content.decode()

    send, _ = ensure_send(client=shop, period=FEBRUARY, compare="previous", recipients=["a@acme.example"])
    page = client.post(
        "/admin/delivery/reportsend/", {"action": "send_now", "_selected_action": [send.pk]}, follow=True
    ).content.decode()
    assert "1 Bericht zum Versand eingereiht" in page


@pytest.mark.needs("pango")
@pytest.mark.django_db
def test_one_broken_schedule_does_not_hold_up_the_others(shop, monkeypatch):
    other = make_client("Globex", slug="globex", contact_emails=["x@globex.example"], timezone="Europe/Berlin")
    make_schedule(shop, now=utc(2026, 2, 20))
    make_schedule(other, now=utc(2026, 2, 20))
    real = delivery.ensure_send

    def broken_for_acme(**kwargs):  # type: ignore[no-untyped-def]
        if kwargs["client"].slug == "acme":
            raise RuntimeError("database hiccup")
        return real(**kwargs)

    monkeypatch.setattr(delivery, "ensure_send", broken_for_acme)
    with time_machine.travel(utc(2026, 3, 1, 6, 1), tick=False):
        log = run_due_deliveries()
    assert "acme: error RuntimeError: database hiccup" in log
    assert [m.to for m in mail.outbox] == [["x@globex.example"]]
    # Acme's run is still due and goes out once the problem is gone.
    monkeypatch.setattr(delivery, "ensure_send", real)
    with time_machine.travel(utc(2026, 3, 1, 6, 11), tick=False):
        run_due_deliveries()
    assert len(mail.outbox) == 2
