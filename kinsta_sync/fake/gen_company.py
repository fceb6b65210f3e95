"""Generated company data: users, API keys, regions and the activity log (REFERENCE.md §3)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from .gen_sites import BRANDS, PHP_VERSIONS
from .hostile import FORMULAS, HOSTILE_USERS, XSS_SCRIPT
from .records import FakeActivity, FakeApiKey, FakeSite, FakeUser, uuid_from

if TYPE_CHECKING:
    from .data import AgencySpec

REGIONS = [
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

_BROWSERS = [
    ("Chrome", "126.0.0", "macOS"),
    ("Firefox", "128.0", "Windows"),
    ("Safari", "17.5", "macOS"),
    ("Edge", "126.0.2592", "Windows"),
    ("Chrome", "127.0.0", "Linux"),
]
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


def make_users(rng: random.Random, spec: AgencySpec) -> list[FakeUser]:
    names = list(_USER_NAMES)
    rng.shuffle(names)
    if spec.hostile:
        # Put the hostile names first so that even a tiny agency shows them.
        names = HOSTILE_USERS + names
    users = []
    for i in range(spec.users):
        first, last, local = names[i % len(names)]
        suffix = "" if i < len(names) else str(i // len(names) + 1)  # keep e-mails unique
        role = _ROLES[i] if i < len(_ROLES) else "developer"
        users.append(
            FakeUser(
                id=uuid_from(rng),
                email=f"{local}{suffix}@northpeak.agency",
                full_name=f"{first} {last}",
                first_name=first,
                role=role,
            )
        )
    return users


def make_api_keys(rng: random.Random) -> list[FakeApiKey]:
    return [
        FakeApiKey(uuid_from(rng), "Agency Reports", "active", "2028-08-21T08:15:21.872Z"),
        FakeApiKey(uuid_from(rng), "Old uptime monitor", "revoked", None),
        FakeApiKey(uuid_from(rng), "Migration script 2024", "expired", "2025-01-31T23:59:59.000Z"),
    ]


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


def make_activity(
    rng: random.Random,
    spec: AgencySpec,
    today: date,
    sites: list[FakeSite],
    users: list[FakeUser],
    api_keys: list[FakeApiKey],
) -> list[FakeActivity]:
    """Activity-log entries spread over the history window, newest first (REFERENCE.md §3.5).

    Ids are increasing integers in time order, like Kinsta's. Everything happens before today,
    so a fixed ``today`` gives the same log whatever the time of day.
    """
    if not sites or not users:
        return []
    window_start = datetime.combine(today - timedelta(days=spec.days), time(), tzinfo=UTC)
    window_ms = spec.days * 86_400_000
    stamps = sorted(
        int(window_start.timestamp() * 1000) + rng.randrange(window_ms) for _ in range(spec.activity_events)
    )
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
            site=site.display_name if site else "",
            env=env.display_name if env else "",
            plugin=plugin[1],
            version=plugin[2],
            theme=theme[1],
            theme_version=theme[2],
            php=rng.choice(PHP_VERSIONS)[3:],
            domain=env.primary_domain.name if env else "",
            apex=rng.choice(BRANDS)[1],
            invitee=rng.choice(_USER_NAMES)[2] + "@example.com",
        )
        descriptions = [description]
        if spec.hostile and index % 97 == 13:
            descriptions.append(f"Note: {XSS_SCRIPT} {FORMULAS[index % len(FORMULAS)]}")
        failed = rng.random() < 0.06
        user = rng.choice(users)
        via_api = category == "siteActions" and rng.random() < 0.25
        events.append(
            FakeActivity(
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
            )
        )
    events.reverse()
    return events
