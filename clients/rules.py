"""How a mapping rule matches a site: pure functions over plain facts, so they are easy to test and reuse.

- label:  the pattern equals one of the site's Kinsta label names (see `normalize`: case, outer spaces
          and invisible marks do not count);
- domain: the pattern is a shell-style glob (`*`, `?`, `[...]`) matched, case-insensitively, against every
          domain of every environment of the site. `*.acme.com` matches `shop.acme.com` but not `acme.com`;
- name:   a glob matched against the site's Kinsta name (its slug) and its display name.

A pattern without wildcards therefore has to match the whole value.
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError

KIND_LABEL = "label"
KIND_DOMAIN = "domain"
KIND_NAME = "name"
KINDS = (KIND_LABEL, KIND_DOMAIN, KIND_NAME)

R = TypeVar("R")


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
    """Whether one rule matches one site (for many rules and sites, build a RuleIndex once)."""
    return bool(RuleIndex([(kind, pattern)], kind=itemgetter(0), pattern=itemgetter(1)).matching(facts))


_GLOB_CHARACTERS = frozenset("*?[")


class RuleIndex(Generic[R]):
    """Rules prepared once for matching many sites, each pattern normalised once.

    Label rules and patterns without wildcards are looked up by value in a dict, `*suffix` and `prefix*`
    patterns (the common `*.acme.com` and `acme-*`) by each value's suffixes and prefixes, and only the
    remaining globs are tried one by one, compiled once. So a preview of 3,000 rules over 500 sites costs
    a few lookups per site and value, not 1.5 million pattern matches. `matching` returns the matching
    rules in the order they were given.
    """

    def __init__(
        self,
        rules: Iterable[R],
        *,
        kind: Callable[[R], str] = attrgetter("kind"),
        pattern: Callable[[R], str] = attrgetter("pattern"),
    ) -> None:
        self._rules = list(rules)
        self._exact: dict[tuple[str, str], list[int]] = defaultdict(list)  # (facet, value) -> rule positions
        self._suffix: dict[tuple[str, str], list[int]] = defaultdict(list)  # (facet, suffix) -> rule positions
        self._suffix_facets: set[str] = set()
        self._prefix: dict[tuple[str, str], list[int]] = defaultdict(list)  # (facet, prefix) -> rule positions
        self._prefix_facets: set[str] = set()
        self._globs: list[tuple[int, str, Callable[[str], Any]]] = []
        for position, rule in enumerate(self._rules):
            rule_kind, wanted = kind(rule), normalize(pattern(rule))
            if rule_kind not in KINDS:
                raise ValueError(f"Unknown rule kind {rule_kind!r}")
            if not wanted:
                continue
            if rule_kind == KIND_LABEL or not _GLOB_CHARACTERS & set(wanted):  # labels are compared, not globbed
                self._exact[(rule_kind, wanted)].append(position)
            elif wanted[0] == "*" and not _GLOB_CHARACTERS & set(wanted[1:]):
                self._suffix[(rule_kind, wanted[1:])].append(position)
                self._suffix_facets.add(rule_kind)
            elif wanted[-1] == "*" and not _GLOB_CHARACTERS & set(wanted[:-1]):
                self._prefix[(rule_kind, wanted[:-1])].append(position)
                self._prefix_facets.add(rule_kind)
            else:
                # What fnmatchcase does, with the regular expression compiled once.
                self._globs.append((position, rule_kind, re.compile(fnmatch.translate(wanted)).match))

    def matching(self, facts: SiteFacts) -> list[R]:
        facets = {KIND_LABEL: facts.labels, KIND_DOMAIN: facts.domains, KIND_NAME: facts.names}
        hits: set[int] = set()
        for facet, values in facets.items():
            for value in values:
                hits.update(self._exact.get((facet, value), ()))
                if facet in self._suffix_facets:
                    for start in range(len(value) + 1):
                        hits.update(self._suffix.get((facet, value[start:]), ()))
                if facet in self._prefix_facets:
                    for end in range(len(value) + 1):
                        hits.update(self._prefix.get((facet, value[:end]), ()))
        for position, facet, match in self._globs:
            if position not in hits and any(match(value) for value in facets[facet]):
                hits.add(position)
        return [self._rules[position] for position in sorted(hits)]


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
