"""Formatting for the report pages: localised numbers, bytes, changes, "no data", and query links.

Values from Kinsta are never marked safe: tags escape what they are given. The number tags build their
HTML from our own integers and translations only (escaped too), without format_html: a report renders
several hundred of them and format_html's lazy-string machinery was a third of the page's render time.
"""

from __future__ import annotations

import re
from datetime import date
from html import escape as _escape
from typing import Any

from django import template
from django.http import QueryDict
from django.utils import dateformat, formats, timezone
from django.utils.dates import MONTHS
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext, pgettext

from dashboard.reports.periods import is_whole_months
from kinsta_sync.figures import scale_bytes

register = template.Library()

_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}\Z")
DEFAULT_COLOR = "#4b2fd1"


# language -> (decimal separator, thousands separator, "no data" HTML, "%(bytes)s bytes"): looked up once
# per language, since each lookup goes through the thread-local active language.
_LOCALE_CACHE: dict[str, tuple[str, str, str, str]] = {}


def _locale() -> tuple[str, str, str, str]:
    language = get_language() or "en"
    cached = _LOCALE_CACHE.get(language)
    if cached is None:
        cached = (
            formats.get_format("DECIMAL_SEPARATOR"),
            formats.get_format("THOUSAND_SEPARATOR"),
            f'<span class="nodata">{escape(gettext("no data"))}</span>',
            gettext("%(bytes)s bytes"),
        )
        _LOCALE_CACHE[language] = cached
    return cached


def _number(value: float, decimals: int = 0, locale: tuple[str, str, str, str] | None = None) -> str:
    """Like formats.number_format(value, decimal_pos, force_grouping=True), several times faster: Python
    groups by thousands and the active language's separators are swapped in (every language we ship
    groups by three)."""
    text = f"{value:,.{decimals}f}"
    decimal, thousands = (locale or _locale())[:2]
    if (decimal, thousands) == (".", ","):
        return text
    return text.translate({ord(","): "\x00", ord("."): decimal}).replace("\x00", thousands)


def format_bytes(value: int, locale: tuple[str, str, str, str] | None = None) -> str:
    """Decimal units (1 GB = 1,000,000,000 bytes, kinsta_sync.figures.scale_bytes, as the admin shows them);
    localised separators."""
    size, decimals, unit = scale_bytes(value)
    return f"{_number(size, decimals, locale)} {unit}"


def format_count(value: int, locale: tuple[str, str, str, str] | None = None) -> str:
    return _number(value, 0, locale)


def format_percent(ratio: float) -> str:
    rounded = round(abs(ratio) * 100, 1)
    # A real minus sign; a change that rounds to 0.0 is shown as ±0.0 rather than +0.0 or -0.0.
    sign = "\u00b1" if rounded == 0 else "+" if ratio > 0 else "\u2212"
    # Translators: a percentage; German puts a space before the sign ("12,3 %").
    return sign + pgettext("percent", "%(value)s%%") % {"value": _number(rounded, 1)}


@register.simple_tag
def metric(value: int | None, kind: str = "count", *, plain: bool = False) -> SafeString:
    """A figure, or a visible "no data" (never a zero) when there is none.

    Sizes carry the exact byte count as a hover title on screen; `plain` (the PDF, where nothing hovers)
    leaves that element out: a 50-site report has hundreds of them for WeasyPrint to lay out.
    """
    locale = _locale()
    if value is None:
        return mark_safe(locale[2])  # noqa: S308 - our own translation, escaped in _locale()
    if kind == "bytes" and plain:
        return mark_safe(format_bytes(value, locale))  # noqa: S308 - digits, separators and a unit only
    if kind == "bytes":
        exact = escape(locale[3] % {"bytes": format_count(value, locale)})
        return mark_safe(f'<span title="{exact}">{format_bytes(value, locale)}</span>')  # noqa: S308
    return mark_safe(format_count(value, locale))  # noqa: S308 - digits and separators only


# Changes of these metrics are good or bad news (green up, red down); the others (bandwidth, disk usage) are
# neither: more disk is growth, less bandwidth may be a cache doing its work. Those are shown in neutral ink.
JUDGED_METRICS = frozenset({"visits"})


@register.simple_tag
def change(ratio: float | None, *, compared: bool = True, plain: bool = False, metric: str = "visits") -> SafeString:
    """A change badge: arrow, signed percentage and a screen-reader word; "—" without a comparison.

    Green and red (classes `up`, `down`) only for the metrics in JUDGED_METRICS; other changes get the class
    `neutral`, with the same arrow. `plain` (the PDF): one element with the arrow and the percentage, no
    hover title or screen-reader word.
    """
    if not compared:
        return mark_safe("")
    if ratio is None:
        if plain:
            return mark_safe('<span class="change none">—</span>')
        title = escape(gettext("No change can be computed: no data to compare"))
        return mark_safe(f'<span class="change none" title="{title}">—</span>')  # noqa: S308
    if round(ratio * 100, 1) == 0:
        direction, arrow, word = "flat", "■", gettext("unchanged")
    elif ratio > 0:
        direction, arrow, word = "up", "▲", gettext("up")
    else:
        direction, arrow, word = "down", "▼", gettext("down")
    if metric not in JUDGED_METRICS and direction != "flat":
        direction = "neutral"
    if plain:
        return mark_safe(f'<span class="change {direction}">{arrow} {escape(format_percent(ratio))}</span>')  # noqa: S308
    return mark_safe(  # noqa: S308 - our own strings, escaped
        f'<span class="change {direction}"><span aria-hidden="true">{arrow}</span> '
        f'<span class="visually-hidden">{escape(word)}</span>{escape(format_percent(ratio))}</span>'
    )


def _one_month(period: Any) -> bool:
    """One whole calendar month (1 to 30 November)."""
    return is_whole_months(period.start, period.end) and period.start.replace(day=1) == period.end.replace(day=1)


def _month_name(day: date, *, with_year: bool) -> str:
    name = str(MONTHS[day.month])
    return f"{name} {day.year}" if with_year else name


@register.simple_tag
def length_note(period: Any, compare: Any) -> str:
    """What the page says when the two periods differ in length ("" when they do not): changes of summed
    figures then compare averages per day (dashboard.reports.selectors.change_ratio).

    Two calendar months are named ("October has 31 days, November 30: ..."), other periods are counted.
    """
    if period is None or compare is None or period.days == compare.days:
        return ""
    if _one_month(period) and _one_month(compare):
        # The same month a year apart (February 2024 and February 2023) needs its years to tell them apart.
        with_year = period.start.month == compare.start.month
        return gettext("%(compare_month)s has %(compare_days)d days, %(month)s %(days)d: changes compare "
                       "averages per day (disk usage: the latest values).") % {
            "compare_month": _month_name(compare.start, with_year=with_year),
            "compare_days": compare.days,
            "month": _month_name(period.start, with_year=with_year),
            "days": period.days,
        }  # fmt: skip
    return ngettext(
        "The comparison period has %(compare_days)d day, this period %(days)d: changes compare averages "
        "per day (disk usage: the latest values).",
        "The comparison period has %(compare_days)d days, this period %(days)d: changes compare averages "
        "per day (disk usage: the latest values).",
        compare.days,
    ) % {"compare_days": compare.days, "days": period.days}


@register.filter
def percent(ratio: float | None) -> str:
    return "" if ratio is None else format_percent(ratio)


@register.filter
def safe_color(value: Any) -> str:
    """A #RRGGBB colour for a style attribute, or the default: nothing else may reach the CSS."""
    return value if isinstance(value, str) and _HEX_COLOR.match(value) else DEFAULT_COLOR


@register.simple_tag
def query_with(query: QueryDict, **changes: Any) -> str:
    """The current query string with some parameters replaced (None or "" removes one): `?a=1&b=2`."""
    updated = query.copy()
    for key, value in changes.items():
        if value is None or value == "":
            updated.pop(key, None)
        else:
            updated[key] = str(value)
    encoded = updated.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def change_of(row: Any, metric_name: str) -> float | None:
    """`row.change(metric)` for an OverviewRow (templates cannot pass arguments to methods)."""
    return row.change(metric_name)


@register.simple_tag
def activity_rows(entries: Any) -> SafeString:
    """The `<tr>` rows of the activity table (`reports/_activity_table.html`), built here rather than by a
    template loop: a report lists up to 200 entries, and the loop with its date filters was a quarter of a
    cold report page's time. Every string from Kinsta is escaped; descriptions keep their line breaks.
    """
    datetime_format = formats.get_format("DATETIME_FORMAT")
    failed, in_progress, warning, done = (
        _escape(gettext("Failed")),
        _escape(gettext("In progress")),
        _escape(gettext("Warning")),
        _escape(gettext("Done")),
    )
    rows = []
    for entry in entries:
        when = timezone.template_localtime(entry.occurred_at)
        what = _escape(entry.description or entry.type).replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")
        who = _escape(entry.who) if entry.who else "—"
        if entry.role:
            who += f' <span class="muted">({_escape(entry.role)})</span>'
        if entry.has_failed:
            result = f'<span class="badge bad">{failed}</span>'
            if entry.public_error:
                result += f' <span class="site-name">{_escape(entry.public_error)}</span>'
        elif not entry.is_done:
            result = f'<span class="badge muted-badge">{in_progress}</span>'
        elif entry.has_warning:
            result = f'<span class="badge warn">{warning}</span>'
        else:
            result = f'<span class="badge ok">{done}</span>'
        row_class = ' class="failed"' if entry.has_failed else ""
        rows.append(
            f"<tr{row_class}>"
            f'<td class="nowrap"><time datetime="{when.isoformat()}">'
            f"{_escape(dateformat.format(when, datetime_format))}</time></td>"
            f'<td class="site-name">{_escape(entry.site_name)}</td>'
            f'<td class="site-name">{what}</td>'
            f'<td class="site-name">{who}</td>'
            f"<td>{result}</td></tr>"
        )
    # Every value above is escaped with the standard library's `html.escape` (what Django's `escape` calls, without
    # its lazy-string wrapper: a thousand calls per page).
    return mark_safe("\n".join(rows))  # noqa: S308


@register.simple_tag
def site_rows(sites: Any, *, compared: bool, shared: bool = False, client_url: str = "", query: str = "") -> SafeString:
    """The `<tr>` rows of the report's site table (`reports/_site_table.html`), one per live site, built here
    for the same reason as `activity_rows`: a 50-site report spent a tenth of its cold time in that loop.
    `shared` (the share page): no links into the app and no labels."""
    compared = bool(compared)
    removed = _escape(gettext("removed from Kinsta"))
    rows = []
    for site in sites:
        name = _escape(site.display_name)
        if shared:
            head = f'<span dir="auto">{name}</span>'
        else:
            head = f'<a dir="auto" href="{_escape(client_url)}sites/{site.id}/?{_escape(query)}">{name}</a>'
        if site.removed_at:
            head += f' <span class="badge muted-badge">{removed}</span>'
        if site.live.primary_domain:
            head += f' <span class="domain">{_escape(site.live.primary_domain)}</span>'
        if site.labels and not shared:
            labels = "".join(f'<span class="label">{_escape(label)}</span>' for label in site.labels)
            head += f' <span class="labels">{labels}</span>'
        totals = site.totals
        cells = [f'<td class="num">{metric(totals.visits)}</td>']
        if compared:
            cells.append(f'<td class="num">{change(site.live.visits_change)}</td>')
        cells += [
            f'<td class="num">{metric(totals.bandwidth, "bytes")}</td>',
            f'<td class="num">{metric(totals.cdn_bandwidth, "bytes")}</td>',
            f'<td class="num">{metric(totals.disk_usage, "bytes")}</td>',
        ]
        rows.append(f'<tr><th scope="row" class="site-name">{head}</th>{"".join(cells)}</tr>')
    return mark_safe("\n".join(rows))  # noqa: S308 - every value above is escaped or built by metric/change
