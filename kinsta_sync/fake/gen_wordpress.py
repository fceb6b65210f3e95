"""Generated WordPress state per environment: installed plugins and themes, and backups (REFERENCE.md §5.1, §5.2).

Each environment's state comes from its own ``random.Random`` seeded by the environment id, so adding it
changed no other generated value of a seed. What a maintenance report needs is all there, deterministically:

* a pool of real plugins and themes (real slugs, titles and plausible versions), about a dozen per site;
* some with an update available, a few whose installed version is vulnerable (and, rarely, whose update is
  vulnerable too);
* ``apply_update()`` installs an available update, as an agency would between two syncs;
* backups: a scheduled one every night of the last two weeks, some manual and system ones; the first
  live environment of every seventh site stopped getting backups four days ago.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from .hostile import FORMULAS, XSS_SCRIPT
from .records import FakeEnvironment, FakeSite

# (slug, title, installed versions to pick from, latest version)
PLUGIN_POOL: list[tuple[str, str, tuple[str, ...], str]] = [
    ("woocommerce", "WooCommerce", ("8.9.1", "8.9.2", "8.9.3"), "8.9.3"),
    ("wordpress-seo", "Yoast SEO", ("22.6", "22.7", "22.8"), "22.8"),
    ("akismet", "Akismet Anti-spam: Spam Protection", ("5.3.1", "5.3.2"), "5.3.2"),
    ("contact-form-7", "Contact Form 7", ("5.9.3", "5.9.5", "5.9.6"), "5.9.6"),
    ("elementor", "Elementor", ("3.21.8", "3.22.0", "3.22.1"), "3.22.1"),
    ("wordfence", "Wordfence Security", ("7.11.5", "7.11.6"), "7.11.6"),
    ("jetpack", "Jetpack", ("13.4", "13.5"), "13.5"),
    ("advanced-custom-fields", "Advanced Custom Fields", ("6.2.10", "6.3.1"), "6.3.1"),
    ("wpforms-lite", "WPForms Lite", ("1.8.8.3", "1.8.9.2"), "1.8.9.2"),
    ("redirection", "Redirection", ("5.4.2",), "5.4.2"),
    ("updraftplus", "UpdraftPlus: WP Backup & Migration Plugin", ("1.24.3", "1.24.4"), "1.24.4"),
    ("wp-mail-smtp", "WP Mail SMTP", ("4.0.1",), "4.0.1"),
    ("classic-editor", "Classic Editor", ("1.6.3",), "1.6.3"),
    ("litespeed-cache", "LiteSpeed Cache", ("6.2.0.1", "6.3"), "6.3"),
    ("really-simple-ssl", "Really Simple SSL", ("8.1.5", "8.3.0"), "8.3.0"),
    ("the-events-calendar", "The Events Calendar", ("6.5.0", "6.5.1"), "6.5.1"),
    ("woocommerce-payments", "WooPayments", ("7.6.0", "7.7.0"), "7.7.0"),
    ("duplicate-post", "Yoast Duplicate Post", ("4.5",), "4.5"),
]
THEME_POOL: list[tuple[str, str, tuple[str, ...], str]] = [
    ("twentytwentyfour", "Twenty Twenty-Four", ("1.1", "1.2"), "1.2"),
    ("twentytwentythree", "Twenty Twenty-Three", ("1.4",), "1.4"),
    ("astra", "Astra", ("4.6.14", "4.7.0"), "4.7.0"),
    ("generatepress", "GeneratePress", ("3.4.0",), "3.4.0"),
    ("hello-elementor", "Hello Elementor", ("3.0.1", "3.0.2"), "3.0.2"),
    ("kadence", "Kadence", ("1.2.3", "1.2.4"), "1.2.4"),
    ("storefront", "Storefront", ("4.5.5", "4.6.0"), "4.6.0"),
]
# Plugin versions with a known vulnerability in the fake's world (the update fixes it unless listed here too).
VULNERABLE = {("woocommerce", "8.9.1"), ("elementor", "3.21.8"), ("really-simple-ssl", "8.1.5"), ("astra", "4.6.14")}
VULNERABLE_UPDATES = {("the-events-calendar", "6.5.1")}
HOSTILE_PLUGIN_NAME = FORMULAS[0]
HOSTILE_PLUGIN_TITLE = f"{XSS_SCRIPT} Totally Safe SEO"
AUTO_UPDATE_TYPES = (None, None, "enabled", "disabled")
BACKUP_DAYS = 14
STOPPED_DAYS_AGO = 4


@dataclass
class FakeInstalled:
    name: str
    title: str
    status: str  # active | inactive (themes: one active, the rest inactive)
    version: str
    latest: str
    auto_update_type: str | None

    @property
    def update_version(self) -> str | None:
        return self.latest if self.latest != self.version else None

    @property
    def is_version_vulnerable(self) -> bool:
        return (self.name, self.version) in VULNERABLE

    @property
    def is_update_version_vulnerable(self) -> bool:
        return self.update_version is not None and (self.name, self.update_version) in VULNERABLE_UPDATES


@dataclass(frozen=True)
class FakeBackup:
    id: int
    name: str
    note: str | None
    type: str
    created_at: int  # epoch milliseconds (REFERENCE.md §5.2)


@dataclass
class FakeWordPress:
    plugins: list[FakeInstalled] = field(default_factory=list)
    themes: list[FakeInstalled] = field(default_factory=list)
    backups: list[FakeBackup] = field(default_factory=list)  # newest first

    def items(self, kind: str) -> list[FakeInstalled]:
        return self.plugins if kind == "plugin" else self.themes


def _pick(rng: random.Random, pool: list[tuple[str, str, tuple[str, ...], str]], count: int) -> list[FakeInstalled]:
    chosen = rng.sample(pool, min(count, len(pool)))
    return [
        FakeInstalled(
            name=slug,
            title=title,
            status="active" if rng.random() < 0.85 else "inactive",
            version=rng.choice(versions),
            latest=latest,
            auto_update_type=rng.choice(AUTO_UPDATE_TYPES),
        )
        for slug, title, versions, latest in chosen
    ]


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def make_wordpress(
    site_index: int, site: FakeSite, env: FakeEnvironment, today: date, *, hostile: bool = False
) -> FakeWordPress:
    rng = random.Random(f"{env.id}:wordpress")
    plugins = _pick(rng, PLUGIN_POOL, rng.randint(6, 12))
    # WooCommerce on every shop-like site and on the first: the fake's showcase plugin (vulnerable 8.9.1).
    if (site_index == 0 or "shop" in site.name) and all(p.name != "woocommerce" for p in plugins):
        plugins.insert(0, FakeInstalled("woocommerce", "WooCommerce", "active", "8.9.1", "8.9.3", None))
    if hostile and site_index == 1 and env.name == "live":
        # A title and a name only a hostile plugin author would pick: reports must show them as text.
        plugins.append(FakeInstalled(HOSTILE_PLUGIN_NAME, HOSTILE_PLUGIN_TITLE, "active", "1.0", "1.1", None))
    themes = _pick(rng, THEME_POOL, rng.randint(1, 3))
    for index, theme in enumerate(themes):
        theme.status = "active" if index == 0 else "inactive"
    midnight = datetime(today.year, today.month, today.day, tzinfo=UTC)
    stopped = env.name == "live" and site_index % 7 == 3
    backups: list[FakeBackup] = []
    base_id = rng.randint(100_000_000, 900_000_000)
    for days_ago in range(BACKUP_DAYS):
        if stopped and days_ago < STOPPED_DAYS_AGO:
            continue
        moment = midnight - timedelta(days=days_ago) + timedelta(hours=3, minutes=rng.randint(0, 50))
        backups.append(
            FakeBackup(
                base_id + days_ago * 3, f"{site.name}-{_ms(moment)}-daily", "Daily Auto Backup", "daily", _ms(moment)
            )
        )
        if rng.random() < 0.12:
            manual = moment + timedelta(hours=rng.randint(5, 15))
            backups.append(FakeBackup(base_id + days_ago * 3 + 1, f"{site.name}-{_ms(manual)}-manual",
                                      rng.choice(["Before theme change", "Before plugin updates", None]),
                                      "manual", _ms(manual)))  # fmt: skip
        if rng.random() < 0.05:
            system = moment + timedelta(hours=rng.randint(1, 4))
            backups.append(FakeBackup(base_id + days_ago * 3 + 2, f"{site.name}-{_ms(system)}-system",
                                      "Backup before restore", "system", _ms(system)))  # fmt: skip
    backups.sort(key=lambda b: b.created_at, reverse=True)
    return FakeWordPress(plugins=plugins, themes=themes, backups=backups)
