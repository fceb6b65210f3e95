"""Fixtures of the export tests: a client whose sites, activity and branding carry hostile names."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile

from clients.models import AgencyBranding
from kinsta_sync.models import ActivityLogEntry
from tests.factories import add_points, assign, make_account, make_client, make_site

HOSTILE = [
    "<script>alert(1)</script> Landing",
    "Gallery <img src=x onerror=alert(1)>",
    '=HYPERLINK("http://evil.example")',
    "東京ベーカリー",
    "Pizza 🍕 Palace",
]


def png_logo() -> bytes:
    """A small PNG in the client's colour (a logo)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), "#d14b2f").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REPORTS_ROOT = tmp_path / "reports"
    return tmp_path


@pytest.fixture
def hostile(media):
    account = make_account()
    client = make_client("Hostile <b>Client</b>", slug="hostile", brand_color="#d14b2f")
    client.logo.save("logo.png", ContentFile(png_logo()), save=True)
    sites = []
    today = date.today()
    for index, name in enumerate(HOSTILE):
        site = make_site(account, name=f"h{index}", display_name=name, domains=[f"h{index}.example.com"])
        days = [today - timedelta(days=d) for d in range(1, 40)]
        add_points(site.live, metric="visits", days={d: 1000 * (index + 1) + d.day for d in days})
        add_points(site.live, metric="bandwidth", days={d: 3 * 10**9 for d in days})
        add_points(site.live, metric="disk_usage", days={d: 10**9 for d in days})
        ActivityLogEntry.objects.create(
            account=account, kinsta_id=index + 1, site=site, occurred_at=site.first_seen_at - timedelta(days=2),
            type="updatePlugin", description=f"Updated {name}", initiated_by_name="=cmd|' /C calc'!A0",
        )  # fmt: skip
        sites.append(site)
    assign(sites, client)
    branding = AgencyBranding.get()
    branding.name = "Pixel & Partners"
    branding.save()
    return client
