"""Plain helpers that put mirror rows and clients straight into the database (no sync, no HTTP).

Use them where a test needs a few known sites; use the `account` fixture with `run_sync` where the
test is about what a sync does.
"""

from __future__ import annotations

import functools
import itertools
import uuid
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from kinsta_sync.models import AnalyticsPoint, Environment, KinstaAccount, Site, SiteLabel

_counter = itertools.count(1)


def _kinsta_id() -> str:
    return str(uuid.uuid4())


def make_account(*, name: str = "Test Agency", company_id: str | None = None) -> KinstaAccount:
    account = KinstaAccount(company_id=company_id or _kinsta_id(), name=name)
    account.set_api_key(f"test-key-{next(_counter):06d}")
    account.save()
    return account


def make_label(account: KinstaAccount, name: str) -> SiteLabel:
    label = SiteLabel.objects.filter(account=account, name=name).first()
    return label or SiteLabel.objects.create(account=account, kinsta_id=_kinsta_id(), name=name)


def make_site(
    account: KinstaAccount,
    *,
    name: str,
    display_name: str | None = None,
    labels: Iterable[str] = (),
    domains: Iterable[str] = (),
    staging: bool = False,
) -> Site:
    """A site with a live environment (its domains, the first one primary) and optionally a staging one.

    `site.live` and `site.staging` (None without staging) hold the environments.
    """
    site = Site.objects.create(account=account, kinsta_id=_kinsta_id(), name=name, display_name=display_name or name)
    site.labels.set([make_label(account, label) for label in labels])
    compact = name.replace("-", "")[:40]
    live_domains = [*domains, f"{compact}.kinsta.cloud"]
    site.live = Environment.objects.create(  # type: ignore[attr-defined]
        site=site,
        kinsta_id=_kinsta_id(),
        name="live",
        display_name="Live",
        is_live=True,
        primary_domain=live_domains[0],
        domains=live_domains,
    )
    site.staging = None  # type: ignore[attr-defined]
    if staging:
        site.staging = Environment.objects.create(  # type: ignore[attr-defined]
            site=site,
            kinsta_id=_kinsta_id(),
            name="staging",
            display_name="Staging",
            is_live=False,
            primary_domain=f"stg-{compact}.kinsta.cloud",
            domains=[f"stg-{compact}.kinsta.cloud"],
        )
    return site


def add_points(environment: Environment, *, metric: str, days: dict[date, int]) -> list[AnalyticsPoint]:
    return AnalyticsPoint.objects.bulk_create(
        [AnalyticsPoint(environment=environment, metric=metric, day=day, value=value) for day, value in days.items()]
    )


@functools.cache
def _hashed(password: str, hashers: tuple[str, ...]) -> str:
    # Hashing is slow on purpose; the personas share a few passwords, so hash each one once per run
    # (per hasher setting: a test may switch PASSWORD_HASHERS).
    return make_password(password)


def make_user(username: str, *, password: str, email: str | None = None, is_staff: bool = False, **extra):  # type: ignore[no-untyped-def]
    user = get_user_model()(username=username, email=email or f"{username}@example.com", is_staff=is_staff, **extra)
    user.password = _hashed(password, tuple(settings.PASSWORD_HASHERS))
    user.save()
    return user


def make_client(name: str, *, slug: str | None = None, **fields):  # type: ignore[no-untyped-def]
    from django.utils.text import slugify

    from clients.models import Client

    return Client.objects.create(name=name, slug=slug or slugify(name), **fields)


def make_member(user, client):  # type: ignore[no-untyped-def]
    from clients.models import ClientMembership

    return ClientMembership.objects.create(user=user, client=client)


def assign(sites: Iterable[Site], client) -> None:  # type: ignore[no-untyped-def]
    from clients.models import SiteAssignment

    for site in sites:
        SiteAssignment.objects.update_or_create(site=site, defaults={"client": client, "source": "manual"})
