"""Generated traffic quality per environment and day: response codes, countries, referrers, devices.

Deterministic without touching the agency's main ``random.Random`` (so every seed's sites and analytics
stay as they were): each environment's profile and each of its days come from a ``random.Random`` seeded
with the agency seed, the environment id and the day. The day's requests follow its visits (a few pages
per visitor), so a day without visits (a gap) has no traffic data either.

* response codes: mostly 200, some 301/304, a little 404 and 403, the odd 500; about one day in twenty-five
  an environment has a burst of 502/503 (an outage), and now and then a code no list knows (499, 520);
* countries: a home country per site (Germany for a .de site, ...), a second market and a long tail, sent
  as English names as in S3's fixture, plus "Unknown";
* referrers: search engines and social sites, the site's own domain, and for some environments a hostile
  string from ``hostile.py`` (a script tag, a spreadsheet formula);
* devices: desktop, mobile, tablet in percent with two decimals, summing to 100.

Kinsta truncates top lists (REFERENCE §4.3: row limit UNKNOWN); the fake keeps the top ``TOP_N`` rows.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date

from .hostile import FORMULAS, XSS_SCRIPT

TOP_N = 10

COUNTRIES = (
    "United States",
    "Germany",
    "United Kingdom",
    "France",
    "Canada",
    "Netherlands",
    "Spain",
    "Japan",
    "Norway",
    "Austria",
    "Switzerland",
    "Italy",
    "Australia",
    "Brazil",
    "India",
    "Sweden",
    "Poland",
    "Mexico",
)
# The home market by top-level domain; anything else is mostly American.
_HOME_BY_TLD = {
    "de": "Germany",
    "uk": "United Kingdom",
    "no": "Norway",
    "ca": "Canada",
    "es": "Spain",
    "ai": "United States",
    "io": "United States",
}
SEARCH_REFERRERS = ("www.google.com", "www.bing.com", "duckduckgo.com", "search.yahoo.com", "www.ecosia.org")
SOCIAL_REFERRERS = (
    "m.facebook.com",
    "l.instagram.com",
    "t.co",
    "www.linkedin.com",
    "www.reddit.com",
    "news.ycombinator.com",
)
# Referrer strings are whatever the visitor's browser sent: markup and formulas arrive as they are.
HOSTILE_REFERRERS = (f"https://evil.example/{XSS_SCRIPT}", FORMULAS[0], "@SUM(A1)")
DEVICES = ("desktop", "mobile", "tablet")


@dataclass(frozen=True)
class TrafficProfile:
    """What stays the same for an environment from day to day."""

    pages_per_visit: float
    error_rate: float  # share of 4xx
    countries: tuple[tuple[str, float], ...]
    referrers: tuple[tuple[str, float], ...]
    mobile_share: float


@dataclass(frozen=True)
class TrafficDay:
    codes: dict[str, int]
    countries: list[tuple[str, int]]  # the top list, biggest first (truncated)
    referrers: list[tuple[str, int]]
    devices: dict[str, str]  # percent with two decimals, as Kinsta sends them


def make_profile(seed: int, env_id: str, domain: str) -> TrafficProfile:
    rng = random.Random(f"traffic:{seed}:{env_id}")
    tld = domain.rsplit(".", 1)[-1] if "." in domain else ""
    home = _HOME_BY_TLD.get(tld, "United States")
    second = rng.choice([c for c in COUNTRIES if c != home])
    countries = [(home, rng.uniform(0.4, 0.7)), (second, rng.uniform(0.08, 0.2))]
    for country in rng.sample([c for c in COUNTRIES if c not in (home, second)], 12):
        countries.append((country, rng.uniform(0.002, 0.05)))
    countries.append(("Unknown", 0.01))
    referrers = [(name, rng.uniform(0.1, 0.5)) for name in rng.sample(SEARCH_REFERRERS, 3)]
    referrers += [(name, rng.uniform(0.01, 0.12)) for name in rng.sample(SOCIAL_REFERRERS, 4)]
    if domain:
        referrers.append((domain, rng.uniform(0.05, 0.2)))
    if rng.random() < 0.5:
        referrers.append((rng.choice(HOSTILE_REFERRERS), rng.uniform(0.02, 0.08)))
    return TrafficProfile(
        pages_per_visit=rng.uniform(2.0, 6.0),
        error_rate=rng.uniform(0.005, 0.04),
        countries=tuple(countries),
        referrers=tuple(referrers),
        mobile_share=rng.uniform(0.35, 0.7),
    )


def _split(rng: random.Random, total: int, weights: tuple[tuple[str, float], ...]) -> list[tuple[str, int]]:
    """``total`` spread over the weighted names with a little noise; rows with 0 left out; top TOP_N."""
    noisy = [(name, weight * rng.uniform(0.7, 1.3)) for name, weight in weights]
    scale = sum(weight for _, weight in noisy) or 1.0
    rows = [(name, round(total * weight / scale)) for name, weight in noisy]
    rows = [(name, count) for name, count in rows if count > 0]
    rows.sort(key=lambda row: (-row[1], row[0]))
    return rows[:TOP_N]


def make_day(seed: int, env_id: str, profile: TrafficProfile, day: date, visits: int) -> TrafficDay:
    rng = random.Random(f"traffic:{seed}:{env_id}:{day.isoformat()}")
    requests = max(1, round(visits * profile.pages_per_visit))
    codes: Counter[str] = Counter()
    codes["404"] = round(requests * profile.error_rate * rng.uniform(0.6, 1.4))
    codes["403"] = round(requests * profile.error_rate * rng.uniform(0.0, 0.2))
    codes["301"] = round(requests * rng.uniform(0.02, 0.06))
    codes["304"] = round(requests * rng.uniform(0.03, 0.1))
    codes["500"] = round(requests * rng.uniform(0.0, 0.002))
    if rng.random() < 0.04:  # an outage: a burst of bad gateways
        codes["502"] = round(requests * rng.uniform(0.02, 0.15))
        codes["503"] = round(requests * rng.uniform(0.0, 0.05))
    if rng.random() < 0.05:  # a code outside every list, kept as sent
        codes[rng.choice(["499", "520"])] = rng.randint(1, 9)
    codes["200"] = max(0, requests - sum(codes.values()))
    mobile = profile.mobile_share * rng.uniform(0.9, 1.1)
    tablet = rng.uniform(0.01, 0.06)
    mobile_bp = round(min(mobile, 0.9) * 10_000)
    tablet_bp = round(tablet * 10_000)
    desktop_bp = 10_000 - mobile_bp - tablet_bp
    devices = {name: f"{bp / 100:.2f}" for name, bp in zip(DEVICES, (desktop_bp, mobile_bp, tablet_bp), strict=True)}
    return TrafficDay(
        codes={code: count for code, count in sorted(codes.items()) if count > 0},
        countries=_split(rng, visits, profile.countries),
        referrers=_split(rng, round(visits * rng.uniform(0.3, 0.6)), profile.referrers),
        devices=devices,
    )
