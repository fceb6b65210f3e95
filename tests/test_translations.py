"""The German catalogue is complete: no entry untranslated or fuzzy (makemessages marks changed source strings
fuzzy), and the sync page speaks German where it used to show the sync's English labels."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PO = Path(__file__).resolve().parent.parent / "locale" / "de" / "LC_MESSAGES" / "django.po"


def parse_po(text: str) -> list[dict]:
    """The entries of a .po file: {"flags", "msgctxt", "msgid", "msgid_plural", "msgstr": [..]}; obsolete
    entries (#~) are left out. Enough of the format for our catalogue, no gettext library needed."""
    entries: list[dict] = []
    for block in text.split("\n\n"):
        entry: dict = {"flags": set(), "msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": []}
        field = None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                value = ast.literal_eval(line)
                if field == "msgstr":
                    entry["msgstr"][-1] += value
                else:
                    entry[field] += value
            else:
                keyword, _, rest = line.partition(" ")
                value = ast.literal_eval(rest)
                field = "msgstr" if keyword.startswith("msgstr") else keyword
                if field == "msgstr":
                    entry["msgstr"].append(value)
                else:
                    entry[field] = value
        if entry["msgid"] is not None:
            entries.append(entry)
    return entries


def test_the_parser_sees_untranslated_fuzzy_and_plural_entries():
    sample = (
        'msgid ""\nmsgstr ""\n"Language: de\\n"\n\n'
        '#, fuzzy\nmsgid "A"\nmsgstr "B"\n\n'
        'msgctxt "c"\nmsgid "C"\nmsgstr ""\n\n'
        'msgid "one"\nmsgid_plural "many"\nmsgstr[0] "eins"\nmsgstr[1] ""\n\n'
        'msgid ""\n"long "\n"text"\nmsgstr "lang"\n"er Text"\n\n'
        '#~ msgid "old"\n#~ msgstr ""\n'
    )
    header, fuzzy, context, plural, long = parse_po(sample)
    assert header["msgid"] == "" and "Language: de" in header["msgstr"][0]
    assert "fuzzy" in fuzzy["flags"]
    assert context["msgctxt"] == "c" and context["msgstr"] == [""]
    assert plural["msgid_plural"] == "many" and plural["msgstr"] == ["eins", ""]
    assert long["msgid"] == "long text" and long["msgstr"] == ["langer Text"]


def test_the_german_catalogue_has_no_untranslated_or_fuzzy_entry():
    entries = [e for e in parse_po(PO.read_text(encoding="utf-8")) if e["msgid"]]  # the header has msgid ""
    assert len(entries) > 400
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"]) or not e["msgstr"]]
    assert fuzzy == [], f"fuzzy entries: {fuzzy}"
    assert untranslated == [], f"untranslated entries: {untranslated}"


def test_the_compiled_catalogue_says_what_the_po_says():
    """compilemessages ran after the last edit: every entry of the .po reads the same from the .mo."""
    from django.utils.translation import gettext, override, pgettext

    stale = []
    with override("de"):
        for e in parse_po(PO.read_text(encoding="utf-8")):
            if not e["msgid"] or e["msgid_plural"]:
                continue
            got = pgettext(e["msgctxt"], e["msgid"]) if e["msgctxt"] else gettext(e["msgid"])
            if got != e["msgstr"][0]:
                stale.append(e["msgid"])
    assert stale == [], f"run manage.py compilemessages: {stale[:5]}"


@pytest.fixture
def _english_afterwards():
    # LocaleMiddleware leaves the request's language active in the thread: later tests expect English.
    from django.utils import translation

    yield
    translation.activate("en")


@pytest.mark.django_db
@pytest.mark.usefixtures("_english_afterwards")
def test_the_sync_page_speaks_german(client, account, agency_admin):
    from kinsta_sync.models import SyncRun

    SyncRun.objects.create(account=account, trigger="schedule", status="success",
                           counts={"sites": {"created": 6, "updated": 0}}, errors=[])  # fmt: skip
    SyncRun.objects.create(account=account, trigger="manual", status="failed",
                           errors=[{"step": "analytics", "message": "Kinsta said no"}])  # fmt: skip
    client.force_login(agency_admin)
    body = client.get("/sync/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    for german in ("Zeitplan", "Erfolgreich", "Kommandozeile", "Fehlgeschlagen", "Websites", "neu 6",
                   "Analysedaten", "Kinsta said no"):  # fmt: skip
        assert german in body, german
    for english in (">Schedule<", ">Success<", ">Failed<", "created 6", ">analytics<"):
        assert english not in body, english
    overview = client.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Fehlgeschlagen" in overview and ">Failed<" not in overview
