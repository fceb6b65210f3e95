"""Generated sites, environments and their daily analytics (REFERENCE.md §4.1 to §4.3), from one ``random.Random``."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from .hostile import _HOSTILE_SITE_NAMES, HOSTILE_LABELS
from .records import METRICS, FakeEnvironment, FakeSite, Ref, slugify, uuid_from

if TYPE_CHECKING:
    from .data import AgencySpec

BRANDS = [
    ("Acme Corp", "acme-corp.com"),
    ("Bluebird Bakery", "bluebird-bakery.com"),
    ("Northwind Traders", "northwind-traders.com"),
    ("Harbor Dental", "harbordental.co.uk"),
    ("Summit Outdoor", "summit-outdoor.com"),
    ("Lumen Law", "lumenlaw.com"),
    ("Green Leaf Organics", "greenleaf-organics.com"),
    ("Copperline Coffee", "copperline.coffee"),
    ("Atlas Logistics", "atlas-logistics.io"),
    ("Riverside Yoga", "riverside-yoga.com"),
    ("Nordlicht Reisen", "nordlicht-reisen.de"),
    ("Pixel & Pine", "pixelandpine.studio"),
    ("Fjord Fintech", "fjordfintech.no"),
    ("Maple Street Books", "maplestreetbooks.ca"),
    ("Orbit Robotics", "orbit-robotics.ai"),
    ("Casa Verde Hotels", "casaverde-hotels.es"),
]
_BRAND_WORDS_A = ["Silver", "Red", "Evergreen", "Golden", "Blue", "Iron", "Coastal", "Urban", "Alpine", "Sunny"]
_BRAND_WORDS_B = ["Labs", "Studio", "Partners", "Foods", "Clinic", "Works", "Group", "Media", "Goods", "Travel"]
_SUBSITES = [
    ("", "Website"),
    ("shop", "Shop"),
    ("blog", "Blog"),
    ("careers", "Careers"),
    ("events", "Events"),
    ("help", "Help Center"),
    ("de", "Deutschland"),
    ("news", "Newsroom"),
]
_SOLO_SITES = [
    "Maria Lopez Photography",
    "Old Town Pizzeria",
    "The Quiet Garden",
    "Jonas Weber Portfolio",
    "City Marathon 2026",
    "Hilltop Vet Clinic",
    "Paper Crane Wedding Films",
    "Kinsta Migration Test",
    "Westside Climbing Gym",
    "Lakeside Jazz Festival",
]

PHP_VERSIONS = ["php8.1", "php8.2", "php8.2", "php8.3", "php8.3", "php8.3", "php8.4"]
_WORDPRESS = ["6.8.3", "6.8.3", "6.8.2", "6.7.2", "6.6.2", "6.5.5"]


# The first numeric label id, as in a public client's recording of a real response ({"id": 3335, ...}).
FIRST_NUMERIC_LABEL_ID = 3335


def number_some_labels(sites: list[FakeSite]) -> None:
    """Give the labels of every third site (the 3rd, 6th, ...) numeric ids, wherever those labels appear.

    Kinsta's document types label ids as strings; public clients recorded numbers from the live API. The
    fake serves both shapes, so the client is exercised with both. Uses no randomness: every other id and
    value of a seed stays as it was.
    """
    numbered: dict[str, str] = {}
    for index, site in enumerate(sites):
        if index % 3 == 2:
            for label in site.labels:
                numbered.setdefault(label.id, str(FIRST_NUMERIC_LABEL_ID + 7 * len(numbered)))
    for site in sites:
        site.labels = [Ref(numbered.get(label.id, label.id), label.name) for label in site.labels]


# Weekly rhythm of traffic, Monday first: agency clients are mostly business sites, so weekends dip.
_WEEKDAY_FACTOR = (1.0, 1.05, 1.03, 0.98, 0.9, 0.66, 0.6)


@dataclass
class Series:
    """Per-environment daily values; a day missing from a dict is a gap (no data that day)."""

    values: dict[str, dict[date, int]] = field(default_factory=dict)


def _site_blueprints(rng: random.Random, count: int) -> list[tuple[str, str, str | None, str | None]]:
    """(display_name, slug, label, custom domain) for ``count`` sites.

    Brands get several sites sharing a label and a registered domain (shop.acme-corp.com,
    blog.acme-corp.com); about a fifth are one-off clients without a label.
    """
    brands = list(BRANDS)
    rng.shuffle(brands)
    solos = list(_SOLO_SITES)
    rng.shuffle(solos)
    out: list[tuple[str, str, str | None, str | None]] = []
    brand_index = 0
    while len(out) < count:
        if solos and rng.random() < 0.2:
            name = solos.pop()
            domain = f"{slugify(name)}.com" if rng.random() < 0.8 else None
            out.append((name, slugify(name), None, domain))
            continue
        if brand_index < len(brands):
            brand, apex = brands[brand_index]
        else:
            brand = f"{rng.choice(_BRAND_WORDS_A)} {rng.choice(_BRAND_WORDS_B)} {brand_index}"
            apex = f"{slugify(brand)}.com"
        brand_index += 1
        subsites = [_SUBSITES[0], *rng.sample(_SUBSITES[1:], rng.randint(0, 4))]
        for prefix, title in subsites:
            if len(out) >= count:
                break
            host = f"{prefix}.{apex}" if prefix else apex
            slug = slugify(f"{brand} {prefix}") if prefix else slugify(brand)
            display = brand if not prefix else f"{brand} \u2013 {title}"
            out.append((display, slug, brand, host))
    return out


def make_sites(rng: random.Random, spec: AgencySpec, today: date) -> list[FakeSite]:
    blueprints = _site_blueprints(rng, spec.sites)
    label_ids: dict[str, str] = {}
    hostile_slots = rng.sample(range(len(blueprints)), min(len(blueprints), len(_HOSTILE_SITE_NAMES)))
    sites = []
    for index, (display, slug, label, domain) in enumerate(blueprints):
        labels: list[Ref] = []
        if label is not None:
            label_ids.setdefault(label, uuid_from(rng))
            labels.append(Ref(label_ids[label], label))
        if spec.hostile and index in hostile_slots:
            display = _HOSTILE_SITE_NAMES[hostile_slots.index(index)]
            if hostile_slots.index(index) < len(HOSTILE_LABELS):
                hostile_label = HOSTILE_LABELS[hostile_slots.index(index)]
                label_ids.setdefault(hostile_label, uuid_from(rng))
                labels.append(Ref(label_ids[hostile_label], hostile_label))
        # About one site in ten was created inside the history window, so it has no data before.
        if rng.random() < 0.1 and spec.days > 2:
            created = today - timedelta(days=rng.randint(1, spec.days - 1))
        else:
            created = today - timedelta(days=spec.days + rng.randint(10, 1500))
        site_id = uuid_from(rng)
        environments = [_make_environment(rng, site_id, slug, "live", domain, created, today)]
        if rng.random() < spec.staging_share:
            staging_created = min(today, created + timedelta(days=rng.randint(0, 400)))
            environments.append(_make_environment(rng, site_id, slug, "staging", None, staging_created, today))
        sites.append(
            FakeSite(
                id=site_id,
                name=slug,
                display_name=display,
                status="live",
                labels=labels,
                environments=environments,
                created_day=created,
            )
        )
    return sites


def _make_environment(
    rng: random.Random, site_id: str, slug: str, name: str, custom_domain: str | None, created: date, today: date
) -> FakeEnvironment:
    env_id = uuid_from(rng)
    compact = slug.replace("-", "")[:40]
    if name == "live":
        kinsta_host = f"{compact}.kinsta.cloud"
        hosts = [custom_domain, f"www.{custom_domain}"] if custom_domain else []
        if custom_domain and custom_domain.count(".") > 1:
            hosts = [custom_domain]  # subdomain sites (shop.acme-corp.com) have no www alias
        hosts.append(kinsta_host)
    else:
        hosts = [f"stg-{compact}.kinsta.cloud"]
    domains = [Ref(uuid_from(rng), host) for host in hosts]
    return FakeEnvironment(
        id=env_id,
        site_id=site_id,
        name=name,
        display_name="Live" if name == "live" else "Staging",
        domains=domains,
        primary_domain=domains[0],
        php_version=rng.choice(PHP_VERSIONS),
        wordpress_version=rng.choice(_WORDPRESS),
        is_premium=name != "live" and rng.random() < 0.3,
        is_blocked=rng.random() < 0.02,
        created_day=created,
        container_id=uuid_from(rng),
        id_edge_cache=uuid_from(rng) if rng.random() < 0.8 else None,
        cdn_cache_id=uuid_from(rng) if rng.random() < 0.85 else None,
        web_root=f"/www/{compact[:20]}_{rng.randint(100, 999)}/public",
        # S1 types this nullable but its enum has no null, so a null would break the contract.
        image_optimization_type=rng.choice(["off", "lossy", "lossless"]),
        is_opt_out_from_automatic_php_update=rng.choice([False, False, True, None]),
        is_additional_sftp_accounts_enabled=rng.random() < 0.2,
        ssh_port=str(rng.randint(10000, 65000)),
        ssh_ip=f"34.{rng.randint(1, 254)}.{rng.randint(1, 254)}.{rng.randint(1, 254)}",
    )


def make_series(rng: random.Random, env: FakeEnvironment, spec: AgencySpec, today: date) -> Series:
    """Daily visits/bandwidth/cdn-bandwidth/diskspace for one environment.

    Visits: a base level (lognormal across sites) * weekly rhythm * slow growth * noise, with rare
    spikes; staging gets a handful of visits (the team testing). Bandwidth = visits * page weight,
    CDN bandwidth a share of it. Disk space is a slowly growing gauge with the odd cleanup.
    """
    staging = env.name != "live"
    base = rng.uniform(0, 6) if staging else 10 ** rng.uniform(1.3, 4.2)
    growth = rng.uniform(-0.02, 0.08)  # per 30 days
    page_weight = rng.uniform(1.2e6, 6e6)  # bytes per unique visitor per day
    cdn_share = rng.uniform(0.3, 0.85)
    disk = rng.uniform(2e8, 2e10) if not staging else rng.uniform(2e8, 5e9)
    disk_growth = rng.uniform(0.0002, 0.004)
    first_day = today - timedelta(days=spec.days - 1)
    start = max(first_day, env.created_day)
    gaps = set()
    if rng.random() < 0.2:
        for _ in range(rng.randint(1, 3)):
            gaps.add(first_day + timedelta(days=rng.randrange(spec.days)))

    series = Series({metric: {} for metric in METRICS})
    for offset in range(spec.days):
        day = first_day + timedelta(days=offset)
        # Draw the random numbers every day, even before creation, so data stays stable when
        # `created_day` shifts only the visible window.
        noise = max(0.0, rng.gauss(1.0, 0.12))
        spike = rng.uniform(2.0, 6.0) if rng.random() < 0.015 else 1.0
        weight_noise = rng.uniform(0.85, 1.15)
        cdn_noise = rng.uniform(0.9, 1.1)
        cleanup = rng.random() < 0.01
        disk = disk * (0.8 if cleanup else 1 + disk_growth * rng.uniform(0.2, 1.8))
        if day < start or day in gaps:
            continue
        ramp = min(1.0, ((day - env.created_day).days + 1) / 14)  # new sites take two weeks to pick up
        trend = (1 + growth) ** (offset / 30)
        visits = round(base * _WEEKDAY_FACTOR[day.weekday()] * trend * noise * spike * ramp)
        bandwidth = round(visits * page_weight * weight_noise) + (rng.randint(0, 50_000) if staging else 0)
        series.values["visits"][day] = visits
        series.values["bandwidth"][day] = bandwidth
        series.values["cdn-bandwidth"][day] = round(bandwidth * cdn_share * cdn_noise)
        series.values["diskspace"][day] = math.floor(disk)
    return series
