"""The extension point other apps add report sections and overview columns through
(dashboard.reports.sections): a registered section shows on every surface it names, for the client it was
built for and nowhere else, escaped, in its slot; the e-mail shows what the send stored."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.template import Template

from dashboard.delivery.sends import deliver, ensure_send
from dashboard.delivery.sharing import create_share_link, share_path
from dashboard.reports import sections
from dashboard.reports.periods import Period
from dashboard.reports.selectors import AUDIENCE_CLIENT, AUDIENCE_STAFF

pytestmark = pytest.mark.django_db

HOSTILE = "<b>bold</b> & =cmd"


@pytest.fixture
def seen():
    """A section and a column registered for the test (removed after it); `seen` records each build."""
    calls: list[sections.SectionRequest] = []

    def build(request: sections.SectionRequest):  # type: ignore[no-untyped-def]
        calls.append(request)
        if request.client.slug != "acme":
            return None  # only Acme has something to say
        return {"text": HOSTILE, "audience": request.audience, "site": request.site_id}

    def page(label: str) -> Template:
        return Template(f'<p class="test-section">{label}: {{{{ section.text }}}} ({{{{ section.audience }}}})</p>')

    section = sections.Section(
        name="test-notes",
        build=build,
        templates={
            sections.SURFACE_PAGE: page("page"),
            sections.SURFACE_SITE: Template('<p class="test-section">site {{ section.site }}</p>'),
            sections.SURFACE_PDF: Template("<p>PDF note: {{ section.text }}</p>"),
            sections.SURFACE_EMAIL: Template("<p>Mail note: {{ section.text }}</p>"),
            sections.SURFACE_EMAIL_TEXT: Template("Text note: {{ section.text }}"),
        },
        slot=sections.SLOT_TOP,
        snapshot=lambda data: {"text": data["text"]},
    )
    column = sections.OverviewColumn(
        name="test-column",
        header="Test column",
        build=lambda ids, period, compare: {i: f"cell-{i}" for i in ids},
        template=Template("<span class=cell>{{ cell }}</span>"),
    )
    sections.register(section)
    sections.register_column(column)
    yield calls
    sections._registry.sections.pop("test-notes")
    sections._registry.columns.pop("test-column")


def test_a_section_shows_on_its_clients_report_escaped_and_above_the_figures(
    client, staff_user, client_a, client_b, seen
):
    client.force_login(staff_user)
    html = client.get("/clients/acme/?period=30d").content.decode()

    assert "page: &lt;b&gt;bold&lt;/b&gt; &amp; =cmd (staff)" in html
    assert "<b>bold</b>" not in html
    assert html.index("test-section") < html.index('class="kpis')
    request = seen[-1]
    assert request.audience == AUDIENCE_STAFF and request.user == staff_user and request.period.days == 30

    assert "test-section" not in client.get("/clients/globex/?period=30d").content.decode()


def test_client_users_get_their_audience_and_the_site_page_its_site(client, client_a_user, client_a, seen):
    client.force_login(client_a_user)
    assert "(client)" in client.get("/clients/acme/").content.decode()
    assert seen[-1].audience == AUDIENCE_CLIENT

    from kinsta_sync.models import Site

    site = Site.objects.get(name="acme-blog")
    html = client.get(f"/clients/acme/sites/{site.pk}/").content.decode()
    assert f"site {site.pk}" in html


def test_the_section_is_fresh_on_a_cached_report_page(client, staff_user, client_a, seen):
    client.force_login(staff_user)
    client.get("/clients/acme/")
    client.get("/clients/acme/")  # the body comes from the fragment cache; the section is built again
    assert len(seen) == 2


def test_a_cached_section_is_built_once_per_data_version(client, staff_user, client_a, seen):
    from dataclasses import replace

    from kinsta_sync.models import SyncRun

    sections.register(replace(sections._registry.sections["test-notes"], cached=True))
    client.force_login(staff_user)
    for _ in range(2):
        assert "page: &lt;b&gt;bold&lt;/b&gt;" in client.get("/clients/acme/").content.decode()
    assert len(seen) == 1  # the second page read it from the report cache
    client.get("/clients/acme/?period=7d")
    assert len(seen) == 2  # another period, another entry
    # A sync moves the data version on (a new run): built again.
    SyncRun.objects.create(account=client_a.site_assignments.first().site.account, trigger="manual", status="success")
    client.get("/clients/acme/")
    assert len(seen) == 3
    # The PDF and the e-mail (no page version) always build it.
    sections.build(sections.SectionRequest(client_a, seen[0].period, None, "pdf"), sections.SURFACE_PDF)
    assert len(seen) == 4


def test_the_share_page_shows_the_page_surface(client, client_a, staff_user, seen):
    link = create_share_link(client=client_a, query={"period": "30d"}, days=7, created_by=staff_user)
    html = client.get(share_path(link)).content.decode()
    assert "page: &lt;b&gt;bold&lt;/b&gt;" in html and "(share)" in html


@pytest.mark.needs("pango")
def test_the_pdf_shows_the_pdf_surface(client, staff_user, client_a, settings, seen):
    from tests.pdf_text import pdf_text

    settings.CHROMIUM_PATH = "/nonexistent/chromium"
    client.force_login(staff_user)
    response = client.get("/clients/acme/report.pdf?period=30d")
    assert "PDF note: <b>bold</b> & =cmd" in pdf_text(response.content)
    assert seen[-1].audience == "pdf"


@pytest.mark.needs("pango")
def test_the_email_shows_what_the_send_stored(client_a, settings, tmp_path, seen):
    settings.CHROMIUM_PATH = "/nonexistent/chromium"
    settings.REPORTS_ROOT = tmp_path
    send, _ = ensure_send(client=client_a, period=Period(date(2026, 1, 1), date(2026, 1, 31)), compare="none",
                          recipients=["boss@acme.example"])  # fmt: skip
    deliver(send.pk)
    send.refresh_from_db()
    assert send.numbers["sections"]["test-notes"] == {"text": HOSTILE}
    # Built once for the send: the PDF's data is what the e-mail's snapshot was taken from.
    assert len(seen) == 1
    message = mail.outbox[-1]
    assert "Text note: <b>bold</b> & =cmd" in message.body
    html = message.alternatives[0][0]
    assert "Mail note: &lt;b&gt;bold&lt;/b&gt; &amp; =cmd" in html
    assert html.index("Mail note") < html.index("Headline figures")


def test_an_overview_column_gets_a_cell_per_client(client, staff_user, client_a, client_b, seen):
    client.force_login(staff_user)
    html = client.get("/").content.decode()
    assert "Test column</th>" in html
    assert f"cell-{client_a.pk}" in html and f"cell-{client_b.pk}" in html


def test_a_section_names_known_slots_and_surfaces():
    with pytest.raises(ValueError, match="slot"):
        sections.Section(name="x", build=lambda r: None, templates={}, slot="middle")
    with pytest.raises(ValueError, match="surfaces"):
        sections.Section(name="x", build=lambda r: None, templates={"fax": "x.html"})
