"""Uploaded logos (the agency's and each client's): decoded on upload, capped in pixels, stored re-encoded.

A logo is drawn into every PDF and shown on report pages, so what is stored must be exactly a small, clean
image. Checking the size and the first bytes is not enough: a 12,000 x 12,000 PNG of one colour is a few
kilobytes, yet every PDF would decode it into 576 MB; and a file can be a valid PNG with HTML or script
appended (a polyglot). So:

1. Only PNG, JPEG, GIF and WebP are opened (Pillow's other decoders, EPS through Ghostscript among them, are
   never tried), and the dimensions are read from the header and capped *before* any pixel is decoded.
2. The first frame is decoded in full: a damaged or truncated file is refused.
3. What is stored is that image encoded again as PNG by Pillow, without metadata (EXIF, ICC profiles,
   text chunks) and without anything that came after the image data.

SVG stays refused: it can carry scripts, and a logo served from our own origin must never run one.
`LogoField` does step 3 whenever a file is saved to it (the admin's upload or `field.save()` in code), so no
path stores an unchecked file; the field's validator (`clients.validators.validate_logo`) does steps 1-2
during form validation, so the admin shows a message instead of failing on save.

Nothing serves MEDIA_ROOT: logos are served by the app, access-checked (clients.views for logged-in users,
dashboard.delivery.views for share links), from the URLs the functions below build. `logo_response` answers
with the stored image: its own content type, `Cache-Control: private, max-age=3600`, an ETag (the content's
hash) and Last-Modified. Each URL carries `?v=` from the stored file's name, which changes with every
upload, so a new logo shows at once despite the hour of caching. The PDF reads logos from storage directly.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import PurePath
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

if TYPE_CHECKING:
    from clients.models import AgencyBranding, Client

LOGO_MAX_BYTES = 512 * 1024
# A logo is shown a few centimetres wide: 2 megapixels (about 1,400 x 1,400, or 2,000 x 1,000) is plenty,
# and decodes into at most 8 MB (RGBA) per PDF.
LOGO_MAX_SIDE = 2000
LOGO_MAX_PIXELS = 2_000_000
LOGO_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")


def _read(file: Any) -> bytes:
    """The file's bytes (at most one more than allowed), leaving its position where it was."""
    position = file.tell() if hasattr(file, "tell") else None
    try:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(LOGO_MAX_BYTES + 1)
    finally:
        if position is not None:
            file.seek(position)
    return data.encode() if isinstance(data, str) else data


def decode_logo(file: IO[bytes] | Any) -> Image.Image:
    """The logo's first frame, fully decoded, or a ValidationError that says what is wrong with the file.

    Never decodes more than LOGO_MAX_PIXELS: the header's dimensions are checked first.
    """
    data = _read(file)
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is larger than %(max)d KB.") % {"max": LOGO_MAX_BYTES // 1024}, code="logo_size"
        )
    with warnings.catch_warnings():
        # Opening reads the header only. Pillow warns about images over 89 megapixels (and refuses those over
        # twice that); our cap is far lower and checked right below, before anything is decoded.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=LOGO_FORMATS)
        except Image.DecompressionBombError as exc:
            raise _too_many_pixels() from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ValidationError(_("The file is not a PNG, JPEG, GIF or WebP image."), code="logo_content") from exc
    width, height = image.size
    if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE or width * height > LOGO_MAX_PIXELS:
        raise _too_many_pixels(width, height)
    try:
        # verify() reads the whole file and checks it (chunk checksums, a truncated end) whatever
        # ImageFile.LOAD_TRUNCATED_IMAGES says: WeasyPrint sets that flag for the whole process when it is
        # imported, after which load() would quietly fill a damaged logo with grey.
        Image.open(io.BytesIO(data), formats=LOGO_FORMATS).verify()
        image.load()
        # A JPEG's EXIF orientation is applied here, as it is dropped with the rest of the metadata.
        return ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("The image is damaged or incomplete."), code="logo_content") from exc


def _too_many_pixels(width: int | None = None, height: int | None = None) -> ValidationError:
    limits = {"side": LOGO_MAX_SIDE, "megapixels": LOGO_MAX_PIXELS // 1_000_000}
    if width is None:
        message = (
            _(
                "The logo may be at most %(side)s pixels wide or high and %(megapixels)s megapixels in all; "
                "scale it down and upload it again."
            )
            % limits
        )
    else:
        message = _(
            "The logo is %(width)s x %(height)s pixels; at most %(side)s pixels wide or high and "
            "%(megapixels)s megapixels in all are allowed. Scale it down and upload it again."
        ) % {**limits, "width": width, "height": height}
    return ValidationError(message, code="logo_pixels")


def clean_logo(file: IO[bytes] | Any, *, name: str) -> ContentFile:
    """The logo decoded and encoded again as a PNG without metadata, named `<name's stem>.png`."""
    image = decode_logo(file)
    if "transparency" in image.info or image.mode not in ("1", "L", "LA", "RGB", "RGBA"):
        # Palettes, CMYK, 16-bit and the like; RGBA keeps any transparency.
        image = image.convert("RGBA")
    else:
        image = image.copy()
    image.info = {}  # no text chunks, EXIF or ICC profile in what is stored
    out = io.BytesIO()
    image.save(out, format="PNG")
    stem = PurePath(name).stem or "logo"
    return ContentFile(out.getvalue(), name=f"{stem}.png")


class LogoFieldFile(FieldFile):
    def save(self, name: str, content: Any, save: bool = True) -> None:
        # Every way a logo is stored passes here (a form's upload via pre_save, or field.save() in code).
        clean = clean_logo(content, name=name)
        super().save(clean.name, clean, save=save)


class LogoField(models.FileField):
    """A FileField that stores only what `clean_logo` made of the upload (see the module's docstring)."""

    attr_class = LogoFieldFile


# --- Serving ---------------------------------------------------------------------------------------------

# What is stored now is always PNG; logos uploaded before the re-encoding keep their own type.
LOGO_CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
                      "webp": "image/webp"}  # fmt: skip
LOGO_CACHE_SECONDS = 3600


def logo_url(path: str, field: FieldFile | None) -> str:
    """The URL of the logo in `field` served at `path` (a route of `logo_response`), or "" without a logo."""
    if not field:
        return ""
    return f"{path}?v={hashlib.sha256(field.name.encode()).hexdigest()[:12]}"


def client_logo_url(client: Client) -> str:
    """The client's logo for its staff and its users (`clients-logo`), or "" when it has none."""
    return logo_url(reverse("clients-logo", args=[client.slug]), client.logo)


def agency_logo_url(branding: AgencyBranding) -> str:
    """The agency's logo for every logged-in user (`clients-agency-logo`), or "" when it has none."""
    return logo_url(reverse("clients-agency-logo"), branding.logo)


def logo_response(request: HttpRequest, field: FieldFile | None) -> HttpResponse:
    """The stored logo, for a caller that has checked access; Http404 without a logo or its file.

    Answers 304 when the browser's copy is still the stored one (If-None-Match / If-Modified-Since).
    """
    content_type = LOGO_CONTENT_TYPES.get(PurePath(field.name).suffix.lower().lstrip(".")) if field else None
    if not field or content_type is None:
        raise Http404("No logo.")
    storage = field.storage
    try:
        with storage.open(field.name, "rb") as handle:
            data = handle.read()
    except OSError as exc:  # gone from storage (deleted by hand, a lost volume)
        raise Http404("No logo.") from exc
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    try:
        modified: int | None = int(storage.get_modified_time(field.name).timestamp())  # HTTP dates: seconds
    except (NotImplementedError, OSError):
        modified = None
    response = get_conditional_response(request, etag=etag, last_modified=modified)
    if response is None:
        response = HttpResponse(data, content_type=content_type)
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified)
    response["Cache-Control"] = f"private, max-age={LOGO_CACHE_SECONDS}"
    return response
