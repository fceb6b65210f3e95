"""The admin's own pages speak the staff's language: the client list, a client's page, the unmapped sites and
the CSV import in German show none of the English strings they used to, and neither do the models' names,
field labels, help texts and choices."""

from __future__ import annotations

import html
import re

import pytest

from tests.clients.test_admin import admin_client, world  # noqa: F401 (fixtures)

PAGES = [
    "/admin/clients/client/",
    "/admin/clients/client/{acme}/change/",
    "/admin/clients/unmappedsite/",
    "/admin/clients/client/import/",
    "/admin/kinsta_sync/site/",
    "/admin/clients/mappingrule/preview/",
    "/admin/clients/client/{acme}/invite/",
]

# Strings these pages showed in English before they were marked for translation.
FORMERLY_ENGLISH = [
    "Import clients from a CSV file",
    "Preview of the mapping rules",
    "Would assign",
    "Assign to client…",
    "Remove from client",
    "Rules would…",
    "client mapping",
    "Mapped by hand",
    "Mapped by a rule",
    "Removed from Kinsta",
    "With a staging environment",
    "Live only",
    "by hand",
    "Contacts",
    "Report figures, last",
    "CDN bandwidth",
    "no data",
    "the report's default period",
    "Contact e-mails",
    "One address per line",
    "add sites by hand",
    "invite them with the button above",
    "Last login",
    "On Kinsta",
    "Since",
    "present",
    "CSV file",
    "Dry run: check the file",
    "UTF-8, header row",
    "E-mail address",
    "Invite a client user to",
    ">Visits<",
    ">Bandwidth<",
    ">Internal<",
]


def visible_text(body: str) -> str:
    body = re.sub(r"(?s)<script.*?</script>|<style.*?</style>", " ", body)
    return html.unescape(body)


@pytest.mark.parametrize("how", ["cookie", "accept-language"])
def test_the_admin_pages_speak_german(admin_client, world, how):  # noqa: F811
    if how == "cookie":
        admin_client.cookies["django_language"] = "de"
        headers = {}
    else:
        headers = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}
    for template in PAGES:
        response = admin_client.get(template.format(acme=world["acme"].pk), **headers)
        assert response.status_code == 200, template
        text = visible_text(response.content.decode())
        assert 'lang="de"' in text, template
        english = [s for s in FORMERLY_ENGLISH if s in text]
        assert english == [], f"{template} shows English: {english}"


def test_the_same_pages_still_speak_english(admin_client, world):  # noqa: F811
    text = visible_text(admin_client.get(f"/admin/clients/client/{world['acme'].pk}/change/").content.decode())
    assert "Report figures, last 30 days" in text and "Contact e-mails" in text
    text = visible_text(admin_client.get("/admin/clients/client/import/").content.decode())
    assert "Import clients from a CSV file" in text


def test_the_unmapped_list_suggests_in_german(admin_client, world):  # noqa: F811
    from clients.models import MappingRule

    MappingRule.objects.create(client=world["acme"], kind=MappingRule.Kind.LABEL, pattern="Initech", priority=1)
    admin_client.cookies["django_language"] = "de"
    text = visible_text(admin_client.get("/admin/clients/unmappedsite/").content.decode())
    assert "Acme Corp zuordnen" in text and "assign to" not in text
    preview = visible_text(admin_client.get("/admin/clients/mappingrule/preview/").content.decode())
    assert re.search(r"Würde \d+ von 2 Website\(s\) ohne Kunden durch 1 aktive Regel\(n\) zuordnen", preview)


def test_the_models_speak_german_in_the_admin(admin_client, world):  # noqa: F811
    """Picked with the language picker: the index's app and model names, the sync runs' column headers and choice
    labels, and a client's field labels, help texts and choices come from the models in German."""
    from kinsta_sync.models import SyncRun

    SyncRun.objects.create(account=world["initech"].account, trigger="schedule", status="success")
    admin_client.post("/i18n/setlang/", {"language": "de", "next": "/admin/"})

    index = visible_text(admin_client.get("/admin/").content.decode())
    for german in (
        "Kinsta-Daten",
        "Berichtsversand",
        "Synchronisierungsläufe",
        "Kinsta-Konten",
        "Zuordnungsregeln",
        "Berichtspläne",
        "Freigabelinks",
        "Kundenkontingente",
        "Einträge im Aktivitätsprotokoll",
    ):
        assert german in index, german
    for english in (
        "Kinsta mirror",
        "Sync runs",
        "Kinsta accounts",
        "Mapping rules",
        "Report schedules",
        "Share links",
    ):
        assert english not in index, english

    runs = visible_text(admin_client.get("/admin/kinsta_sync/syncrun/").content.decode())
    for german in ("Gestartet am", "Konto", "Auslöser", "Anfragen", "Gedrosselt", "Wiederholungen", "Erfolgreich",
                   "Zeitplan", "Synchronisierungslauf zum Ansehen auswählen"):  # fmt: skip
        assert german in runs, german
    for english in ("Started at", "Trigger", "Throttled", "Retries", "Success", "Schedule", "Select sync run"):
        assert english not in runs, english

    page = visible_text(admin_client.get(f"/admin/clients/client/{world['acme'].pk}/change/").content.decode())
    for german in ("Kunde ändern", "Kürzel", "Teil der Adresse des Berichts", "Zeitzone", "Markenfarbe",
                   "Aktivität für den Kunden", "Nur erfolgreiche Arbeiten, ohne Namen", "Notizen"):  # fmt: skip
        assert german in page, german
    for english in ("Change client", "Slug", "Used in the report", "Brand color", "Successful work only", "Notes"):
        assert english not in page, english


def test_a_client_page_says_which_rule_assigned_a_site_as_the_rule_is_named(admin_client, world):  # noqa: F811
    from clients.mapping import apply_mapping_rules
    from clients.models import MappingRule

    MappingRule.objects.create(client=world["acme"], kind=MappingRule.Kind.LABEL, pattern="Initech", priority=1)
    apply_mapping_rules()
    url = f"/admin/clients/client/{world['acme'].pk}/change/"
    assert "by rule: Kinsta label equals “Initech”" in visible_text(admin_client.get(url).content.decode())
    admin_client.cookies["django_language"] = "de"
    assert "per Regel: Kinsta-Label ist gleich „Initech“" in visible_text(admin_client.get(url).content.decode())
