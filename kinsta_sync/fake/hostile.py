"""Hostile but legal strings: markup, spreadsheet formulas, right-to-left text, emoji, NUL, very long text.

A dashboard must escape them and neutralise them in CSV exports. ``AgencySpec(hostile=True)`` (the
default) puts a few of them into a generated agency; ``hostile_everywhere=True`` makes every display string
one of ``HOSTILE_STRINGS`` (``make_everything_hostile``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .records import FakeRegion, Ref

if TYPE_CHECKING:
    from .data import FakeAgency

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
HOSTILE_LABELS = [f"VIP {XSS_IMG}", FORMULAS[0], "Ünïcödé GmbH 🇩🇪", "\u200fعميل مميز\u200f"]
HOSTILE_USERS = [
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


def make_everything_hostile(agency: FakeAgency) -> None:
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
