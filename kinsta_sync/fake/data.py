"""Deterministic, realistic data for the fake Kinsta API.

Everything is derived from ``AgencySpec.seed`` through one ``random.Random``, so the same spec
always gives the same company, sites, analytics and activity (ids included). The shapes follow
shared/kinsta-api/REFERENCE.md (§3 company endpoints, §4 sites/analytics/usage); the HTTP layer
in ``app.py`` turns these objects into JSON.
"""

from __future__ import annotations

import hashlib
import math
import random
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

METRICS = ("visits", "bandwidth", "cdn-bandwidth", "diskspace")

# Activity-log categories accepted by the `category` filter (REFERENCE.md §3.5).
CATEGORIES = (
    "siteActions",
    "kinstaDns",
    "migrations",
    "billing",
    "notifications",
    "userManagement",
    "personalSettings",
    "samlSso",
)


class Ref(NamedTuple):
    """An ``(id, name)`` pair: a site label or a domain. Unpacks like a plain tuple.

    A label id made of digits only is served as a JSON number (see ``numeric_label_ids``).
    """

    id: str
    name: str


@dataclass(frozen=True)
class AgencySpec:
    seed: int = 1
    sites: int = 60
    days: int = 120  # days of analytics history ending today (UTC)
    staging_share: float = 0.3  # share of sites that also have a staging environment
    users: int = 8
    activity_events: int = 400
    hostile: bool = True  # include hostile-but-legal strings
    hostile_everywhere: bool = False  # every name, label, description and error is hostile
    today: date | None = None  # defaults to today's UTC date
    # The labels of every third site get numeric ids, served as JSON numbers: public clients recorded
    # label ids as numbers against the live API, where the OpenAPI document says string (issue 10).
    numeric_label_ids: bool = True


@dataclass
class FakeEnvironment:
    id: str
    site_id: str
    name: str  # "live" or "staging"
    display_name: str
    domains: list[Ref]
    primary_domain: Ref
    php_version: str  # with the "php" prefix Kinsta uses, e.g. "php8.3" (REFERENCE.md §4.1)
    wordpress_version: str | None
    is_premium: bool
    is_blocked: bool
    created_day: date
    container_id: str
    id_edge_cache: str | None
    cdn_cache_id: str | None
    web_root: str
    image_optimization_type: str | None
    is_opt_out_from_automatic_php_update: bool | None
    is_additional_sftp_accounts_enabled: bool
    ssh_port: str  # a string on the wire (REFERENCE.md §4.1)
    ssh_ip: str


@dataclass
class FakeSite:
    id: str
    name: str  # slug
    display_name: str
    status: str
    labels: list[Ref]
    environments: list[FakeEnvironment]
    created_day: date
    removed: bool = False

    @property
    def live(self) -> FakeEnvironment:
        return next(env for env in self.environments if env.name == "live")


@dataclass(frozen=True)
class FakeUser:
    id: str
    email: str
    full_name: str
    first_name: str
    role: str  # only shown inside activity logs; /company/{id}/users has no role (REFERENCE.md §3.2)

    @property
    def image(self) -> str:
        digest = hashlib.md5(self.email.lower().encode(), usedforsecurity=False).hexdigest()
        return f"https://www.gravatar.com/avatar/{digest}"


@dataclass(frozen=True)
class FakeApiKey:
    id: str
    name: str
    status: str  # active | revoked | expired
    expires_at: str | None  # ISO-8601 string (REFERENCE.md §3.3)


@dataclass(frozen=True)
class FakeActivity:
    id: int
    category: str
    type: str
    site_id: str | None
    created_at: int  # epoch milliseconds (REFERENCE.md §1.5)
    is_done: bool
    has_failed: bool
    has_warning: bool
    public_error: str | None
    ip_address: str | None
    initiated_by: FakeUser | None
    api_key: FakeApiKey | None
    user_agent: tuple[str, str, str] | None  # browser name, browser version, OS
    descriptions: list[str]


@dataclass(frozen=True)
class FakeRegion:
    name: str
    region: str


# --- Static vocabulary -------------------------------------------------------------------------

_BRANDS = [
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
_REGIONS = [
    ("Iowa US (us-central1)", "us-central1"),
    ("South Carolina US (us-east1)", "us-east1"),
    ("Northern Virginia US (us-east4)", "us-east4"),
    ("Oregon US (us-west1)", "us-west1"),
    ("Los Angeles US (us-west2)", "us-west2"),
    ("Dallas US (us-south1)", "us-south1"),
    ("Montréal CA (northamerica-northeast1)", "northamerica-northeast1"),
    ("São Paulo BR (southamerica-east1)", "southamerica-east1"),
    ("London UK (europe-west2)", "europe-west2"),
    ("Frankfurt DE (europe-west3)", "europe-west3"),
    ("Eemshaven NL (europe-west4)", "europe-west4"),
    ("Zürich CH (europe-west6)", "europe-west6"),
    ("Paris FR (europe-west9)", "europe-west9"),
    ("Milan IT (europe-west8)", "europe-west8"),
    ("Hamina FI (europe-north1)", "europe-north1"),
    ("Warsaw PL (europe-central2)", "europe-central2"),
    ("Madrid ES (europe-southwest1)", "europe-southwest1"),
    ("Tokyo JP (asia-northeast1)", "asia-northeast1"),
    ("Osaka JP (asia-northeast2)", "asia-northeast2"),
    ("Seoul KR (asia-northeast3)", "asia-northeast3"),
    ("Singapore (asia-southeast1)", "asia-southeast1"),
    ("Jakarta ID (asia-southeast2)", "asia-southeast2"),
    ("Mumbai IN (asia-south1)", "asia-south1"),
    ("Sydney AU (australia-southeast1)", "australia-southeast1"),
    ("Tel Aviv IL (me-west1)", "me-west1"),
    ("Johannesburg ZA (africa-south1)", "africa-south1"),
]
_USER_NAMES = [  # (first name, last name, e-mail local part)
    ("Jane", "Doe", "jane.doe"),
    ("Marco", "Rossi", "marco.rossi"),
    ("Priya", "Natarajan", "priya.natarajan"),
    ("Lukas", "Schmidt", "lukas.schmidt"),
    ("Aiko", "Tanaka", "aiko.tanaka"),
    ("Samuel", "Okafor", "samuel.okafor"),
    ("Chloé", "Martin", "chloe.martin"),
    ("Diego", "Fernández", "diego.fernandez"),
    ("Emma", "Johansson", "emma.johansson"),
    ("Noah", "Williams", "noah.williams"),
    ("Fatima", "Haddad", "fatima.haddad"),
    ("Liam", "O'Brien", "liam.obrien"),
]
_ROLES = ["owner", "admin", "developer", "developer", "billing", "admin"]
_PLUGINS = [
    ("woocommerce", "WooCommerce", "9.3.1"),
    ("wordpress-seo", "Yoast SEO", "23.6"),
    ("elementor", "Elementor", "3.24.7"),
    ("akismet", "Akismet Anti-spam", "5.3.3"),
    ("contact-form-7", "Contact Form 7", "5.9.8"),
    ("wpforms-lite", "WPForms Lite", "1.9.1.4"),
    ("advanced-custom-fields", "Advanced Custom Fields", "6.3.9"),
    ("redirection", "Redirection", "5.5.0"),
]
_THEMES = [
    ("astra", "Astra", "4.8.3"),
    ("twentytwentyfive", "Twenty Twenty-Five", "1.0"),
    ("kadence", "Kadence", "1.2.9"),
]
_PHP = ["php8.1", "php8.2", "php8.2", "php8.3", "php8.3", "php8.3", "php8.4"]
_WORDPRESS = ["6.8.3", "6.8.3", "6.8.2", "6.7.2", "6.6.2", "6.5.5"]
_BROWSERS = [("Chrome", "126.0.0", "macOS"), ("Firefox", "128.0", "Windows"), ("Safari", "17.5", "macOS"),
             ("Edge", "126.0.2592", "Windows"), ("Chrome", "127.0.0", "Linux")]
# Public errors of failed actions, by activity type (generic text for the others).
_FAILURES = {
    "updatePlugin": "Plugin update failed: the package could not be installed (PCLZIP_ERR_BAD_FORMAT).",
    "updateTheme": "Theme update failed: could not copy files.",
    "restartPHP": "PHP restart timed out, please try again.",
    "createBackup": "Backup could not be created: disk quota exceeded.",
    "restoreBackup": "Backup restore failed, the environment was rolled back.",
    "pushEnvironment": "Push to live failed: database search and replace was interrupted.",
    "clearCache": "Cache could not be cleared because the environment is locked.",
}
_GENERIC_FAILURE = "Error occurred while processing your request"
# Hostile but legal strings (a dashboard must escape them and neutralise them in CSV exports).
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"
FORMULAS = ('=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1)")
_HOSTILE_SITE_NAMES = [
    f"{XSS_SCRIPT} Landing Page",
    f"Gallery {XSS_IMG}",
    FORMULAS[0],
    f"{FORMULAS[1]} Promotions",
    f"{FORMULAS[2]} Outlet",
    f"{FORMULAS[3]} Accounting",
    "東京ベーカリー オンラインショップ",
    "\u200fمتجر القاهرة للكتب\u200f",
    "Müller & Söhne Bäckerei \u2013 Grüße aus Köln",
    "Pizza 🍕 Palace 🚀🔥",
    "The Extraordinarily Long-Named International Association of Professional Website Owners, "
    "Content Editors, Search Engine Optimisation Consultants, Accessibility Auditors, Performance "
    "Engineers, Copywriters, Photographers and Friends of WordPress \u2013 Regional Chapter for the "
    "Greater Metropolitan Area and Surrounding Districts (Official Website, est. 2003)",
]
_HOSTILE_LABELS = [f"VIP {XSS_IMG}", FORMULAS[0], "Ünïcödé GmbH 🇩🇪", "\u200fعميل مميز\u200f"]
_HOSTILE_USERS = [
    ("Robert", f"{XSS_SCRIPT} Tables", "bobby.tables"),
    ("太郎", "山田", "taro.yamada"),
    ("Zoë", f"{FORMULAS[3]} Ångström", "zoe.angstrom"),
]

# For AgencySpec(hostile_everywhere=True): every string a page, CSV, PDF or e-mail shows is one of these.
HOSTILE_STRINGS = (
    XSS_SCRIPT,
    "A" * 4000 + XSS_SCRIPT + "Z" * 6000,
    XSS_IMG,
    '"><svg onload=alert(1)>',
    "</textarea></title><script>alert(2)</script>",
    "javascript:alert(3)",
    "{{ 7|add:7 }} {% debug %}",
    *FORMULAS,
    "\t=1+1",
    "\r=1+1",
    "\u202eevil.exe\u202c \u200f\u0645\u0631\u062d\u0628\u0627\u200f",
    "🚀🔥💥 emoji only 🤖",
    "'; DROP TABLE kinsta_sync_site; --",
    "Robert'); DELETE FROM auth_user WHERE ('1'='1",
    "NUL\x00byte",
    "<b>bold</b> & <i>ampersand</i> &amp; &lt;",
)


def _hostile(index: int) -> str:
    return HOSTILE_STRINGS[index % len(HOSTILE_STRINGS)]


def _make_everything_hostile(agency: FakeAgency) -> None:
    """Replace every display string with a hostile one (ids, slugs and domains stay valid)."""
    counter = 0

    def next_hostile() -> str:
        nonlocal counter
        counter += 1
        return _hostile(counter)

    labels: dict[str, str] = {}
    for site in agency.sites:
        site.display_name = next_hostile()
        site.labels = [Ref(label.id, labels.setdefault(label.id, next_hostile())) for label in site.labels]
        for env in site.environments:
            env.display_name = next_hostile()
    users = {}
    for user in agency.users:
        users[user.id] = replace(user, full_name=next_hostile(), first_name=next_hostile())
    agency.users = list(users.values())
    agency.activity = [
        replace(
            event,
            descriptions=[next_hostile(), next_hostile()],
            public_error=next_hostile() if event.has_failed else None,
            initiated_by=users.get(event.initiated_by.id) if event.initiated_by else None,
        )
        for event in agency.activity
    ]
    agency.regions = [FakeRegion(next_hostile(), region.region) for region in agency.regions]


# The first numeric label id, as in a public client's recording of a real response ({"id": 3335, ...}).
FIRST_NUMERIC_LABEL_ID = 3335


def _number_some_labels(sites: list[FakeSite]) -> None:
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


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _slug(text: str) -> str:
    out = "".join(ch if ch.isalnum() and ch.isascii() else "-" for ch in text.lower())
    return "-".join(part for part in out.split("-") if part)


@dataclass
class _Series:
    """Per-environment daily values; a day missing from a dict is a gap (no data that day)."""

    values: dict[str, dict[date, int]] = field(default_factory=dict)


class FakeAgency:
    """A whole agency account: company, sites, environments, analytics, users, activity.

    Build one with ``FakeAgency.generate(AgencySpec(...))``. The object is mutable only through
    ``remove_site()`` (a site deleted in MyKinsta between two syncs).
    """

    def __init__(self, spec: AgencySpec, today: date) -> None:
        self.spec = spec
        self.today = today
        self.company_id = ""
        self.company_name = ""
        self.sites: list[FakeSite] = []
        self.users: list[FakeUser] = []
        self.activity: list[FakeActivity] = []  # newest first
        self.regions: list[FakeRegion] = [FakeRegion(name, region) for name, region in _REGIONS]
        self.api_keys: list[FakeApiKey] = []
        self._series: dict[str, _Series] = {}
        self._sites_by_id: dict[str, FakeSite] = {}
        self._envs_by_id: dict[str, tuple[FakeSite, FakeEnvironment]] = {}

    # --- generation ----------------------------------------------------------------------------

    @classmethod
    def generate(cls, spec: AgencySpec) -> FakeAgency:
        today = spec.today or datetime.now(UTC).date()
        agency = cls(spec, today)
        rng = random.Random(spec.seed)
        agency.company_id = _uuid(rng)
        agency.company_name = "Northpeak Digital Agency"
        agency.users = _make_users(rng, spec)
        agency.api_keys = _make_api_keys(rng)
        agency.sites = _make_sites(rng, spec, today)
        for site in agency.sites:
            agency._sites_by_id[site.id] = site
            for env in site.environments:
                agency._envs_by_id[env.id] = (site, env)
                agency._series[env.id] = _make_series(rng, env, spec, today)
        agency.activity = _make_activity(rng, spec, today, agency.sites, agency.users, agency.api_keys)
        if spec.numeric_label_ids:
            _number_some_labels(agency.sites)
        if spec.hostile_everywhere:
            _make_everything_hostile(agency)
        return agency

    # --- queries -------------------------------------------------------------------------------

    @property
    def first_day(self) -> date:
        """The oldest day that can have analytics data."""
        return self.today - timedelta(days=self.spec.days - 1)

    def active_sites(self) -> list[FakeSite]:
        return [site for site in self.sites if not site.removed]

    def site(self, site_id: str) -> FakeSite | None:
        """The site as the API sees it: None for unknown or removed ids."""
        site = self._sites_by_id.get(site_id)
        return None if site is None or site.removed else site

    def environment(self, env_id: str) -> FakeEnvironment | None:
        """The environment as the API sees it: None for unknown ids or a removed site's ids."""
        site, env = self._envs_by_id.get(env_id, (None, None))
        return None if site is None or site.removed else env

    def live_environments(self) -> list[FakeEnvironment]:
        return [site.live for site in self.active_sites()]

    def analytics_value(self, env_id: str, metric: str, day: date) -> int | None:
        """The daily value the API reports, or None when that day has no data (a gap).

        Works for removed sites' environments too, so tests can compare with what was synced.
        """
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}")
        series = self._series.get(env_id)
        if series is None:
            return None
        return series.values[metric].get(day)

    def month_usage(self, site_id: str, metric: str) -> int:
        """This-month usage of a site (REFERENCE.md §4.4): the sum of its environments' daily
        values from the 1st of the current month to today; gaps count as zero."""
        site = self._sites_by_id[site_id]
        start = self.today.replace(day=1)
        total = 0
        for env in site.environments:
            day = start
            while day <= self.today:
                total += self.analytics_value(env.id, metric, day) or 0
                day += timedelta(days=1)
        return total

    def remove_site(self, site_id: str) -> None:
        """The site vanishes from every endpoint (404 afterwards); its activity stays."""
        self._sites_by_id[site_id].removed = True  # KeyError for an unknown id

    def user(self, user_id: str) -> FakeUser | None:
        return next((u for u in self.users if u.id == user_id), None)


# --- generators (module functions so each stays small) ------------------------------------------


def _make_users(rng: random.Random, spec: AgencySpec) -> list[FakeUser]:
    names = list(_USER_NAMES)
    rng.shuffle(names)
    if spec.hostile:
        # Put the hostile names first so that even a tiny agency shows them.
        names = _HOSTILE_USERS + names
    users = []
    for i in range(spec.users):
        first, last, local = names[i % len(names)]
        suffix = "" if i < len(names) else str(i // len(names) + 1)  # keep e-mails unique
        role = _ROLES[i] if i < len(_ROLES) else "developer"
        users.append(FakeUser(id=_uuid(rng), email=f"{local}{suffix}@northpeak.agency",
                              full_name=f"{first} {last}", first_name=first, role=role))
    return users


def _make_api_keys(rng: random.Random) -> list[FakeApiKey]:
    return [
        FakeApiKey(_uuid(rng), "Agency Reports", "active", "2028-08-21T08:15:21.872Z"),
        FakeApiKey(_uuid(rng), "Old uptime monitor", "revoked", None),
        FakeApiKey(_uuid(rng), "Migration script 2024", "expired", "2025-01-31T23:59:59.000Z"),
    ]


def _site_blueprints(rng: random.Random, count: int) -> list[tuple[str, str, str | None, str | None]]:
    """(display_name, slug, label, custom domain) for ``count`` sites.

    Brands get several sites sharing a label and a registered domain (shop.acme-corp.com,
    blog.acme-corp.com); about a fifth are one-off clients without a label.
    """
    brands = list(_BRANDS)
    rng.shuffle(brands)
    solos = list(_SOLO_SITES)
    rng.shuffle(solos)
    out: list[tuple[str, str, str | None, str | None]] = []
    brand_index = 0
    while len(out) < count:
        if solos and rng.random() < 0.2:
            name = solos.pop()
            domain = f"{_slug(name)}.com" if rng.random() < 0.8 else None
            out.append((name, _slug(name), None, domain))
            continue
        if brand_index < len(brands):
            brand, apex = brands[brand_index]
        else:
            brand = f"{rng.choice(_BRAND_WORDS_A)} {rng.choice(_BRAND_WORDS_B)} {brand_index}"
            apex = f"{_slug(brand)}.com"
        brand_index += 1
        subsites = [_SUBSITES[0], *rng.sample(_SUBSITES[1:], rng.randint(0, 4))]
        for prefix, title in subsites:
            if len(out) >= count:
                break
            host = f"{prefix}.{apex}" if prefix else apex
            slug = _slug(f"{brand} {prefix}") if prefix else _slug(brand)
            display = brand if not prefix else f"{brand} \u2013 {title}"
            out.append((display, slug, brand, host))
    return out


def _make_sites(rng: random.Random, spec: AgencySpec, today: date) -> list[FakeSite]:
    blueprints = _site_blueprints(rng, spec.sites)
    label_ids: dict[str, str] = {}
    hostile_slots = rng.sample(range(len(blueprints)), min(len(blueprints), len(_HOSTILE_SITE_NAMES)))
    sites = []
    for index, (display, slug, label, domain) in enumerate(blueprints):
        labels: list[Ref] = []
        if label is not None:
            label_ids.setdefault(label, _uuid(rng))
            labels.append(Ref(label_ids[label], label))
        if spec.hostile and index in hostile_slots:
            display = _HOSTILE_SITE_NAMES[hostile_slots.index(index)]
            if hostile_slots.index(index) < len(_HOSTILE_LABELS):
                hostile_label = _HOSTILE_LABELS[hostile_slots.index(index)]
                label_ids.setdefault(hostile_label, _uuid(rng))
                labels.append(Ref(label_ids[hostile_label], hostile_label))
        # About one site in ten was created inside the history window, so it has no data before.
        if rng.random() < 0.1 and spec.days > 2:
            created = today - timedelta(days=rng.randint(1, spec.days - 1))
        else:
            created = today - timedelta(days=spec.days + rng.randint(10, 1500))
        site_id = _uuid(rng)
        environments = [_make_environment(rng, site_id, slug, "live", domain, created, today)]
        if rng.random() < spec.staging_share:
            staging_created = min(today, created + timedelta(days=rng.randint(0, 400)))
            environments.append(_make_environment(rng, site_id, slug, "staging", None, staging_created, today))
        sites.append(FakeSite(id=site_id, name=slug, display_name=display, status="live", labels=labels,
                              environments=environments, created_day=created))
    return sites


def _make_environment(rng: random.Random, site_id: str, slug: str, name: str, custom_domain: str | None,
                      created: date, today: date) -> FakeEnvironment:
    env_id = _uuid(rng)
    compact = slug.replace("-", "")[:40]
    if name == "live":
        kinsta_host = f"{compact}.kinsta.cloud"
        hosts = [custom_domain, f"www.{custom_domain}"] if custom_domain else []
        if custom_domain and custom_domain.count(".") > 1:
            hosts = [custom_domain]  # subdomain sites (shop.acme-corp.com) have no www alias
        hosts.append(kinsta_host)
    else:
        hosts = [f"stg-{compact}.kinsta.cloud"]
    domains = [Ref(_uuid(rng), host) for host in hosts]
    return FakeEnvironment(
        id=env_id,
        site_id=site_id,
        name=name,
        display_name="Live" if name == "live" else "Staging",
        domains=domains,
        primary_domain=domains[0],
        php_version=rng.choice(_PHP),
        wordpress_version=rng.choice(_WORDPRESS),
        is_premium=name != "live" and rng.random() < 0.3,
        is_blocked=rng.random() < 0.02,
        created_day=created,
        container_id=_uuid(rng),
        id_edge_cache=_uuid(rng) if rng.random() < 0.8 else None,
        cdn_cache_id=_uuid(rng) if rng.random() < 0.85 else None,
        web_root=f"/www/{compact[:20]}_{rng.randint(100, 999)}/public",
        # S1 types this nullable but its enum has no null, so a null would break the contract.
        image_optimization_type=rng.choice(["off", "lossy", "lossless"]),
        is_opt_out_from_automatic_php_update=rng.choice([False, False, True, None]),
        is_additional_sftp_accounts_enabled=rng.random() < 0.2,
        ssh_port=str(rng.randint(10000, 65000)),
        ssh_ip=f"34.{rng.randint(1, 254)}.{rng.randint(1, 254)}.{rng.randint(1, 254)}",
    )


def _make_series(rng: random.Random, env: FakeEnvironment, spec: AgencySpec, today: date) -> _Series:
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

    series = _Series({metric: {} for metric in METRICS})
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


_ACTIVITY_KINDS: list[tuple[str, str, str, float]] = [
    # (category, type, description template, weight); {site} is the site's display name.
    ("siteActions", "updatePlugin", 'Update plugin "{plugin}" to {version} on "{site}" ({env})', 8),
    ("siteActions", "updateTheme", 'Update theme "{theme}" to {theme_version} on "{site}" ({env})', 2),
    ("siteActions", "clearCache", 'Clear cache of "{site}" ({env})', 7),
    ("siteActions", "createBackup", 'Create manual backup of "{site}" ({env})', 4),
    ("siteActions", "restoreBackup", 'Restore backup to "{site}" ({env})', 1),
    ("siteActions", "restartPHP", 'Restart PHP of "{site}" ({env})', 3),
    ("siteActions", "pushEnvironment", 'Push staging to live on "{site}"', 2),
    ("siteActions", "changePHPVersion", 'Change PHP version of "{site}" ({env}) to {php}', 1),
    ("siteActions", "addDomain", 'Add domain "{domain}" to "{site}"', 1),
    ("siteActions", "createEnvironment", 'Create staging environment for "{site}"', 1),
    ("siteActions", "runWPCLICommand", 'Run WP-CLI command "wp cache flush" on "{site}" ({env})', 1),
    ("kinstaDns", "addDnsRecord", 'Add A record to "{apex}"', 1),
    ("userManagement", "inviteUser", 'Invite "{invitee}" as developer', 0.5),
    ("billing", "updateBillingDetails", "Update billing details", 0.3),
    ("notifications", "updateNotificationSettings", "Update notification settings", 0.3),
]


def _make_activity(rng: random.Random, spec: AgencySpec, today: date, sites: list[FakeSite],
                   users: list[FakeUser], api_keys: list[FakeApiKey]) -> list[FakeActivity]:
    """Activity-log entries spread over the history window, newest first (REFERENCE.md §3.5).

    Ids are increasing integers in time order, like Kinsta's. Everything happens before today,
    so a fixed ``today`` gives the same log whatever the time of day.
    """
    if not sites or not users:
        return []
    window_start = datetime.combine(today - timedelta(days=spec.days), time(), tzinfo=UTC)
    window_ms = spec.days * 86_400_000
    stamps = sorted(int(window_start.timestamp() * 1000) + rng.randrange(window_ms)
                    for _ in range(spec.activity_events))
    weights = [kind[3] for kind in _ACTIVITY_KINDS]
    api_key = api_keys[0]
    events = []
    next_id = 34_100_000 + rng.randint(0, 50_000)
    for index, created_at in enumerate(stamps):
        next_id += rng.randint(1, 400)
        category, kind, template, _ = rng.choices(_ACTIVITY_KINDS, weights=weights)[0]
        day = datetime.fromtimestamp(created_at / 1000, UTC).date()
        if category == "siteActions":
            # Nothing happens to a site (or its staging) before it exists.
            site = rng.choice([s for s in sites if s.created_day <= day] or sites)
            env = rng.choice([e for e in site.environments if e.created_day <= day] or site.environments)
        else:
            site = env = None
        plugin = rng.choice(_PLUGINS)
        theme = rng.choice(_THEMES)
        description = template.format(
            site=site.display_name if site else "", env=env.display_name if env else "",
            plugin=plugin[1], version=plugin[2], theme=theme[1], theme_version=theme[2],
            php=rng.choice(_PHP)[3:], domain=env.primary_domain.name if env else "",
            apex=rng.choice(_BRANDS)[1], invitee=rng.choice(_USER_NAMES)[2] + "@example.com",
        )
        descriptions = [description]
        if spec.hostile and index % 97 == 13:
            descriptions.append(f"Note: {XSS_SCRIPT} {FORMULAS[index % len(FORMULAS)]}")
        failed = rng.random() < 0.06
        user = rng.choice(users)
        via_api = category == "siteActions" and rng.random() < 0.25
        events.append(FakeActivity(
            id=next_id,
            category=category,
            type=kind,
            site_id=site.id if site else None,
            created_at=created_at,
            is_done=True,
            has_failed=failed,
            has_warning=not failed and rng.random() < 0.03,
            public_error=_FAILURES.get(kind, _GENERIC_FAILURE) if failed else None,
            ip_address=f"203.0.113.{rng.randint(1, 254)}" if rng.random() < 0.95 else None,
            initiated_by=user,
            api_key=api_key if via_api else None,
            user_agent=None if via_api else rng.choice(_BROWSERS),
            descriptions=descriptions,
        ))
    events.reverse()
    return events
