"""Prepare the demo: an admin login, the agency's branding, clients with mapping rules, and a client login.

Run after the first sync (demo.py does). The clients match the fake Kinsta's brands (kinsta_sync/fake/data.py):
most by their Kinsta label, some by a domain glob or a site-name glob, so most sites get a client and a
handful (the one-off sites without a label) are left for Admin → Unmapped sites. Safe to run again.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from clients.mapping import apply_mapping_rules
from clients.models import AgencyBranding, Client, ClientMembership, MappingRule
from clients.selectors import unmapped_sites
from kinsta_sync.models import Site

CLIENT_LOGIN = "client@example.com"

# (name, slug, language, time zone, brand colour, contact, [(rule kind, pattern)])
DEMO_CLIENTS: list[tuple[str, str, str, str, str, str, list[tuple[str, str]]]] = [
    ("Acme Corp", "acme-corp", "en", "America/New_York", "#d1342f", "marketing@acme-corp.example",
     [("label", "Acme Corp")]),
    ("Bluebird Bakery", "bluebird-bakery", "en", "Europe/London", "#2f7fd1", "hello@bluebird-bakery.example",
     [("name", "bluebird-bakery*")]),
    ("Northwind Traders", "northwind-traders", "en", "America/Chicago", "#6b4f2f", "it@northwind.example",
     [("label", "Northwind Traders")]),
    ("Harbor Dental", "harbor-dental", "en", "Europe/London", "#1f9e8f", "office@harbordental.example",
     [("domain", "harbordental.co.uk"), ("domain", "*.harbordental.co.uk")]),
    ("Summit Outdoor", "summit-outdoor", "en", "America/Denver", "#3c8d2f", "web@summit-outdoor.example",
     [("label", "Summit Outdoor")]),
    ("Lumen Law", "lumen-law", "de", "Europe/Berlin", "#333b4f", "kanzlei@lumenlaw.example",
     [("label", "Lumen Law")]),
    ("Green Leaf Organics", "green-leaf-organics", "en", "America/Los_Angeles", "#4caf50",
     "team@greenleaf.example", [("label", "Green Leaf Organics")]),
    ("Copperline Coffee", "copperline-coffee", "en", "Australia/Melbourne", "#b06a2f", "beans@copperline.example",
     [("domain", "copperline.coffee"), ("domain", "*.copperline.coffee")]),
    ("Atlas Logistics", "atlas-logistics", "en", "Europe/Amsterdam", "#0b5cad", "ops@atlas-logistics.example",
     [("label", "Atlas Logistics")]),
    ("Riverside Yoga", "riverside-yoga", "en", "America/Toronto", "#8e44ad", "namaste@riverside-yoga.example",
     [("label", "Riverside Yoga")]),
    ("Nordlicht Reisen", "nordlicht-reisen", "de", "Europe/Berlin", "#005f73", "web@nordlicht-reisen.example",
     [("domain", "*nordlicht-reisen.de")]),
    ("Pixel & Pine", "pixel-pine", "en", "Europe/Dublin", "#2d6a4f", "studio@pixelandpine.example",
     [("label", "Pixel & Pine")]),
    ("Fjord Fintech", "fjord-fintech", "en", "Europe/Oslo", "#1d3557", "cto@fjordfintech.example",
     [("label", "Fjord Fintech")]),
    ("Maple Street Books", "maple-street-books", "en", "America/Toronto", "#a4161a", "shop@maplestreetbooks.example",
     [("label", "Maple Street Books")]),
    ("Orbit Robotics", "orbit-robotics", "en", "America/Los_Angeles", "#ff6b35", "web@orbit-robotics.example",
     [("label", "Orbit Robotics")]),
    ("Casa Verde Hotels", "casa-verde-hotels", "en", "Europe/Madrid", "#2a9d8f", "reservas@casaverde.example",
     [("domain", "casaverde-hotels.es"), ("domain", "*.casaverde-hotels.es")]),
    ("City Marathon", "city-marathon", "de", "Europe/Berlin", "#e63946", "orga@city-marathon.example",
     [("name", "city-marathon-*")]),
]  # fmt: skip


class Command(BaseCommand):
    help = "Create or reset the demo's logins and create its clients and mapping rules."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=options["username"], defaults={"email": f"{options['username']}@example.com"}
        )
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(options["password"])
        user.save()
        self.stdout.write(f"{'Created' if created else 'Reset'} the admin login {user.username!r}.")

        with transaction.atomic():
            branding = AgencyBranding.get()
            if branding.name == AgencyBranding._meta.get_field("name").default:
                branding.name, branding.sender_name = "Northpeak Digital", "Northpeak Digital Reports"
                branding.reply_to = "hello@northpeak.agency"
                branding.save()
            clients = [self._client(*spec) for spec in DEMO_CLIENTS]
        plan = apply_mapping_rules()

        first = clients[0]
        member, _ = User.objects.get_or_create(username=CLIENT_LOGIN, defaults={"email": CLIENT_LOGIN})
        member.is_staff = member.is_superuser = False
        member.is_active = True
        member.set_password(options["password"])
        member.save()
        ClientMembership.objects.update_or_create(user=member, defaults={"client": first})

        total = Site.objects.present().count()
        left = unmapped_sites().count()
        self.stdout.write(
            f"Demo clients: {len(clients)} clients with {MappingRule.objects.count()} rules; the rules mapped "
            f"{len(plan.assignments)} site(s) now; {total - left} of {total} sites have a client, {left} are left "
            "for Admin → Unmapped sites."
        )
        self.stdout.write(
            f"Client login: {CLIENT_LOGIN} (sees only {first.name}) with the same password as {user.username!r}."
        )

    def _client(
        self, name: str, slug: str, language: str, tz: str, color: str, contact: str, rules: list[tuple[str, str]]
    ) -> Client:
        client, _ = Client.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "language": language,
                "timezone": tz,
                "brand_color": color,
                "contact_emails": [contact],
            },
        )
        for kind, pattern in rules:
            MappingRule.objects.get_or_create(client=client, kind=kind, pattern=pattern)
        return client
