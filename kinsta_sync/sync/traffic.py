"""The traffic step: response codes, top countries, top referrers and the device split of live environments.

Budget: at most one request per kind and live environment in a run, so at most four per environment and
day with the daily schedule; a kind switched off on the account costs nothing.

* Response codes and the device split are daily series: one request covers up to 60 days (as far back as
  Kinsta answers, REFERENCE.md §4.3), so the first sync backfills 60 days, later ones fetch from a few days
  before the stored day (Kinsta may still revise them) through today, like the other analytics.
* Top lists are Kinsta's truncated list for the range asked, which cannot be split into days afterwards. So
  each is asked for one complete day per request: the day after the stored one (yesterday on the first
  sync; no history before that, which would cost a request per day). A run that fails a day asks for the
  same day again next time: nothing is lost, the list then runs a day behind until a second run on some
  day (an hourly "all" run, "Sync now") catches it up.

A failed request is an error on the run naming the environment; its cursor stays, so the next run asks
again. The rows of a day Kinsta answered replace that day's stored rows of the kind (a code that vanished
on revision does not linger); days it did not answer are left as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from kinsta_sync.api.errors import KinstaAuthError, KinstaError
from kinsta_sync.models import (
    TRAFFIC_KEY_CHARS,
    TRAFFIC_SWITCHES,
    Environment,
    TrafficCursor,
    TrafficKind,
    TrafficPoint,
    today_utc,
)

if TYPE_CHECKING:
    from kinsta_sync.sync.run import Counts, _Context

STEP_TRAFFIC = "traffic"
# Kinsta's analytics answer at most 60 days per request (REFERENCE.md §4.3).
MAX_TRAFFIC_DAYS = 60
SERIES_KINDS = (TrafficKind.RESPONSE_CODE, TrafficKind.DEVICE)
TOP_LIST_KINDS = {TrafficKind.COUNTRY: "top-countries", TrafficKind.REFERRER: "top-referrers"}
ENDPOINTS = {
    TrafficKind.RESPONSE_CODE: "GET /sites/environments/{env_id}/analytics/response-codes",
    TrafficKind.COUNTRY: "GET /sites/environments/{env_id}/analytics/top-countries",
    TrafficKind.REFERRER: "GET /sites/environments/{env_id}/analytics/top-referrers",
    TrafficKind.DEVICE: "GET /sites/environments/{env_id}/analytics/visits-dispersion",
}


def enabled_kinds(account: object) -> list[str]:
    return [kind for kind, switch in TRAFFIC_SWITCHES.items() if getattr(account, switch)]


def series_window(cursor: date | None, *, today: date, full: bool) -> tuple[date, date]:
    """Days a series kind fetches: 60 days on the first sync (or --full), else the last few days and any gap."""
    oldest = today - timedelta(days=MAX_TRAFFIC_DAYS - 1)
    if full or cursor is None:
        return oldest, today
    start = min(cursor, today) - timedelta(days=settings.KINSTA_REFETCH_DAYS - 1)
    return max(start, oldest), today


def top_list_day(cursor: date | None, *, today: date) -> date | None:
    """The one complete day a top list fetches next, or None when it is up to date."""
    yesterday = today - timedelta(days=1)
    if cursor is None:
        return yesterday
    day = max(cursor + timedelta(days=1), today - timedelta(days=MAX_TRAFFIC_DAYS - 1))
    return day if day <= yesterday else None


def sync_traffic(ctx: _Context) -> None:
    kinds = enabled_kinds(ctx.account)
    envs = list(
        Environment.objects.filter(
            site__account=ctx.account, is_live=True, removed_at__isnull=True, site__removed_at__isnull=True
        )
        .order_by("site__display_name", "name")
        .only("id", "kinsta_id")
    )
    counts = ctx.count("traffic")
    ctx.run.progress_total, ctx.run.progress_done = len(envs), 0
    ctx.flush(force=True)
    if not kinds:
        return
    cursors = {
        (env_id, kind): day
        for env_id, kind, day in TrafficCursor.objects.filter(environment__in=envs).values_list(
            "environment_id", "kind", "synced_through"
        )
    }
    today = today_utc()
    for env in envs:
        for kind in kinds:
            _sync_kind(ctx, env, kind, cursors.get((env.pk, kind)), today=today, counts=counts)
        ctx.run.progress_done += 1
        ctx.flush()


def _sync_kind(ctx: _Context, env: Environment, kind: str, cursor: date | None, *, today: date, counts: Counts) -> None:
    client = ctx.client
    fetch: Callable[[], Iterable[tuple[date, str, int]]]
    if kind in SERIES_KINDS:
        start, end = series_window(cursor, today=today, full=ctx.full)
        if kind == TrafficKind.RESPONSE_CODE:

            def fetch() -> Iterable[tuple[date, str, int]]:
                return [(c.day, c.code, c.count) for c in client.response_codes(env.kinsta_id, start=start, end=end)]
        else:

            def fetch() -> Iterable[tuple[date, str, int]]:
                shares = client.visits_dispersion(env.kinsta_id, start=start, end=end)
                return [(s.day, s.device, s.basis_points) for s in shares]
    else:
        day = top_list_day(cursor, today=today)
        if day is None:
            return
        start = end = day

        def fetch() -> Iterable[tuple[date, str, int]]:
            return [(day, e.name, e.count) for e in client.top_list(env.kinsta_id, TOP_LIST_KINDS[kind], day=day)]

    try:
        rows = list(fetch())
    except KinstaAuthError:
        raise
    except KinstaError as exc:
        ctx.record_error(STEP_TRAFFIC, exc, item=env.kinsta_id)
        return
    _store(ctx, env, kind, rows, counts=counts)
    TrafficCursor.objects.update_or_create(environment=env, kind=kind, defaults={"synced_through": end})


def _store(ctx: _Context, env: Environment, kind: str, rows: list[tuple[date, str, int]], *, counts: Counts) -> None:
    merged: dict[tuple[date, str], int] = {}
    for day, key, value in rows:
        if len(key) > TRAFFIC_KEY_CHARS:
            ctx.record_cut(
                STEP_TRAFFIC,
                endpoint=ENDPOINTS[kind],
                item=env.kinsta_id,
                field=f"traffic.{kind}",
                length=len(key),
                limit=TRAFFIC_KEY_CHARS,
                setting="TRAFFIC_KEY_CHARS",
            )
            key = key[:TRAFFIC_KEY_CHARS]
        # Two keys cut to the same prefix become one row; a device share is a share, not a count.
        merged[(day, key)] = value if kind == TrafficKind.DEVICE else merged.get((day, key), 0) + value
    days = {day for day, _key in merged}
    if not days:
        return
    stored = {
        (day, key): value
        for day, key, value in TrafficPoint.objects.filter(environment=env, kind=kind, day__in=days).values_list(
            "day", "key", "value"
        )
    }
    for day_key, value in merged.items():
        current = stored.get(day_key)
        counts.record("created" if current is None else "unchanged" if current == value else "updated")
    counts.removed += len(set(stored) - set(merged))
    if stored == merged:
        return
    with transaction.atomic():
        TrafficPoint.objects.filter(environment=env, kind=kind, day__in=days).delete()
        TrafficPoint.objects.bulk_create(
            [
                TrafficPoint(environment=env, day=day, kind=kind, key=key, value=value)
                for (day, key), value in merged.items()
            ],
            batch_size=500,
        )
