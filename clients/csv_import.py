"""Importing the clients spreadsheet (`import_clients_csv`): `client,contact_email,rule_kind,pattern`, one
header row.

Each row names a client and optionally adds a contact e-mail and/or a mapping rule to it; several rows may
name the same client. The file is checked as a whole first (every error, with its line number); only a file
without errors is applied, and applying it twice changes nothing (clients are matched by name, e-mails and
rules by value, all compared as `clients.rules.normalize` does: case, outer spaces and invisible marks do
not count).

Cells are stored verbatim: a client called `=HYPERLINK(...)` is a legal (if odd) name. Templates escape it
and CSV exports neutralise formulas when writing, which is where the danger is.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from clients.models import Client, MappingRule
from clients.rules import KINDS, normalize, validate_pattern

COLUMNS = ("client", "contact_email", "rule_kind", "pattern")
MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000
MAX_ERRORS = 200  # a wrong file can have thousands; the first few hundred say enough
NAME_MAX = 200
SLUG_MAX = 80

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class Row:
    line: int
    client: str
    contact_email: str
    rule_kind: str
    pattern: str


@dataclass
class ClientChange:
    name: str
    existing: Client | None
    slug: str
    new_emails: list[str] = field(default_factory=list)
    new_rules: list[tuple[str, str]] = field(default_factory=list)  # (kind, pattern)
    client: Client | None = None  # set once written
    # While planning: the client's e-mails (normalised) and the file's rules for it.
    known_emails: set[str] = field(default_factory=set, repr=False)
    rule_rows: list[tuple[str, str]] = field(default_factory=list, repr=False)

    @property
    def is_change(self) -> bool:
        return self.existing is None or bool(self.new_emails or self.new_rules)


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    changes: list[ClientChange] = field(default_factory=list)
    dry_run: bool = True
    truncated_errors: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def clients_created(self) -> list[ClientChange]:
        return [c for c in self.changes if c.existing is None]

    @property
    def emails_added(self) -> int:
        return sum(len(c.new_emails) for c in self.changes)

    @property
    def rules_created(self) -> int:
        return sum(len(c.new_rules) for c in self.changes)

    @property
    def changed(self) -> bool:
        return any(c.is_change for c in self.changes)

    def error(self, line: int, message: str) -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.truncated_errors = True
            return
        self.errors.append(RowError(line, message))

    def summary(self) -> str:
        if not self.ok:
            more = " (only the first ones are listed)" if self.truncated_errors else ""
            return f"Nothing was imported: {len(self.errors)} error(s){more}."
        verb = "Would create" if self.dry_run else "Created"
        add = "would add" if self.dry_run else "added"
        return (
            f"{verb} {len(self.clients_created)} client(s), {add} {self.emails_added} contact e-mail(s) and "
            f"{self.rules_created} rule(s) from {len(self.rows)} row(s)."
            + ("" if self.changed else " Nothing to change: everything in the file is already there.")
        )

    def lines(self) -> list[str]:
        if not self.ok:
            return [str(error) for error in self.errors]
        out = []
        for change in self.changes:
            if change.existing is None:
                out.append(f"new client {change.name} (/clients/{change.slug}/)")
            for email in change.new_emails:
                out.append(f"{change.name}: contact {email}")
            for kind, pattern in change.new_rules:
                out.append(f"{change.name}: rule {kind} {pattern}")
        return out


# --- Reading and validating --------------------------------------------------------------------------------


def _read_text(file: IO[bytes], result: ImportResult) -> str | None:
    # Read at most one byte more than allowed: an oversized upload is refused without reading it all.
    data = file.read(MAX_BYTES + 1)
    if isinstance(data, str):  # a text stream (e.g. a test's StringIO)
        data = data.encode("utf-8")
    if len(data) > MAX_BYTES:
        result.error(0, f"The file is larger than {MAX_BYTES // 1024} KB; split it.")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        result.error(line, "This line is not UTF-8 text; save the spreadsheet as CSV UTF-8.")
        return None


def _has_control_characters(value: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in value)


def _check_row(line: int, cells: dict[str, str], result: ImportResult) -> Row | None:
    client = cells["client"].strip()
    email = cells["contact_email"].strip()
    kind = cells["rule_kind"].strip().lower()
    pattern = cells["pattern"].strip()
    errors_before = len(result.errors)
    if not client:
        result.error(line, "The client name is empty.")
    elif len(client) > NAME_MAX:
        result.error(line, f"The client name is longer than {NAME_MAX} characters.")
    for column, value in (("client", client), ("contact_email", email), ("pattern", pattern)):
        if _has_control_characters(value):
            result.error(line, f"{column} contains control characters (tabs, line breaks or similar).")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            result.error(line, f"{email!r} is not an e-mail address.")
    if kind and kind not in KINDS:
        result.error(line, f"rule_kind {kind!r} is unknown: use label, domain or name.")
    elif kind and not pattern:
        result.error(line, f"A {kind} rule needs a pattern.")
    elif pattern and not kind:
        result.error(line, "A pattern needs a rule_kind (label, domain or name).")
    elif kind:
        if len(pattern) > 500:
            result.error(line, "The pattern is longer than 500 characters.")
        else:
            try:
                pattern = validate_pattern(kind=kind, pattern=pattern)
            except ValidationError as exc:
                result.error(line, " ".join(exc.messages))
    if len(result.errors) != errors_before:
        return None
    return Row(line=line, client=client, contact_email=email, rule_kind=kind, pattern=pattern)


def parse(file: IO[bytes]) -> ImportResult:
    """Read and check every row; touches no table."""
    result = ImportResult()
    text = _read_text(file, result)
    if text is None:
        return result
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        result.error(1, f"Not a readable CSV header: {exc}.")
        return result
    if header is None:
        result.error(0, "The file is empty; the first line must be: " + ",".join(COLUMNS))
        return result
    names = [cell.strip().lower() for cell in header]
    missing = [column for column in COLUMNS if column not in names]
    unknown = [name for name in names if name not in COLUMNS]
    if missing or unknown or len(names) != len(set(names)):
        result.error(
            1,
            "The header must name the columns " + ",".join(COLUMNS)
            + (f" (missing: {', '.join(missing)})" if missing else "")
            + (f" (unknown: {', '.join(unknown)})" if unknown else ""),
        )  # fmt: skip
        return result
    index = {name: names.index(name) for name in COLUMNS}
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.error(reader.line_num, f"Not readable as CSV: {exc}.")
            break
        row_line, line = line, reader.line_num + 1  # a quoted cell may span several lines
        if not any(cell.strip() for cell in cells):
            continue
        if len(result.rows) + len(result.errors) >= MAX_ROWS:
            result.error(row_line, f"The file has more than {MAX_ROWS} rows; split it.")
            break
        if len(cells) != len(names):
            result.error(row_line, f"Expected {len(names)} cells, found {len(cells)}.")
            continue
        row = _check_row(row_line, {name: cells[i] for name, i in index.items()}, result)
        if row is not None:
            result.rows.append(row)
    if result.ok and not result.rows:
        result.error(0, "The file has a header but no rows.")
    return result


# --- Planning and writing ----------------------------------------------------------------------------------
# The plan reads the clients and rules in two queries and compares in memory (dicts and sets, each value
# normalised once), so it takes time linear in the rows and no lock; the write is a few bulk statements in
# one short transaction. Between the two someone may change the clients or rules: `database_state` is
# read before planning and again inside the transaction, and a changed state plans again there. What a
# cheap state cannot see (an UPDATE that leaves `updated_at` alone) the unique constraints on names, slugs
# and rules still refuse, and the import then says so and writes nothing.


def database_state() -> tuple[Any, ...]:
    """Changes whenever a client or rule is added, removed or saved (counts, newest ids, latest saves)."""
    clients = Client.objects.aggregate(n=Count("pk"), top=Max("pk"), saved=Max("updated_at"))
    rules = MappingRule.objects.aggregate(n=Count("pk"), top=Max("pk"), saved=Max("updated_at"))
    return (*clients.values(), *rules.values())


def _unique_slug(name: str, taken: set[str], next_suffix: dict[str, int]) -> str:
    base = slugify(name)[: SLUG_MAX - 6].strip("-") or "client"
    slug, n = base, next_suffix.get(base, 2)
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    next_suffix[base] = n
    taken.add(slug)
    return slug


def plan_changes(result: ImportResult) -> tuple[Any, ...]:
    """Compare the rows with the database and fill `result.changes` (what an import would write).

    Reads the database in a fixed number of queries whatever the number of rows, and writes nothing.
    Returns the `database_state` the plan was made from.
    """
    state = database_state()
    clients = list(Client.objects.only("pk", "name", "slug", "contact_emails").order_by("name", "pk"))
    by_name: dict[str, Client] = {}
    for client in clients:
        by_name.setdefault(normalize(client.name), client)
    taken_slugs = {client.slug for client in clients}
    next_suffix: dict[str, int] = {}
    changes: dict[str, ClientChange] = {}
    for row in result.rows:
        key = normalize(row.client)
        change = changes.get(key)
        if change is None:
            existing = by_name.get(key)
            change = ClientChange(
                name=existing.name if existing else row.client,
                existing=existing,
                slug=existing.slug if existing else _unique_slug(row.client, taken_slugs, next_suffix),
            )
            if existing is not None:
                change.known_emails = {normalize(email) for email in existing.contact_email_list}
            changes[key] = change
        if row.contact_email:
            email = normalize(row.contact_email)
            if email not in change.known_emails:
                change.known_emails.add(email)
                change.new_emails.append(row.contact_email)
        if row.rule_kind:
            change.rule_rows.append((row.rule_kind, row.pattern))
    # The rules of the clients the file names, read once; every pattern normalised once.
    named = [change.existing.pk for change in changes.values() if change.existing is not None]
    known_rules: dict[int, set[tuple[str, str]]] = {client_id: set() for client_id in named}
    for client_id, kind, pattern in MappingRule.objects.values_list("client_id", "kind", "pattern"):
        if client_id in known_rules:
            known_rules[client_id].add((kind, normalize(pattern)))
    for change in changes.values():
        known = known_rules.get(change.existing.pk, set()) if change.existing is not None else set()
        change.new_rules = []
        for kind, pattern in change.rule_rows:
            rule = (kind, normalize(pattern))
            if rule not in known:
                known.add(rule)
                change.new_rules.append((kind, pattern))
    result.changes = list(changes.values())
    return state


def write_changes(result: ImportResult) -> None:
    """Write the plan in a few bulk statements (the caller holds the transaction)."""
    now = timezone.now()
    created = [change for change in result.changes if change.existing is None]
    new_clients = [Client(name=c.name, slug=c.slug, contact_emails=c.new_emails) for c in created]
    for client in new_clients:
        # Field checks only: uniqueness is what the plan ensured and the database's constraints enforce.
        client.full_clean(validate_unique=False, validate_constraints=False)
    Client.objects.bulk_create(new_clients)
    if any(client.pk is None for client in new_clients):  # a database that cannot return the new ids
        ids = dict(Client.objects.filter(slug__in=[c.slug for c in new_clients]).values_list("slug", "pk"))
        for client in new_clients:
            client.pk = ids[client.slug]
    for change, client in zip(created, new_clients, strict=True):
        change.client = client
    updated = []
    for change in result.changes:
        if change.existing is None:
            continue
        change.client = change.existing
        if change.new_emails:
            change.existing.contact_emails = [*change.existing.contact_email_list, *change.new_emails]
            change.existing.updated_at = now  # bulk_update does not apply auto_now
            updated.append(change.existing)
    Client.objects.bulk_update(updated, ["contact_emails", "updated_at"])
    MappingRule.objects.bulk_create(
        [
            MappingRule(client=change.client, kind=kind, pattern=pattern)
            for change in result.changes
            for kind, pattern in change.new_rules
        ]
    )


def import_clients_csv(*, file: IO[bytes], dry_run: bool = False) -> ImportResult:
    """Create clients, contact e-mails and mapping rules from a CSV file (see this module's docstring).

    Every row is checked first; if any is bad, the result lists every error with its line number and
    nothing is written. Importing the same file again changes nothing. The queries are a fixed number
    whatever the number of rows (on SQLite plus one per ~140 new rules, its limit of query parameters), and
    only the last few of them, the bulk writes, hold the write lock.
    """
    result = parse(file)
    if not result.ok:
        return result
    result.dry_run = dry_run
    # 1. Plan outside any transaction: a few reads, no lock (a dry run ends here and writes nothing).
    state = plan_changes(result)
    if dry_run or not result.changed:
        return result
    # 2. Write in one short transaction, from a plan that is still true: if anything changed since step 1,
    #    plan again in here (on SQLite the IMMEDIATE transaction holds the write lock, so nothing else can).
    try:
        with transaction.atomic():
            if database_state() != state:
                plan_changes(result)
            write_changes(result)
    except IntegrityError as exc:
        # A change the state did not show (see the note above `database_state`); the transaction wrote nothing.
        logger.warning("Clients import rolled back: %s", exc)
        result.error(
            0,
            gettext(
                "The clients or rules changed while this file was being imported, so nothing was written. "
                "Import the file again."
            ),
        )
    except ValidationError as exc:
        result.error(0, " ".join(exc.messages))
    return result
