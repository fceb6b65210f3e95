#!/usr/bin/env python3
"""Clients benchmark: the CSV import of a large file, and the mapping-rule pages with many rules.

    DEBUG=1 .venv/bin/python bench/clients.py [--rows 5000] [--rules 3000] [--sites 500] [--runs 3]

Builds a throw-away SQLite database (a temporary file, removed at the end; the same engine and settings the
app runs with: WAL, IMMEDIATE transactions): `--sites` unmapped sites, each with a label, a live domain and
a name, and `--rules` active mapping rules over `--rules // 5` clients (labels, `*.brand.example` domain
globs, literal domains, `brand-*` name globs; about one site in three matches one of them). Then it prints:

- import: `manage.py import_clients`' service with a `--rows`-row file (new clients, existing ones, contact
  e-mails and rules): the dry run, the import and the same file again (which changes nothing), each with its
  time and number of queries, and the longest another connection waited for the write lock meanwhile
  (a login writes: it waits that long, and fails with "database is locked" after the 20 s busy timeout);
- pages, logged in as staff: the rules preview (`/admin/clients/mappingrule/preview/`), the rules list
  (`/admin/clients/mappingrule/`) and the unmapped sites (`/admin/clients/unmappedsite/`), median time and
  queries of `--runs` requests.

Figures before the fix (issue "security", item 2): 500 rows 8 s, 2,000 rows 157 s, 3,000 rows 4.5 min, the
write lock held throughout.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def seed(*, sites: int, rules: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from clients.models import Client, MappingRule
    from kinsta_sync.models import Environment, KinstaAccount, Site, SiteLabel

    clients = max(1, rules // 5)
    with transaction.atomic():
        account = KinstaAccount(company_id="bench-company", name="Bench Agency")
        account.set_api_key("bench-key-0000000000")
        account.save()
        labels = SiteLabel.objects.bulk_create(
            SiteLabel(account=account, kinsta_id=f"label-{i}", name=f"Brand {i:04d}") for i in range(sites)
        )
        site_rows = Site.objects.bulk_create(
            Site(
                account=account,
                kinsta_id=f"site-{i}",
                name=f"brand{i:04d}-site",
                display_name=f"Site {i:04d}",
                status="live",
            )
            for i in range(sites)
        )
        Site.labels.through.objects.bulk_create(
            Site.labels.through(site_id=site.pk, sitelabel_id=label.pk)
            for site, label in zip(site_rows, labels, strict=True)
        )
        Environment.objects.bulk_create(
            Environment(
                site=site,
                kinsta_id=f"{site.kinsta_id}-live",
                name="live",
                display_name="Live",
                is_live=True,
                primary_domain=f"www.brand{i:04d}.example",
                domains=[f"www.brand{i:04d}.example", f"brand{i:04d}.kinsta.cloud"],
            )
            for i, site in enumerate(site_rows)
        )
        client_rows = Client.objects.bulk_create(
            Client(name=f"Client {c:04d}", slug=f"client-{c:04d}", contact_emails=[f"c{c}@client.example"])
            for c in range(clients)
        )
        # Rule n names brand n * 3 (a third of the rules name a brand that has a site): mostly rules that
        # match nothing now, as in an agency whose sites are mostly mapped already.
        kinds = ["label", "domain", "domain", "name", "label"]
        rule_rows = []
        for n in range(rules):
            brand, kind = n * 3 // 5, kinds[n % 5]
            pattern = {
                "label": f"Brand {brand:04d}",
                "domain": f"*.brand{brand:04d}.example" if n % 2 else f"www.brand{brand:04d}.example",
                "name": f"brand{brand:04d}-*",
            }[kind]
            rule_rows.append(MappingRule(client=client_rows[n % clients], kind=kind, pattern=pattern,
                                         priority=n % 3))  # fmt: skip
        MappingRule.objects.bulk_create(rule_rows, ignore_conflicts=True)
        staff = get_user_model().objects.create_superuser("bench-staff", "staff@bench.example", "bench-password-1")
    return {"staff": staff, "clients": clients}


def import_file(*, rows: int, existing_clients: int) -> bytes:
    """`rows` rows: two fifths are the rules of one large new client (an agency moving a big account over,
    the case that was quadratic), one fifth add a rule and an e-mail to existing clients, the rest are new
    clients of four rows each with rules of every kind."""
    out = io.StringIO()
    out.write("client,contact_email,rule_kind,pattern\n")
    for n in range(rows):
        email = f"contact{n}@imported.example" if n % 3 == 0 else ""
        if n % 5 in (0, 1):
            name, kind, pattern = "Enterprise Holding", "domain", f"*.brand{n}.enterprise.example"
        elif n % 5 == 2 and existing_clients:
            name, kind, pattern = f"Client {n % existing_clients:04d}", "name", f"client-extra-{n}-*"
        else:
            name = f"Imported {n // 4:05d}"
            kind, pattern = [("label", f"Imported label {n}"), ("domain", f"*.imported{n}.example"),
                             ("name", f"imported{n}-*"), ("", "")][n % 4]  # fmt: skip
        out.write(f"{name},{email},{kind},{pattern}\n")
    return out.getvalue().encode()


class LockProbe:
    """Another connection to the same SQLite file takes and drops the write lock every 20 ms, as a login's
    session write would; `longest` is the longest it had to wait. It is a thread of this process, so the
    wait includes the time the import's Python work holds the GIL (a few ms to tens of ms)."""

    def __init__(self, path: str) -> None:
        self.path, self.longest, self._stop = path, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=600, isolation_level=None)
        try:
            while not self._stop.is_set():
                started = time.perf_counter()
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("ROLLBACK")
                self.longest = max(self.longest, time.perf_counter() - started)
                self._stop.wait(0.02)
        finally:
            connection.close()

    def __enter__(self) -> LockProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def timed(fn) -> tuple[Any, float, int]:  # type: ignore[no-untyped-def]
    """(result, seconds, queries) of one call. Queries are counted by a wrapper, not Django's debug log, which
    keeps only the last 9,000."""
    from django.db import connection

    count = 0

    def counting(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
    return result, seconds, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000, help="rows of the imported file (the import allows 5000)")
    parser.add_argument("--rules", type=int, default=3000)
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3, help="requests per page (the median is printed)")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-pages", action="store_true")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bench-clients-")
    path = f"{workdir}/bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    try:
        _run(args, path)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run(args: argparse.Namespace, path: str) -> None:
    os.environ.setdefault("DEBUG", "true")
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client as HttpClient

    from clients.csv_import import import_clients_csv

    settings.DEBUG = False  # no debug query log
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_SSL_REDIRECT = False
    call_command("migrate", "--no-input", verbosity=0)
    started = time.perf_counter()
    data = seed(sites=args.sites, rules=args.rules)
    print(
        f"database: SQLite; {args.sites} unmapped sites, {args.rules} rules over {data['clients']} clients; "
        f"seeded in {time.perf_counter() - started:.1f} s\n"
    )

    if not args.skip_import:
        content = import_file(rows=args.rows, existing_clients=data["clients"])
        print(f"import of {args.rows} rows ({len(content) // 1024} KB)")
        header = f"{'':<10} {'time':>9} {'queries':>8} {'longest write-lock wait':>24}  result"
        print(header)
        print("-" * len(header))
        for name, dry_run in (("dry run", True), ("import", False), ("again", False)):
            with LockProbe(path) as probe:
                result, seconds, queries = timed(lambda d=dry_run: import_clients_csv(file=io.BytesIO(content),
                                                                                      dry_run=d))  # fmt: skip
            print(f"{name:<10} {seconds:>7.2f} s {queries:>8} {probe.longest * 1000:>21.0f} ms  {result.summary()}")
        print()

    if not args.skip_pages:
        http = HttpClient()
        http.force_login(data["staff"])
        pages = [
            ("rules preview", "/admin/clients/mappingrule/preview/"),
            ("rules list", "/admin/clients/mappingrule/"),
            ("unmapped sites", "/admin/clients/unmappedsite/"),
        ]
        header = f"{'page':<16} {'median':>9} {'queries':>8}"
        print(f"pages with {args.rules} rules and {args.sites} unmapped sites ({args.runs} requests each)")
        print(header)
        print("-" * len(header))
        for name, url in pages:
            samples, queries = [], 0
            for _ in range(args.runs):
                response, seconds, queries = timed(lambda u=url: http.get(u))
                assert response.status_code == 200, (url, response.status_code)
                samples.append(seconds)
            print(f"{name:<16} {statistics.median(samples) * 1000:>6.0f} ms {queries:>8}")


if __name__ == "__main__":
    main()
