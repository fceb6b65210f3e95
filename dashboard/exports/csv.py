"""CSV exports of a client's report: per day (streamed straight from the database) and per site (the report).

Both are UTF-8 with a header row, ISO dates and raw integers (bytes, not "1.2 GB"); an empty cell means no
data that day, never zero. Cells that a spreadsheet would run as a formula are neutralised (`neutralise`).

- `daily_rows()`: one row per site, environment and day (DESIGN.md's columns), read with one ordered
  query through a server-side cursor, so a year of 500 sites streams in constant memory. It selects the
  same environments and days as `dashboard.reports.selectors.client_report`, so its rows add up to the report's
  totals (tests/exports/test_csv.py holds it to that).
- `summary_rows()`: the report's per-site (and per-environment) totals for the period and the comparison,
  straight from the `ClientReport` the page and the PDF show, with the changes the report shows as ratios
  (0.0127 is +1.27 %; per day when the periods differ in length, see `dashboard.reports.selectors.change_ratio`)
  and both periods' lengths in days; then the columns other apps add (`dashboard.reports.sections.CsvColumns`,
  `summary_extra()` builds them, `summary_header()` names them).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from clients.models import Client
from dashboard.reports import sections
from dashboard.reports.periods import Period
from dashboard.reports.selectors import (
    BANDWIDTH,
    CDN_BANDWIDTH,
    DISK_USAGE,
    METRICS,
    VISITS,
    ClientReport,
    EnvironmentReport,
    Totals,
)
from kinsta_sync.models import AnalyticsPoint

DAILY_HEADER = (
    "date", "site", "site_id", "environment", "visits", "bandwidth_bytes", "cdn_bandwidth_bytes", "disk_bytes",
)  # fmt: skip
SUMMARY_HEADER = (
    "site", "site_id", "environment", "is_live", "period_start", "period_end",
    "visits", "bandwidth_bytes", "cdn_bandwidth_bytes", "disk_bytes",
    "compare_start", "compare_end",
    "compare_visits", "compare_bandwidth_bytes", "compare_cdn_bandwidth_bytes", "compare_disk_bytes",
    "visits_change", "bandwidth_change", "cdn_bandwidth_change", "disk_change", "days", "compare_days",
)  # fmt: skip
# metric -> its column in a daily row (after date, site, site_id, environment).
_DAILY_COLUMN = {VISITS: 4, BANDWIDTH: 5, CDN_BANDWIDTH: 6, DISK_USAGE: 7}
# Rows fetched per round trip; the peak memory of an export is about this many small tuples.
CHUNK_SIZE = 5000

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection")...
_FORMULA_STARTS = ("=", "+", "-", "@")
# ...and so does a cell starting with a control character, or one of them after the blanks, invisible marks
# and full-width forms (U+FF1D = and its kin) that spreadsheets trim or fold on import.
_CONTROL_STARTS = ("\t", "\r", "\n")


def _as_a_spreadsheet_reads_it(value: str) -> str:
    folded = unicodedata.normalize("NFKC", value)  # full-width U+FF1D becomes =, NBSP a space
    start = 0
    while start < len(folded) and (folded[start].isspace() or unicodedata.category(folded[start]) == "Cf"):
        start += 1
    return folded[start:]


def neutralise(value: Any) -> Any:
    """A string cell that cannot run as a formula: a leading ' when a spreadsheet could read it as one.

    Numbers pass untouched. Text starting with a control character, or with = + - @ after any blanks
    (space, NBSP, other Unicode spaces), invisible marks or in full-width form, gets the quote.
    """
    if isinstance(value, str) and (
        value.startswith(_CONTROL_STARTS) or _as_a_spreadsheet_reads_it(value).startswith(_FORMULA_STARTS)
    ):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(value)


# Rows per chunk handed to the server: one write per line costs a system call each through gunicorn
# (142 ms against 96 ms for a 2,210-row month); a few hundred lines per chunk keep memory flat all the same.
ROWS_PER_CHUNK = 500


def stream_csv(
    header: Iterable[str], rows: Iterable[Iterable[Any]], *, rows_per_chunk: int = ROWS_PER_CHUNK
) -> Iterator[str]:
    """CSV text (header first) in chunks of `rows_per_chunk` lines, every cell through `_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(header))
    pending = 1
    for row in rows:
        writer.writerow([_cell(value) for value in row])
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue()


# --- Per day ----------------------------------------------------------------------------------------------


def _env_label(name: str, display_name: str) -> str:
    return display_name or name


def daily_rows(*, client: Client, period: Period, chunk_size: int = CHUNK_SIZE) -> Iterator[list[Any]]:
    """One row per site, environment and day with any data, ordered by day, site and environment.

    The points come sorted so that the (up to four) metrics of one environment-day are adjacent; they are
    folded into one row as they stream past. Removed sites and environments keep their history here, as in
    the report. Strings are neutralised by `stream_csv`.
    """
    order = (
        "day", "environment__site__display_name", "environment__site_id", "-environment__is_live",
        "environment__name", "environment_id", "metric",
    )  # fmt: skip
    fields = (
        "day", "environment_id", "environment__site__display_name", "environment__site__kinsta_id",
        "environment__name", "environment__display_name", "metric", "value",
    )  # fmt: skip
    points = (
        AnalyticsPoint.objects.filter(
            environment__site__assignment__client=client,
            day__gte=period.start,
            day__lte=period.end,
            metric__in=METRICS,
        )
        .order_by(*order)
        .values_list(*fields)
        .iterator(chunk_size=chunk_size)
    )
    row: list[Any] | None = None
    key: tuple[date, int] | None = None
    for day, env_id, site_name, site_kinsta_id, env_name, env_display, metric, value in points:
        if (day, env_id) != key:
            if row is not None:
                yield row
            key = (day, env_id)
            row = [day, site_name, site_kinsta_id, _env_label(env_name, env_display), None, None, None, None]
        row[_DAILY_COLUMN[metric]] = value  # type: ignore[index]
    if row is not None:
        yield row


# --- Per site (the report) ---------------------------------------------------------------------------------


def _totals_cells(totals: Totals | None) -> list[int | None]:
    if totals is None:
        return [None, None, None, None]
    return [totals.visits, totals.bandwidth, totals.cdn_bandwidth, totals.disk_usage]


def _changes_cells(env: EnvironmentReport) -> list[float | None]:
    # Rounded: a ratio to six places is a percentage to four, more than any page shows.
    return [None if (ratio := env.change(metric)) is None else round(ratio, 6) for metric in METRICS]


ExtraColumns = Sequence[tuple[sections.CsvColumns, Mapping[int, Sequence[Any]]]]


def summary_extra(client: Client, period: Period, compare: Period | None) -> ExtraColumns:
    """The registered extra columns with their cells for this client's summary."""
    return [(columns, columns.build(client, period, compare)) for columns in sections.csv_columns()]


def summary_header(extra: ExtraColumns = ()) -> tuple[str, ...]:
    return SUMMARY_HEADER + tuple(header for columns, _cells in extra for header in columns.headers)


def summary_rows(report: ClientReport, *, extra: ExtraColumns = ()) -> Iterator[list[Any]]:
    """Per site and environment (live first): the period's totals and the comparison's, and the changes,
    as in the report; then the extra columns' cells."""
    compare = report.compare_period
    for site in report.sites:
        for env in site.environments:
            added = [
                cell
                for columns, cells in extra
                for cell in (list(cells.get(env.id, ())) + [None] * len(columns.headers))[: len(columns.headers)]
            ]
            yield [
                site.display_name,
                site.kinsta_id,
                _env_label(env.name, env.display_name),
                "yes" if env.is_live else "no",
                report.period.start,
                report.period.end,
                *_totals_cells(env.totals),
                compare.start if compare else None,
                compare.end if compare else None,
                *_totals_cells(env.previous if compare else None),
                *(_changes_cells(env) if compare else [None] * len(METRICS)),
                report.period.days,
                compare.days if compare else None,
                *added,
            ]


# --- The numbers a report showed (archived with every sent report) -----------------------------------------


def _totals_dict(totals: Totals | None) -> dict[str, int | None] | None:
    if totals is None:
        return None
    return {metric: totals.get(metric) for metric in METRICS}


def report_numbers(report: ClientReport, *, charts_drawn: bool) -> dict[str, Any]:
    """A JSON-ready snapshot of what the report shows: period, comparison, KPIs, per-environment totals.

    Stored with every sent report, so the archive keeps the figures the client saw even after later syncs
    revise the mirror; the e-mail's headline numbers come from it too.
    """
    compare = report.compare_period
    return {
        "period": {"start": report.period.start.isoformat(), "end": report.period.end.isoformat()},
        "compare": {"kind": compare.kind, "start": compare.start.isoformat(), "end": compare.end.isoformat()}
        if compare
        else None,
        "kpis": [
            {
                "metric": k.metric,
                "value": k.value,
                "previous": k.previous,
                "days_with_data": k.days_with_data,
                "days": k.days,
                # The change the PDF shows (per day when the periods differ in length), kept with it.
                "change": k.change,
            }
            for k in report.kpis
        ],
        "live_totals": _totals_dict(report.live_totals),
        "staging_totals": _totals_dict(report.staging_totals),
        "sites": [
            {
                "site": site.display_name,
                "site_id": site.kinsta_id,
                "environment": _env_label(env.name, env.display_name),
                "is_live": env.is_live,
                "totals": _totals_dict(env.totals),
                "previous": _totals_dict(env.previous) if compare else None,
            }
            for site in report.sites
            for env in site.environments
        ],
        "activity_entries": len(report.activity),
        "generated_at": report.generated_at.isoformat(),
        "charts_drawn": charts_drawn,
    }
