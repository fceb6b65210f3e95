"""The maintenance section's data in the mirror, as the wordpress sync step stores it (kinsta_sync.sync.wordpress).

`maintained` gives Acme (client_a) and Globex (client_b) plugins, themes, update events and backups: Acme's
shop has a vulnerable WooCommerce 8.9.1 (with 8.9.3 available) and was updated from Yoast 22.6 to 22.8 in the
period; its blog's last backup is three days old. Globex has a vulnerable plugin of its own ("Globex Only
Plugin") that must never show on Acme's pages.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kinsta_sync.models import Backup, InstalledItem, Site, UpdateEvent

HOSTILE_TITLE = '<script>alert("x")</script> Evil & Co'
HOSTILE_NAME = '=HYPERLINK("http://evil.example","click")'


def add_items(env, *items, when=None):  # type: ignore[no-untyped-def]
    """Installed items: (kind, name, title, version, update_version, vulnerable)."""
    when = when or timezone.now()
    for kind, name, title, version, update_version, vulnerable in items:
        InstalledItem.objects.create(
            environment=env, kind=kind, name=name, title=title, version=version, update_version=update_version,
            is_version_vulnerable=vulnerable, status="active", first_seen_at=when, last_seen_at=when,
        )  # fmt: skip
    type(env).objects.filter(pk=env.pk).update(installed_synced_at=when, backups_synced_at=when)


def add_backups(env, *hours_ago: int) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    for index, hours in enumerate(hours_ago):
        Backup.objects.create(environment=env, kinsta_id=env.pk * 1000 + index, type="daily", note="Daily Auto Backup",
                              created_at=now - timedelta(hours=hours))  # fmt: skip


@pytest.fixture
def maintained(client_a, client_b):  # type: ignore[no-untyped-def]
    shop = Site.objects.get(name="acme-shop")
    blog = Site.objects.get(name="acme-blog")
    globex = Site.objects.get(name="globex-main")
    for site in (shop, blog, globex):
        site.live = site.environments.get(is_live=True)
        site.staging = site.environments.filter(is_live=False).first()
    add_items(
        shop.live,
        ("plugin", "woocommerce", "WooCommerce", "8.9.1", "8.9.3", True),
        ("plugin", "wordpress-seo", "Yoast SEO", "22.8", "", False),
        ("plugin", HOSTILE_NAME, HOSTILE_TITLE, "1.0", "1.1", True),
        ("theme", "astra", "Astra", "4.7.0", "", False),
    )
    add_items(shop.staging, ("plugin", "akismet", "Akismet Anti-spam", "5.3.1", "5.3.2", False))
    add_items(blog.live, ("plugin", "jetpack", "Jetpack", "13.5", "", None))
    add_items(globex.live, ("plugin", "globex-only", "Globex Only Plugin", "2.0", "", True))
    UpdateEvent.objects.create(
        environment=shop.live,
        kind="plugin",
        name="wordpress-seo",
        title="Yoast SEO",
        from_version="22.6",
        to_version="22.8",
        seen_at=timezone.now() - timedelta(days=3),
    )
    add_backups(shop.live, 5, 29)
    add_backups(shop.staging, 10)
    add_backups(blog.live, 72, 96)
    add_backups(globex.live, 2)
    return {"shop": shop, "blog": blog, "globex": globex}
