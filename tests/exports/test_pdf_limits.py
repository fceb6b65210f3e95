"""PDF work is bounded: a process renders REPORTS_PDF_CONCURRENCY PDFs at once, a web request that finds no
free slot in time gets 503 with Retry-After (pages stay responsive), and a share link's PDF is limited per
minute and served from the cache while nothing changed."""

from __future__ import annotations

import threading
import time

import pytest

from dashboard.delivery.sharing import create_share_link, share_path
from dashboard.exports.limits import PdfBusy, pdf_slot

pytestmark = [pytest.mark.django_db, pytest.mark.needs("pango")]


@pytest.fixture(autouse=True)
def _tables_only(settings, tmp_path):
    settings.CHROMIUM_PATH = "/nonexistent/chromium"  # charts are not what is under test here
    settings.REPORTS_ROOT = tmp_path / "reports"
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_pdf_request_that_finds_every_slot_taken_gets_503_with_retry_after(client, client_a_user, settings):
    settings.REPORTS_PDF_WAIT_SECONDS = 0.05
    client.force_login(client_a_user)
    with pdf_slot(wait=None):  # another request is rendering
        response = client.get("/clients/acme/report.pdf?period=30d")
        assert response.status_code == 503
        assert response["Retry-After"] == "10"
        assert "private" in response["Cache-Control"]
    response = client.get("/clients/acme/report.pdf?period=30d")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")


def test_a_slot_is_waited_for_and_given_back(settings):
    settings.REPORTS_PDF_CONCURRENCY = 1
    released = threading.Event()

    def hold() -> None:
        with pdf_slot(wait=None):
            released.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.05)
    with pytest.raises(PdfBusy), pdf_slot(wait=0.05):
        pass
    threading.Timer(0.1, released.set).start()
    started = time.monotonic()
    with pdf_slot(wait=5):  # background work waits for its turn
        assert time.monotonic() - started >= 0.05
    holder.join()


def test_a_share_links_pdf_is_cached_for_unchanged_data_and_limited_per_minute(
    client, client_a, staff_user, settings, django_assert_max_num_queries
):
    settings.REPORTS_SHARE_PDF_PER_MINUTE = 3
    link = create_share_link(client=client_a, query={"period": "30d"}, days=7, created_by=staff_user)
    url = share_path(link) + "report.pdf"
    first = client.get(url)
    assert first.status_code == 200 and first.content.startswith(b"%PDF-")
    with django_assert_max_num_queries(4):  # the link, the data version, its view count: no report, no render
        second = client.get(url)
    assert second.status_code == 200 and second.content == first.content
    assert client.get(url).status_code == 200
    limited = client.get(url)
    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 60
    assert "no-store" in limited["Cache-Control"]
