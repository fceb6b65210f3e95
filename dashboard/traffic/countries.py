"""A country's name in the report's language, from whatever Kinsta sent (S3: English names; maybe codes).

Babel's CLDR data has every territory's name in every language: "Germany" or "DE" -> "Deutschland" for a
German report. A name Babel does not know is shown as Kinsta sent it (escaped by the template); an empty
one as "Unknown".
"""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError
from django.utils.translation import get_language, gettext

# A few spellings Kinsta (or its geo database) may use that differ from CLDR's English names.
_ALIASES = {
    "united states of america": "US",
    "usa": "US",
    "uk": "GB",
    "great britain": "GB",
    "russian federation": "RU",
    "korea, republic of": "KR",
    "south korea": "KR",
    "viet nam": "VN",
    "czech republic": "CZ",
}


@cache
def _codes_by_english_name() -> dict[str, str]:
    names = {
        name.casefold(): code
        for code, name in Locale.parse("en").territories.items()
        if len(code) == 2 and code.isalpha()
    }
    return {**names, **_ALIASES}


def country_code(sent: str) -> str | None:
    """The ISO 3166 code of a country as Kinsta sent it (its English name or its code), or None."""
    text = sent.strip()
    if len(text) == 2 and text.isalpha() and text.upper() in Locale.parse("en").territories:
        return text.upper()
    return _codes_by_english_name().get(text.casefold())


@cache
def _territories(language: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(language.replace("-", "_")).territories)
    except (UnknownLocaleError, ValueError):
        return dict(Locale.parse("en").territories)


def country_name(sent: str, language: str | None = None) -> str:
    """`sent` (a country as Kinsta sent it) named in `language` (default: the active one)."""
    if sent.strip().casefold() in ("", "unknown"):
        return gettext("Unknown")
    code = country_code(sent)
    if code is None:
        return sent
    return _territories(language or get_language() or "en").get(code, sent)
