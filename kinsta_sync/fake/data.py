"""Deterministic, realistic data for the fake Kinsta API.

Everything is derived from ``AgencySpec.seed`` through one ``random.Random``, so the same spec
always gives the same company, sites, analytics and activity (ids included). The shapes follow
shared/kinsta-api/REFERENCE.md (§3 company endpoints, §4 sites/analytics/usage); the HTTP layer
(``app.py`` and ``routes/``) turns these objects into JSON.

Here: ``AgencySpec`` and ``FakeAgency`` (generation and queries). The records are in ``records.py``, the
generators in ``gen_sites.py`` (sites, environments, analytics) and ``gen_company.py`` (users, API keys,
regions, activity), the hostile strings in ``hostile.py``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from .gen_company import REGIONS, make_activity, make_api_keys, make_users
from .gen_sites import Series, make_series, make_sites, number_some_labels
from .gen_traffic import TrafficDay, TrafficProfile, make_day, make_profile
from .gen_wordpress import FakeWordPress, make_wordpress
from .hostile import make_everything_hostile
from .records import METRICS, FakeActivity, FakeApiKey, FakeEnvironment, FakeRegion, FakeSite, FakeUser, uuid_from

__all__ = ["AgencySpec", "FakeAgency"]


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
        self.regions: list[FakeRegion] = [FakeRegion(name, region) for name, region in REGIONS]
        self.api_keys: list[FakeApiKey] = []
        self._series: dict[str, Series] = {}
        self._sites_by_id: dict[str, FakeSite] = {}
        self._envs_by_id: dict[str, tuple[FakeSite, FakeEnvironment]] = {}
        self._traffic_profiles: dict[str, TrafficProfile] = {}
        self._wordpress: dict[str, FakeWordPress] = {}

    # --- generation ----------------------------------------------------------------------------

    @classmethod
    def generate(cls, spec: AgencySpec) -> FakeAgency:
        today = spec.today or datetime.now(UTC).date()
        agency = cls(spec, today)
        rng = random.Random(spec.seed)
        agency.company_id = uuid_from(rng)
        agency.company_name = "Northpeak Digital Agency"
        agency.users = make_users(rng, spec)
        agency.api_keys = make_api_keys(rng)
        agency.sites = make_sites(rng, spec, today)
        for site in agency.sites:
            agency._sites_by_id[site.id] = site
            for env in site.environments:
                agency._envs_by_id[env.id] = (site, env)
                agency._series[env.id] = make_series(rng, env, spec, today)
        agency.activity = make_activity(rng, spec, today, agency.sites, agency.users, agency.api_keys)
        # Each environment's plugins, themes and backups come from a generator seeded by its id, so they
        # changed nothing else a seed generates.
        for index, site in enumerate(agency.sites):
            for env in site.environments:
                agency._wordpress[env.id] = make_wordpress(index, site, env, today, hostile=spec.hostile)
        agency._name_logged_updates()
        if spec.numeric_label_ids:
            number_some_labels(agency.sites)
        if spec.hostile_everywhere:
            make_everything_hostile(agency)
        return agency

    def _name_logged_updates(self) -> None:
        """Make the generated log's plugin and theme updates name an item installed in their environment, updated
        to the version it has now: the log is history, so it agrees with what a sync then finds (without this,
        its random plugins and versions became updates of items the environment never had). Picked by a stream
        seeded by the entry's id, so nothing else a seed generates changes."""
        for entry in self.activity:
            if entry.type not in ("updatePlugin", "updateTheme") or entry.site_id is None or not entry.descriptions:
                continue
            site = self._sites_by_id[entry.site_id]
            env = next((e for e in site.environments if entry.descriptions[0].endswith(f"({e.display_name})")), None)
            kind = "plugin" if entry.type == "updatePlugin" else "theme"
            items = self._wordpress[env.id].items(kind) if env is not None else []
            if not items:
                continue
            item = random.Random(f"{entry.id}:logged-update").choice(items)
            entry.descriptions[0] = (
                f'Update {kind} "{item.title}" to {item.version} on "{site.display_name}" ({env.display_name})'
            )

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

    def traffic_day(self, env_id: str, day: date) -> TrafficDay | None:
        """Response codes, top countries and referrers and the device split of one day
        (``gen_traffic``), or None when the day has no visits data (a gap). Removed sites' too."""
        visits = self.analytics_value(env_id, "visits", day)
        if visits is None or env_id not in self._envs_by_id:
            return None
        env = self._envs_by_id[env_id][1]
        profile = self._traffic_profiles.get(env_id)
        if profile is None:
            profile = make_profile(self.spec.seed, env_id, env.primary_domain.name)
            self._traffic_profiles[env_id] = profile
        return make_day(self.spec.seed, env_id, profile, day, visits)

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

    def wordpress(self, env_id: str) -> FakeWordPress:
        """The environment's plugins, themes and backups (KeyError for an unknown id)."""
        return self._wordpress[env_id]

    def apply_update(self, env_id: str, kind: str, name: str, *, logged: bool = True) -> tuple[str, str]:
        """Install the available update of one plugin or theme, as done in MyKinsta or WP admin between two
        syncs; returns (from, to). ValueError when it has no update. ``logged``: Kinsta's activity log gets
        an ``updatePlugin`` / ``updateTheme`` entry for it, now, by the first user (as a MyKinsta update
        would; an update in WP admin leaves none)."""
        item = next(i for i in self._wordpress[env_id].items(kind) if i.name == name)
        if item.update_version is None:
            raise ValueError(f"{kind} {name} has no update available")
        before, item.version = item.version, item.latest
        if logged:
            self.log_update(env_id, kind, item.title, item.version)
        return before, item.version

    def log_update(self, env_id: str, kind: str, title: str, version: str, *, at_ms: int | None = None) -> None:
        """Add Kinsta's activity entry of an update (newest first, the next id), in the shape make_activity
        uses for its own update entries."""
        site, env = self._envs_by_id[env_id]
        self.activity.insert(
            0,
            FakeActivity(
                id=max((a.id for a in self.activity), default=34_100_000) + 1,
                category="siteActions",
                type="updatePlugin" if kind == "plugin" else "updateTheme",
                site_id=site.id,
                created_at=at_ms if at_ms is not None else int(datetime.now(UTC).timestamp() * 1000),
                is_done=True,
                has_failed=False,
                has_warning=False,
                public_error=None,
                ip_address="203.0.113.7",
                initiated_by=self.users[0] if self.users else None,
                api_key=None,
                user_agent=None,
                descriptions=[f'Update {kind} "{title}" to {version} on "{site.display_name}" ({env.display_name})'],
            ),
        )

    def uninstall(self, env_id: str, kind: str, name: str) -> None:
        """Delete a plugin or theme from the environment (it vanishes from the list)."""
        items = self._wordpress[env_id].items(kind)
        items.remove(next(i for i in items if i.name == name))

    def user(self, user_id: str) -> FakeUser | None:
        return next((u for u in self.users if u.id == user_id), None)
