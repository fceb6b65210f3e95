"""The clients CSV import: a good file, bad rows (all listed, nothing written), re-import, hostile strings,
the command and the admin upload."""

from __future__ import annotations

from io import BytesIO, StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients import csv_import
from clients.csv_import import import_clients_csv
from clients.models import Client, MappingRule
from tests.factories import make_client
from tests.personas import STAFF_PASSWORD

GOOD = """client,contact_email,rule_kind,pattern
Acme Corp,reports@acme.example,label,Acme Corp
Acme Corp,ceo@acme.example,domain,*.acme-corp.com
acme corp,,name,acme-*
Bluebird Bakery,hello@bluebird.example,,
Bluebird Bakery,,label,Bluebird Bakery
"""


def run(text: str | bytes, *, dry_run: bool = False) -> csv_import.ImportResult:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return import_clients_csv(file=BytesIO(data), dry_run=dry_run)


def snapshot() -> list[tuple]:
    clients = sorted(Client.objects.values_list("name", "slug", "contact_emails", "updated_at"))
    rules = sorted(MappingRule.objects.values_list("client__slug", "kind", "pattern", "priority"))
    return [*clients, *rules]


def test_a_good_file_creates_clients_contacts_and_rules(db):
    result = run(GOOD)

    assert result.ok, result.errors
    acme = Client.objects.get(slug="acme-corp")
    assert acme.name == "Acme Corp"
    assert acme.contact_email_list == ["reports@acme.example", "ceo@acme.example"]
    assert sorted(acme.mapping_rules.values_list("kind", "pattern")) == [
        ("domain", "*.acme-corp.com"),
        ("label", "Acme Corp"),
        ("name", "acme-*"),
    ]
    bluebird = Client.objects.get(slug="bluebird-bakery")
    assert bluebird.contact_email_list == ["hello@bluebird.example"]
    assert list(bluebird.mapping_rules.values_list("kind", "pattern")) == [("label", "Bluebird Bakery")]
    assert result.summary() == "Created 2 client(s), added 3 contact e-mail(s) and 4 rule(s) from 5 row(s)."


def test_a_dry_run_reports_the_changes_and_writes_nothing(db):
    result = run(GOOD, dry_run=True)
    assert result.ok
    assert result.summary().startswith("Would create 2 client(s), would add 3 contact e-mail(s) and 4 rule(s)")
    assert "new client Acme Corp (/clients/acme-corp/)" in result.lines()
    assert Client.objects.count() == 0 and MappingRule.objects.count() == 0


def test_re_importing_the_same_file_changes_nothing(db):
    assert run(GOOD).ok
    before = snapshot()

    again = run(GOOD)

    assert again.ok and not again.changed
    assert again.summary().endswith("Nothing to change: everything in the file is already there.")
    assert snapshot() == before


def test_it_adds_to_an_existing_client_matched_by_name_whatever_the_case(db):
    existing = make_client("ACME CORP", slug="acme", contact_emails=["REPORTS@acme.example"])

    result = run(GOOD)

    assert result.ok
    existing.refresh_from_db()
    assert existing.slug == "acme" and existing.name == "ACME CORP"
    assert existing.contact_email_list == ["REPORTS@acme.example", "ceo@acme.example"]
    assert existing.mapping_rules.count() == 3
    assert Client.objects.count() == 2


def test_bad_rows_are_all_listed_with_line_numbers_and_nothing_is_written(db):
    text = (
        "client,contact_email,rule_kind,pattern\n"
        "Acme Corp,reports@acme.example,label,Acme Corp\n"  # 2: good
        ",someone@example.com,,\n"  # 3: no client
        "Globex,not-an-email,,\n"  # 4: bad e-mail
        "Globex,,regex,glob.*\n"  # 5: unknown kind
        "Globex,,domain,\n"  # 6: kind without pattern
        "Globex,,,globex.com\n"  # 7: pattern without kind
        "Globex,,domain,https://globex.com/\n"  # 8: not a host glob
        "Globex,a@b.example\n"  # 9: too few cells
        "\n"  # 10: blank, skipped
        f"{'x' * 201},,,\n"  # 11: name too long
        "Initech,,domain,*\n"  # 12: matches everything
    )

    result = run(text)

    assert not result.ok
    assert [error.line for error in result.errors] == [3, 4, 5, 6, 7, 8, 9, 11, 12]
    messages = [str(error) for error in result.errors]
    assert messages[0] == "line 3: The client name is empty."
    assert "'not-an-email' is not an e-mail address." in messages[1]
    assert "rule_kind 'regex' is unknown" in messages[2]
    assert "Expected 4 cells, found 2." in messages[6]
    assert Client.objects.count() == 0 and MappingRule.objects.count() == 0
    assert result.summary() == "Nothing was imported: 9 error(s)."


def test_a_row_with_several_problems_reports_each(db):
    result = run("client,contact_email,rule_kind,pattern\n,bad,label,\n")
    assert [str(e) for e in result.errors] == [
        "line 2: The client name is empty.",
        "line 2: 'bad' is not an e-mail address.",
        "line 2: A label rule needs a pattern.",
    ]


def test_line_numbers_count_quoted_cells_that_span_lines(db):
    text = 'client,contact_email,rule_kind,pattern\n"Acme\nCorp",,,\nGlobex,bad,,\n'
    result = run(text)
    assert [str(e) for e in result.errors] == [
        "line 2: client contains control characters (tabs, line breaks or similar).",
        "line 4: 'bad' is not an e-mail address.",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty; the first line must be: client,contact_email,rule_kind,pattern"),
        (b"client,contact_email,rule_kind,pattern\n", "The file has a header but no rows."),
        (b"name,email\nAcme,a@b.example\n", "line 1: The header must name the columns"),
        (b"client,contact_email,rule_kind,pattern\nM\xfcller,,,\n", "line 2: This line is not UTF-8 text"),
        (b"client,contact_email,rule_kind,pattern\nA\x00B,,,\n", "line 2:"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(db, data, message):
    result = run(data)
    assert not result.ok
    assert str(result.errors[0]).startswith(message)
    assert Client.objects.count() == 0


def test_a_file_over_the_size_cap_is_refused_without_reading_it_all(db, monkeypatch):
    monkeypatch.setattr(csv_import, "MAX_BYTES", 100)
    data = ("client,contact_email,rule_kind,pattern\n" + "Acme,,,\n" * 50).encode()
    result = run(data)
    assert [str(e) for e in result.errors] == ["The file is larger than 0 KB; split it."]


def test_it_reads_a_byte_order_mark_and_windows_line_ends(db):
    data = "\ufeffclient,contact_email,rule_kind,pattern\r\nMüller & Söhne,info@mueller.example,,\r\n".encode()
    result = run(data)
    assert result.ok, result.errors
    assert Client.objects.get().name == "Müller & Söhne"


HOSTILE = (
    "client,contact_email,rule_kind,pattern\n"
    '<script>alert(1)</script> GmbH,,label,"VIP <img src=x onerror=alert(1)>"\n'
    '"=HYPERLINK(""http://evil.example"",""click"")",,label,"=HYPERLINK(""http://evil.example"",""click"")"\n'
    "+1+1 Promotions,,name,@SUM(A1)*\n"
    "東京ベーカリー,,label,\u200fعميل مميز\u200f\n"
)


def test_hostile_strings_are_stored_verbatim(db):
    result = run(HOSTILE)

    assert result.ok, result.errors
    names = set(Client.objects.values_list("name", flat=True))
    assert names == {
        "<script>alert(1)</script> GmbH",
        '=HYPERLINK("http://evil.example","click")',
        "+1+1 Promotions",
        "東京ベーカリー",
    }
    assert MappingRule.objects.get(client__name__startswith="=HYPERLINK").pattern == (
        '=HYPERLINK("http://evil.example","click")'
    )
    slugs = set(Client.objects.values_list("slug", flat=True))
    assert slugs == {"scriptalert1script-gmbh", "hyperlinkhttpevilexampleclick", "11-promotions", "client"}


def test_hostile_strings_are_shown_inert_in_the_admin(client, agency_admin):
    run(HOSTILE)
    client.login(username=agency_admin.username, password=STAFF_PASSWORD)
    script_client = Client.objects.get(name__startswith="<script>")

    for url in ("/admin/clients/client/", f"/admin/clients/client/{script_client.pk}/change/"):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; GmbH" in html
    rules_html = client.get("/admin/clients/mappingrule/").content.decode()
    assert "<img src=x onerror=alert(1)>" not in rules_html
    assert "VIP &lt;img src=x onerror=alert(1)&gt;" in rules_html
    assert "東京ベーカリー" in rules_html


# --- Size: queries, locks and a plan gone stale -----------------------------------------------------------


def rows_file(rows: int, prefix: str) -> str:
    """`rows` rows for new clients (two rows each) plus one adding an e-mail and a rule to "Existing Co"."""
    lines = ["client,contact_email,rule_kind,pattern", f"existing co,{prefix}@existing.example,name,{prefix}-*"]
    lines += [f"{prefix} {n // 2},{prefix}{n}@new.example,domain,*.{prefix}{n}.example" for n in range(rows)]
    return "\n".join(lines) + "\n"


def queries_of(text: str, *, dry_run: bool = False) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        result = run(text, dry_run=dry_run)
    assert result.ok, result.errors
    return [query["sql"] for query in queries.captured_queries]


def test_an_imports_queries_do_not_grow_with_its_rows(db):
    make_client("Existing Co", slug="existing", contact_emails=["old@existing.example"])
    make_client("Other Co", slug="other").mapping_rules.create(kind="label", pattern="Other")

    small = queries_of(rows_file(10, "small"))
    large = queries_of(rows_file(100, "large"))

    assert len(small) == len(large)
    assert Client.objects.count() == 2 + 5 + 50
    assert MappingRule.objects.count() == 1 + 11 + 101
    assert Client.objects.get(slug="existing").contact_email_list == [
        "old@existing.example",
        "small@existing.example",
        "large@existing.example",
    ]


def test_a_dry_run_only_reads(db):
    make_client("Existing Co", slug="existing")

    statements = queries_of(rows_file(20, "dry"), dry_run=True)

    assert statements and all(sql.lstrip().upper().startswith("SELECT") for sql in statements), statements
    assert Client.objects.count() == 1


def test_re_importing_an_unchanged_file_only_reads(db):
    assert run(GOOD).ok

    statements = queries_of(GOOD)

    assert all(sql.lstrip().upper().startswith("SELECT") for sql in statements), statements


def test_a_client_created_while_the_file_was_planned_is_added_to_not_duplicated(db, monkeypatch):
    plan = csv_import.plan_changes

    def plan_then_someone_adds_acme(result):  # type: ignore[no-untyped-def]
        state = plan(result)
        if not Client.objects.filter(slug="acme").exists():
            make_client("ACME Corp", slug="acme")  # e.g. in the admin, between planning and writing
        return state

    monkeypatch.setattr(csv_import, "plan_changes", plan_then_someone_adds_acme)

    result = run(GOOD)

    assert result.ok, result.errors
    assert sorted(Client.objects.values_list("slug", flat=True)) == ["acme", "bluebird-bakery"]
    assert Client.objects.get(slug="acme").mapping_rules.count() == 3


def test_a_change_no_state_shows_fails_the_import_with_a_clear_error_and_writes_nothing(db, monkeypatch):
    other = make_client("Other", slug="other")
    plan = csv_import.plan_changes

    def plan_then_someone_takes_the_slug(result):  # type: ignore[no-untyped-def]
        state = plan(result)
        # An UPDATE that leaves updated_at alone: counts, ids and save times all stay the same.
        Client.objects.filter(pk=other.pk).update(slug="acme-corp")
        return state

    monkeypatch.setattr(csv_import, "plan_changes", plan_then_someone_takes_the_slug)

    result = run(GOOD)

    assert not result.ok
    assert [str(e) for e in result.errors] == [
        "The clients or rules changed while this file was being imported, so nothing was written. "
        "Import the file again."
    ]
    assert list(Client.objects.values_list("slug", flat=True)) == ["acme-corp"]
    assert MappingRule.objects.count() == 0


# --- The command ----------------------------------------------------------------------------------------


def test_the_command_imports_a_file_and_prints_what_it_did(db, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text(GOOD, encoding="utf-8")
    out = StringIO()

    call_command("import_clients", str(path), "--dry-run", stdout=out)
    assert "Would create 2 client(s)" in out.getvalue() and Client.objects.count() == 0

    call_command("import_clients", str(path), stdout=out)
    assert "Created 2 client(s)" in out.getvalue() and Client.objects.count() == 2


def test_the_command_fails_listing_every_error(db, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text("client,contact_email,rule_kind,pattern\n,x,,\nOk,,,\n", encoding="utf-8")
    out = StringIO()
    with pytest.raises(CommandError, match=r"Nothing was imported: 2 error\(s\)"):
        call_command("import_clients", str(path), stdout=out)
    assert "line 2: The client name is empty." in out.getvalue()
    assert "line 2: 'x' is not an e-mail address." in out.getvalue()
    assert Client.objects.count() == 0


def test_the_command_names_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_clients", str(tmp_path / "nope.csv"))


# --- The admin upload -----------------------------------------------------------------------------------


def upload(client, text: str, *, dry_run: bool = False):
    data = {"file": SimpleUploadedFile("clients.csv", text.encode(), content_type="text/csv")}
    if dry_run:
        data["dry_run"] = "on"
    return client.post("/admin/clients/client/import/", data)


def test_the_admin_upload_imports_a_good_file(client, agency_admin):
    client.login(username=agency_admin.username, password=STAFF_PASSWORD)

    dry = upload(client, GOOD, dry_run=True)
    assert dry.status_code == 200 and "Dry run: nothing was written" in dry.content.decode()
    assert Client.objects.count() == 0

    response = upload(client, GOOD)
    assert response.status_code == 200
    assert "Created 2 client(s), added 3 contact e-mail(s) and 4 rule(s)" in response.content.decode()
    assert Client.objects.count() == 2 and MappingRule.objects.count() == 4


def test_the_admin_upload_lists_every_error_and_writes_nothing(client, agency_admin):
    client.login(username=agency_admin.username, password=STAFF_PASSWORD)
    response = upload(client, "client,contact_email,rule_kind,pattern\nAcme,,,\n,<b>x</b>,,\n")
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert "line 3: The client name is empty." in html
    assert "line 3: &#x27;&lt;b&gt;x&lt;/b&gt;&#x27; is not an e-mail address." in html
    assert Client.objects.count() == 0
