"""The agency's note: staff with the permission write it on the report page (POST with CSRF), everyone who
sees the report reads it (page, share page, PDF, e-mail), escaped with its line breaks, for that period only."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.test import Client as HttpClient

from dashboard.delivery.models import ReportSend
from dashboard.delivery.sends import deliver, ensure_send
from dashboard.delivery.sharing import create_share_link, share_path
from dashboard.maintenance.models import AgencyNote
from dashboard.reports.periods import Period
from tests.personas import grant

pytestmark = pytest.mark.django_db

NOTE = 'Updated WooCommerce.\nFixed the <b>contact form</b> & "=cmd"'
PERIOD = {"start": "2026-01-01", "end": "2026-01-31"}
REPORT = "/clients/acme/?start=2026-01-01&end=2026-01-31"


@pytest.fixture
def writer(staff_user):  # type: ignore[no-untyped-def]
    return grant(staff_user, "maintenance.change_agencynote")


def test_staff_write_the_note_and_the_client_reads_it_escaped(client, writer, client_a, client_a_user):
    client.force_login(writer)
    form = client.get(REPORT).content.decode()
    assert 'action="/clients/acme/note/"' in form and "csrfmiddlewaretoken" in form

    response = client.post("/clients/acme/note/", {**PERIOD, "text": NOTE.replace("\n", "\r\n")})
    assert response.status_code == 302 and response["Location"] == REPORT
    assert AgencyNote.objects.get().text == NOTE

    client.force_login(client_a_user)
    html = client.get(REPORT).content.decode()
    assert "Updated WooCommerce.<br>Fixed the &lt;b&gt;contact form&lt;/b&gt; &amp; &quot;=cmd&quot;" in html
    assert "<b>contact form</b>" not in html and 'action="/clients/acme/note/"' not in html
    assert html.index("note-heading") < html.index('class="kpis')
    # Another period has its own (empty) note.
    assert "note-heading" not in client.get("/clients/acme/?start=2026-02-01&end=2026-02-28").content.decode()


def test_only_staff_with_the_permission_may_write(client, staff_user, client_a, client_a_user, client_b):
    client.force_login(client_a_user)
    assert client.post("/clients/acme/note/", {**PERIOD, "text": "x"}).status_code == 403
    assert client.post("/clients/globex/note/", {**PERIOD, "text": "x"}).status_code == 404
    client.force_login(staff_user)  # staff without maintenance.change_agencynote
    assert client.post("/clients/acme/note/", {**PERIOD, "text": "x"}).status_code == 403
    assert 'action="/clients/acme/note/"' not in client.get(REPORT).content.decode()
    client.logout()
    anonymous = client.post("/clients/acme/note/", {**PERIOD, "text": "x"})
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    assert client.get("/clients/acme/note/").status_code == 302  # login first; then GET is not allowed
    assert not AgencyNote.objects.exists()


def test_the_form_needs_its_csrf_token_and_a_valid_period(writer, client_a):
    strict = HttpClient(enforce_csrf_checks=True)
    strict.force_login(writer)
    assert strict.post("/clients/acme/note/", {**PERIOD, "text": "x"}).status_code == 403
    strict = HttpClient()
    strict.force_login(writer)
    assert strict.post("/clients/acme/note/", {"start": "2026-02-30", "end": "x", "text": "x"}).status_code == 400
    assert strict.post("/clients/acme/note/", {**PERIOD, "text": "x" * 5001}).status_code == 400
    assert not AgencyNote.objects.exists()


def test_an_empty_note_removes_it(client, writer, client_a):
    client.force_login(writer)
    client.post("/clients/acme/note/", {**PERIOD, "text": "Done."})
    client.post("/clients/acme/note/", {**PERIOD, "text": "  "})
    assert not AgencyNote.objects.exists()


def _note(client_a) -> None:  # type: ignore[no-untyped-def]
    AgencyNote.objects.create(client=client_a, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31), text=NOTE)


def test_the_share_page_shows_the_note_without_the_form(client, writer, client_a):
    _note(client_a)
    link = create_share_link(client=client_a, query=PERIOD, days=7, created_by=writer)
    html = client.get(share_path(link)).content.decode()
    assert "Fixed the &lt;b&gt;contact form&lt;/b&gt;" in html
    assert 'action="/clients/acme/note/"' not in html


@pytest.mark.needs("pango")
def test_the_pdf_and_the_email_show_the_note(client, writer, client_a, client_b, settings, tmp_path):
    from tests.pdf_text import pdf_text

    _note(client_a)
    settings.CHROMIUM_PATH = "/nonexistent/chromium"
    client.force_login(writer)
    text = pdf_text(client.get("/clients/acme/report.pdf?start=2026-01-01&end=2026-01-31").content)
    assert 'Fixed the <b>contact form</b> & "=cmd"' in text
    other = client.get("/clients/globex/report.pdf?start=2026-01-01&end=2026-01-31").content
    assert "contact form" not in pdf_text(other)

    settings.REPORTS_ROOT = tmp_path
    send, _ = ensure_send(client=client_a, period=Period(date(2026, 1, 1), date(2026, 1, 31)), compare="none",
                          recipients=["boss@acme.example"])  # fmt: skip
    deliver(send.pk)
    message = mail.outbox[-1]
    assert NOTE in message.body
    assert "Updated WooCommerce.<br>Fixed the &lt;b&gt;contact form&lt;/b&gt;" in message.alternatives[0][0]


@pytest.mark.needs("pango")
def test_the_draft_review_shows_the_note_the_send_stored_escaped_first(client, writer, client_a, settings, tmp_path):
    from dashboard.delivery.sends import prepare_send

    _note(client_a)
    settings.CHROMIUM_PATH = "/nonexistent/chromium"
    settings.REPORTS_ROOT = tmp_path
    send, _ = ensure_send(client=client_a, period=Period(date(2026, 1, 1), date(2026, 1, 31)), compare="none",
                          recipients=["boss@acme.example"], review_required=True)  # fmt: skip
    prepare_send(send)
    # The review shows what the send stored, not what the note says now.
    AgencyNote.objects.filter(client=client_a).update(text="Rewritten after the draft")
    client.force_login(writer)

    html = client.get("/clients/acme/reports/").content.decode()

    review = html[html.index(f'data-draft-review="{send.pk}"') :]
    review = review[: review.index("</tr>")]
    assert "Updated WooCommerce.<br>Fixed the &lt;b&gt;contact form&lt;/b&gt; &amp; &quot;=cmd&quot;" in review
    assert "Rewritten after the draft" not in html
    names = [part.split('"', 1)[0] for part in review.split('data-review-section="')[1:]]
    assert names[0] == "agency-note", names
    assert "<b>contact form" not in html

    # Sent, it is no longer a draft to review.
    ReportSend.objects.filter(pk=send.pk).update(status=ReportSend.Status.SENT)
    assert "data-draft-review" not in client.get("/clients/acme/reports/").content.decode()
