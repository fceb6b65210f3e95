"""Report sections and overview columns that other apps add to the report, without reports knowing them.

The client report, the site page, the share page, the PDF and the report e-mail show the traffic figures
that `reports` computes. Maintenance, site actions, plan usage and traffic quality are capabilities of
their own (dashboard.maintenance, .actions, .usage, .traffic) that build on reports; the import direction
(tests/test_layout.py) keeps reports from importing them. So each of them registers what it adds here, in
its AppConfig.ready():

- a `Section`: a `build(SectionRequest)` that returns the section's data (None: not shown for this
  request), a template per surface it appears on, a slot (above the figures or below the activity) and an
  order within the slot; a `snapshot(data)` gives the JSON stored with a report send, from which the
  e-mail (and only the e-mail) renders, so an archived send shows what was true when it was sent;
- an `OverviewColumn`: a cell per client on the agency overview, built for all the clients shown at once;
- `CsvColumns`: columns appended to the summary CSV (dashboard.exports), a cell per header for each
  environment row, built for all of the client's environments at once.

Sections are rendered outside the report's fragment cache (dashboard.reports.cache): their data is fresh on
every request, a staff form in one carries its CSRF token, and a section whose data changes without a sync
(the agency's notes, site actions) needs no cache key of its own. A section whose data comes from the Kinsta
mirror alone (it changes only with a sync or a site's assignment, as the report's figures) says
`cached=True`: a page that has the report's data version (`build(..., version=...)`) then keeps its data in
the report cache under that version, the client, the periods and the site, and a warm page runs none of its
queries. Such a build depends on neither `request.user` nor `request.audience` (its templates still get the
live request as `ctx`, to show the share page or a client user less). Each build must run a constant
number of queries whatever the number of sites (the report pages' query counts are pinned in tests).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

# Where a section shows. The share page shows what the client report page shows (SURFACE_PAGE).
SURFACE_PAGE = "page"
SURFACE_SITE = "site"
SURFACE_PDF = "pdf"
SURFACE_EMAIL = "email"
SURFACE_EMAIL_TEXT = "email_text"
SURFACES = (SURFACE_PAGE, SURFACE_SITE, SURFACE_PDF, SURFACE_EMAIL, SURFACE_EMAIL_TEXT)

# Above the figures (the agency's note, maintenance) or below the activity (traffic quality, plan usage).
SLOT_TOP = "top"
SLOT_END = "end"
SLOTS = (SLOT_TOP, SLOT_END)


@dataclass(frozen=True)
class SectionRequest:
    """What a section is built for: one client's report for a period, seen by `audience`."""

    client: Any  # clients.models.Client
    period: Any  # dashboard.reports.periods.Period
    compare: Any  # a Period or None
    audience: str  # dashboard.reports.selectors.AUDIENCE_*
    site_id: int | None = None  # the site page's site
    user: Any = None  # the request's user on a page; None for the PDF, the e-mail and share links


@dataclass(frozen=True)
class Section:
    name: str
    build: Callable[[SectionRequest], Any]
    templates: Mapping[str, str]
    slot: str = SLOT_END
    order: int = 100
    snapshot: Callable[[Any], dict[str, Any]] | None = None
    # Data from the Kinsta mirror only: cached under the report's data version (see the module docstring).
    cached: bool = False

    def __post_init__(self) -> None:
        if self.slot not in SLOTS:
            raise ValueError(f"Section {self.name!r}: unknown slot {self.slot!r}")
        unknown = set(self.templates) - set(SURFACES)
        if unknown:
            raise ValueError(f"Section {self.name!r}: unknown surfaces {sorted(unknown)}")


@dataclass(frozen=True)
class BuiltSection:
    """One section ready to include: `{% include part.template with section=part.data ctx=part.request %}`."""

    name: str
    template: str
    data: Any
    request: SectionRequest | None = None


@dataclass(frozen=True)
class OverviewColumn:
    name: str
    header: str | Promise
    build: Callable[[Sequence[int], Any, Any], Mapping[int, Any]]
    template: str
    order: int = 100


@dataclass(frozen=True)
class CsvColumns:
    """Columns another app appends to the summary CSV. `build(client, period, compare)` returns, per
    environment id, one cell per header (an environment it leaves out gets empty cells). Cells go through the
    CSV's formula-safe writer like every other; a build runs a constant number of queries."""

    name: str
    headers: tuple[str, ...]
    build: Callable[[Any, Any, Any], Mapping[int, Sequence[Any]]]
    order: int = 100


@dataclass
class _Registry:
    sections: dict[str, Section] = field(default_factory=dict)
    columns: dict[str, OverviewColumn] = field(default_factory=dict)
    csv_columns: dict[str, CsvColumns] = field(default_factory=dict)


_registry = _Registry()


def register(section: Section) -> None:
    """Add (or, under the same name, replace) a section; apps call it from AppConfig.ready()."""
    _registry.sections[section.name] = section


def register_column(column: OverviewColumn) -> None:
    _registry.columns[column.name] = column


def register_csv_columns(columns: CsvColumns) -> None:
    _registry.csv_columns[columns.name] = columns


def csv_columns() -> list[CsvColumns]:
    return sorted(_registry.csv_columns.values(), key=lambda c: (c.order, c.name))


def registered() -> list[Section]:
    return sorted(_registry.sections.values(), key=lambda s: (s.order, s.name))


def _data(section: Section, request: SectionRequest, built: dict[str, Any] | None, version: str | None = None) -> Any:
    """The section's data for `request`; with `built` (a dict the caller keeps for one request), built once
    however many surfaces show it: a report send renders the PDF and then stores the e-mail's snapshots.
    A `cached` section with the page's data `version` comes from the report cache when it can."""
    if built is not None and section.name in built:
        return built[section.name]
    if section.cached and version is not None:
        from dashboard.reports import cache

        parts = (
            *cache.client_parts(request.client), *cache.period_parts(request.period),
            *cache.period_parts(request.compare), request.site_id,
        )  # fmt: skip
        # In a 1-tuple, so that "not shown" (None) is kept too (get_or_compute stores no None).
        (data,) = cache.get_or_compute(version, f"section-{section.name}", parts, lambda: (section.build(request),))
    else:
        data = section.build(request)
    if built is not None:
        built[section.name] = data
    return data


def build(
    request: SectionRequest, surface: str, *, built: dict[str, Any] | None = None, version: str | None = None
) -> dict[str, list[BuiltSection]]:
    """The sections shown on `surface` for `request`, by slot: {"top": [...], "end": [...]}; `version`, the
    report's data version of the page (dashboard.reports.cache), lets `cached` sections come from the cache."""
    if surface not in SURFACES:
        raise ValueError(f"Unknown surface {surface!r}")
    slots: dict[str, list[BuiltSection]] = {slot: [] for slot in SLOTS}
    for section in registered():
        template = section.templates.get(surface)
        if not template:
            continue
        data = _data(section, request, built, version)
        if data is not None:
            slots[section.slot].append(BuiltSection(section.name, template, data, request))
    return slots


def snapshots(request: SectionRequest, *, built: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """The JSON a report send stores for the e-mail: each e-mailed section's snapshot of its data (`built`:
    what was built for the same request already, as by `build`)."""
    stored: dict[str, dict[str, Any]] = {}
    for section in registered():
        if section.snapshot is None or SURFACE_EMAIL not in section.templates:
            continue
        data = _data(section, request, built)
        if data is not None:
            stored[section.name] = section.snapshot(data)
    return stored


def from_snapshots(stored: Mapping[str, Any] | None, surface: str) -> dict[str, list[BuiltSection]]:
    """A send's stored sections ready to include in the e-mail (`surface` is SURFACE_EMAIL or _TEXT).
    A section stored by a send but no longer installed is left out."""
    slots: dict[str, list[BuiltSection]] = {slot: [] for slot in SLOTS}
    for section in registered():
        template = section.templates.get(surface)
        data = (stored or {}).get(section.name)
        if template and isinstance(data, dict):
            slots[section.slot].append(BuiltSection(section.name, template, data))
    return slots


def columns() -> list[OverviewColumn]:
    return sorted(_registry.columns.values(), key=lambda c: (c.order, c.name))


def overview_cells(
    client_ids: Sequence[int], period: Any, compare: Any
) -> list[tuple[OverviewColumn, Mapping[int, Any]]]:
    """Each overview column with its cells for the clients shown ({client id: cell data})."""
    return [(column, column.build(client_ids, period, compare)) for column in columns()]
