"""How a mapping rule matches a site: pure functions over plain facts, so they are easy to test and reuse.

- label:  the pattern equals one of the site's Kinsta label names (see `normalize`: case, outer spaces
          and invisible marks do not count);
- domain: the pattern is a shell-style glob (`*`, `?`, `[...]`) matched, case-insensitively, against every
          domain of every environment of the site. `*.acme.com` matches `shop.acme.com` but not `acme.com`;
- name:   a glob matched against the site's Kinsta name (its slug) and its display name.

A pattern without wildcards therefore has to match the whole value.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from fnmatch import fnmatchcase

from django.core.exceptions import ValidationError

KIND_LABEL = "label"
KIND_DOMAIN = "domain"
KIND_NAME = "name"
KINDS = (KIND_LABEL, KIND_DOMAIN, KIND_NAME)


@dataclass(frozen=True)
class SiteFacts:
    """What rules look at, already case-folded."""

    labels: frozenset[str]
    domains: frozenset[str]
    names: frozenset[str]

    @classmethod
    def build(cls, *, labels: list[str], domains: list[str], names: list[str]) -> SiteFacts:
        return cls(
            labels=frozenset(normalize(label) for label in labels),
            domains=frozenset(normalize(domain) for domain in domains if domain),
            names=frozenset(normalize(name) for name in names if name),
        )


def normalize(value: str) -> str:
    """Compare as people read: Unicode NFKC, invisible format characters (bidi marks, zero-width joiners)
    dropped, outer spaces ignored, case folded. Labels from Kinsta may carry bidi marks nobody types."""
    value = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cf").strip().casefold()


def rule_matches(*, kind: str, pattern: str, facts: SiteFacts) -> bool:
    wanted = normalize(pattern)
    if not wanted:
        return False
    if kind == KIND_LABEL:
        return wanted in facts.labels
    if kind == KIND_DOMAIN:
        return any(fnmatchcase(domain, wanted) for domain in facts.domains)
    if kind == KIND_NAME:
        return any(fnmatchcase(name, wanted) for name in facts.names)
    raise ValueError(f"Unknown rule kind {kind!r}")


def validate_pattern(*, kind: str, pattern: str) -> str:
    """The cleaned pattern, or a ValidationError that says what is wrong with it."""
    cleaned = pattern.strip()
    if not cleaned:
        raise ValidationError("The pattern is empty.")
    if kind not in KINDS:
        raise ValidationError(f"Unknown rule kind {kind!r}: use label, domain or name.")
    if kind == KIND_DOMAIN:
        if "://" in cleaned or "/" in cleaned:
            raise ValidationError("A domain pattern is a host name such as *.acme.com, without http:// or a path.")
        if any(ch.isspace() for ch in cleaned):
            raise ValidationError("A domain pattern cannot contain spaces.")
        if cleaned.replace("*", "").replace("?", "").strip(".") == "":
            raise ValidationError("This domain pattern would match every site; name the domain.")
    if kind == KIND_NAME and cleaned.replace("*", "").replace("?", "").strip() == "":
        raise ValidationError("This name pattern would match every site; add some of the name.")
    return cleaned
