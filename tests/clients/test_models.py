"""Client settings are validated where they are stored; one site has at most one client."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from clients.email import email_sender
from clients.models import AgencyBranding, Client, MappingRule, SiteAssignment
from clients.validators import LOGO_MAX_BYTES, split_emails, validate_logo
from tests.factories import make_account, make_client, make_site

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def valid_client(**fields) -> Client:
    return Client(**{"name": "Acme", "slug": "acme", **fields})


def test_a_new_client_has_sensible_defaults(db):
    client = make_client("Acme")
    assert (client.language, client.timezone, client.brand_color, client.is_active) == ("en", "UTC", "#4b2fd1", True)
    assert client.contact_email_list == []
    assert client.get_absolute_url() == "/clients/acme/"


@pytest.mark.parametrize("color", ["#4B2FD1", "#000000", "#abcdef"])
def test_it_accepts_hex_colours(db, color):
    valid_client(brand_color=color).full_clean()


@pytest.mark.parametrize("color", ["4b2fd1", "#fff", "#12345g", "red", "#1234567", "#123456\n"])
def test_it_refuses_anything_but_rrggbb_colours(db, color):
    with pytest.raises(ValidationError) as error:
        valid_client(brand_color=color).full_clean()
    assert "brand_color" in error.value.message_dict


@pytest.mark.parametrize("tz", ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires"])
def test_it_accepts_iana_time_zones(db, tz):
    valid_client(timezone=tz).full_clean()


@pytest.mark.parametrize("tz", ["Mars/Olympus", "europe/berlin", "posixrules", "../etc/passwd", ""])
def test_it_refuses_other_time_zone_names(db, tz):
    with pytest.raises(ValidationError) as error:
        valid_client(timezone=tz).full_clean()
    assert "timezone" in error.value.message_dict


def test_it_refuses_a_language_other_than_english_or_german(db):
    with pytest.raises(ValidationError) as error:
        valid_client(language="fr").full_clean()
    assert "language" in error.value.message_dict


def test_contact_emails_must_be_addresses(db):
    valid_client(contact_emails=["a@acme.example", "b@acme.example"]).full_clean()
    with pytest.raises(ValidationError, match="not-an-email"):
        valid_client(contact_emails=["a@acme.example", "not-an-email"]).full_clean()
    with pytest.raises(ValidationError):
        valid_client(contact_emails="a@acme.example").full_clean()


def test_it_splits_typed_e_mail_lists_without_duplicates():
    assert split_emails("a@x.example, b@y.example\nA@X.example;; c@z.example\n") == [
        "a@x.example",
        "b@y.example",
        "c@z.example",
    ]


def test_client_names_are_unique_whatever_the_case(db):
    make_client("Acme", slug="acme")
    with pytest.raises(ValidationError):
        valid_client(name="ACME", slug="acme-2").full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.create(name="acme", slug="acme-3")


def image_bytes(format: str, size: tuple[int, int] = (120, 40), mode: str = "RGB", **save: Any) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, size, "#d14b2f" if mode == "RGB" else 1).save(buffer, format=format, **save)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "format"), [("logo.png", "PNG"), ("logo.JPG", "JPEG"), ("logo.gif", "GIF"), ("logo.webp", "WEBP")]
)
def test_it_accepts_small_raster_logos(db, name, format):
    validate_logo(SimpleUploadedFile(name, image_bytes(format), content_type="image/png"))


def test_a_logo_is_refused_by_its_dimensions_before_any_pixel_is_decoded(db):
    # 12,000 x 12,000 in one bit of one colour: 17 KB on disk, 576 MB once decoded as RGBA for a PDF.
    bomb = image_bytes("PNG", (12_000, 12_000), mode="1", optimize=True)
    assert len(bomb) < LOGO_MAX_BYTES

    with pytest.raises(ValidationError) as error:
        validate_logo(SimpleUploadedFile("logo.png", bomb))

    assert error.value.code == "logo_pixels"
    assert "12000 x 12000 pixels" in error.value.messages[0]


@pytest.mark.parametrize("size", [(2001, 10), (10, 2001), (1500, 1500)])
def test_a_logo_over_the_pixel_caps_is_refused(db, size):
    with pytest.raises(ValidationError) as error:
        validate_logo(SimpleUploadedFile("logo.png", image_bytes("PNG", size, mode="1")))
    assert error.value.code == "logo_pixels"


@pytest.mark.parametrize("weasyprint_loaded", [False, True])
def test_a_damaged_logo_is_refused(db, weasyprint_loaded, monkeypatch):
    from PIL import ImageFile

    # Importing WeasyPrint sets ImageFile.LOAD_TRUNCATED_IMAGES for the whole process (as a web worker that
    # rendered a PDF has it): a damaged logo must be refused all the same.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", weasyprint_loaded)
    whole = image_bytes("PNG", (400, 400))
    with pytest.raises(ValidationError) as error:
        validate_logo(SimpleUploadedFile("logo.png", whole[: len(whole) // 2]))
    assert error.value.code == "logo_content"


POLYGLOT = image_bytes("PNG") + b"<html><script>alert(document.cookie)</script></html>"


def test_a_stored_logo_is_exactly_a_clean_png(db, settings, tmp_path):
    from PIL import Image, PngImagePlugin

    settings.MEDIA_ROOT = tmp_path
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "<script>alert(1)</script>")
    with_metadata = image_bytes("PNG", pnginfo=text)
    client = make_client("Acme")
    agency = AgencyBranding.get()

    validate_logo(SimpleUploadedFile("logo.png", POLYGLOT))  # a valid PNG: the validator lets it through
    client.logo.save("acme.png", ContentFile(POLYGLOT), save=True)
    agency.logo.save("agency.jpeg", ContentFile(image_bytes("JPEG", exif=b"Exif\x00\x00MM\x00*")), save=True)
    other = make_client("Globex")
    other.logo.save("globex.png", ContentFile(with_metadata), save=True)

    for field in (client.logo, agency.logo, other.logo):
        stored = field.read()
        field.close()
        assert field.name.endswith(".png")
        assert b"<script" not in stored and b"Exif" not in stored and b"tEXt" not in stored
        image = Image.open(io.BytesIO(stored))
        assert (image.format, image.size) == ("PNG", (120, 40)) and image.info == {}
        assert stored.endswith(b"IEND\xaeB`\x82")  # nothing after the image


def test_a_logo_saved_in_code_is_checked_too(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = make_client("Acme")
    with pytest.raises(ValidationError):
        client.logo.save("logo.png", ContentFile(image_bytes("PNG", (12_000, 12_000), mode="1")), save=True)
    client.refresh_from_db()
    assert not client.logo


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("logo.svg", b"<svg onload='alert(1)'/>", "logo_type"),
        ("logo.html", b"<script>alert(1)</script>", "logo_type"),
        ("logo", PNG, "logo_type"),
        ("logo.png", b"<script>alert(1)</script>", "logo_content"),
        ("logo.webp", b"RIFF\x00\x00\x00\x00AVI ", "logo_content"),
        ("logo.png", PNG + b"\x00" * LOGO_MAX_BYTES, "logo_size"),
    ],
)
def test_it_refuses_other_logo_files(name, content, code):
    with pytest.raises(ValidationError) as error:
        validate_logo(SimpleUploadedFile(name, content))
    assert error.value.code == code


def test_the_agency_branding_is_one_row(db):
    first = AgencyBranding.get()
    first.name = "Northpeak"
    first.save()
    AgencyBranding(name="Another").save()  # saving "another" overwrites the one row
    assert AgencyBranding.objects.count() == 1
    assert AgencyBranding.get().name == "Another"


def test_a_site_belongs_to_at_most_one_client(db):
    site = make_site(make_account(), name="acme-shop")
    acme, globex = make_client("Acme"), make_client("Globex")
    SiteAssignment.objects.create(site=site, client=acme)
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteAssignment.objects.create(site=site, client=globex)
    assert SiteAssignment.objects.get(site=site).client == acme


def test_deleting_a_rule_keeps_the_sites_it_assigned(db):
    site = make_site(make_account(), name="acme-shop")
    acme = make_client("Acme")
    rule = MappingRule.objects.create(client=acme, kind="name", pattern="acme-*")
    SiteAssignment.objects.create(site=site, client=acme, source="rule", rule=rule)
    rule.delete()
    assignment = SiteAssignment.objects.get(site=site)
    assert assignment.client == acme and assignment.rule is None


def test_a_rule_pattern_is_checked_and_trimmed(db):
    acme = make_client("Acme")
    rule = MappingRule(client=acme, kind="domain", pattern="  *.acme.com ")
    rule.full_clean()
    assert rule.pattern == "*.acme.com"
    with pytest.raises(ValidationError) as error:
        MappingRule(client=acme, kind="domain", pattern="http://acme.com").full_clean()
    assert "pattern" in error.value.message_dict


# --- The sender: one line, built in one place ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sender_name", "Evil\r\nBcc: victim@example.com"),
        ("sender_name", "Northpeak\nReports"),
        ("sender_name", "Tab\there"),
        ("sender_name", "NUL\x00byte"),
        ("sender_name", "Line\u2028separator"),
        ("name", "Northpeak\r\nDigital"),
        ("reply_to", "hello@northpeak.example\nBcc: victim@example.com"),
    ],
)
def test_the_sender_details_refuse_line_breaks_and_control_characters(db, field, value):
    branding = AgencyBranding.get()
    setattr(branding, field, value)

    with pytest.raises(ValidationError) as error:
        branding.full_clean()

    assert field in error.value.message_dict


def test_the_sender_details_take_ordinary_names(db):
    branding = AgencyBranding(
        name='Müller & Söhne, "Digital"', sender_name="Müller \u2013 Berichte 🚀", reply_to="hallo@mueller.example"
    )
    branding.full_clean()


@pytest.mark.parametrize(
    ("sender_name", "default_from", "expected"),
    [
        ("Pixel Reports", "reports@localhost", "Pixel Reports <reports@localhost>"),
        ("Evil\r\nBcc: victim@example.com", "reports@localhost", '"Evil Bcc: victim@example.com" <reports@localhost>'),
        ("Tab\tand\x1bescape", "reports@localhost", "Tab andescape <reports@localhost>"),  # NUL: PostgreSQL refuses it
        ("Pixel Reports", "Reports <reports@agency.example>", "Pixel Reports <reports@agency.example>"),
        ("", "reports@localhost", "Agency Reports <reports@localhost>"),  # the agency's name
    ],
)
def test_the_from_header_is_one_line_whatever_was_saved(db, settings, sender_name, default_from, expected):
    settings.DEFAULT_FROM_EMAIL = default_from
    # Saved past the validation (a row from before it, or code that skipped full_clean).
    AgencyBranding.get()
    AgencyBranding.objects.update(sender_name=sender_name)

    from_email, _ = email_sender()

    assert from_email == expected


def test_a_reply_to_that_is_not_one_address_is_left_out(db):
    AgencyBranding.get()
    AgencyBranding.objects.update(reply_to="hello@northpeak.example\nBcc: victim@example.com")
    assert email_sender()[1] == []
    AgencyBranding.objects.update(reply_to="hello@northpeak.example")
    assert email_sender()[1] == ["hello@northpeak.example"]
