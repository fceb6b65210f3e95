"""Traffic quality (REFERENCE.md §4.3, the 2026 endpoints, in S3's shapes): response codes, the top
countries and referrers, and the visits dispersion (device split). Data from ``gen_traffic``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..wire import Request, Response
from .analytics import _analytics_range

if TYPE_CHECKING:
    from ..app import FakeKinsta

# URL segment -> the response's key (S3).
TOP_LIST_KEYS = {"top-countries": "countries", "top-referrers": "referrers"}


def _envelope(key: str, data: list[dict[str, object]]) -> dict[str, object]:
    return {"analytics": {"analytics_response": {"key": key, "data": data}}}


def _days(app: FakeKinsta, request: Request):  # type: ignore[no-untyped-def]
    days, _hourly = _analytics_range(request.query, "traffic", app.agency.today)
    app._company(request.query.get("company_id"), param="company_id")
    env = app._environment(request)
    return [(day, app.agency.traffic_day(env.id, day)) for day in days]


def response_codes(app: FakeKinsta, request: Request) -> Response:
    """One series per code that occurs in the range; a day without data has no bucket in any series."""
    series: dict[str, list[dict[str, str]]] = {}
    for day, traffic in _days(app, request):
        if traffic is None:
            continue
        for code, count in traffic.codes.items():
            series.setdefault(code, []).append({"key": app._bucket(day), "value": str(count)})
    data = [{"response_code": code, "data": points} for code, points in sorted(series.items())]
    return Response(app.analytics_status, _envelope("responseCode", data))


def _top_list_handler(kind: str) -> Callable[[FakeKinsta, Request], Response]:
    def handler(app: FakeKinsta, request: Request) -> Response:
        # For a range, the days' lists summed and cut again: what a truncated top list of a range looks like.
        total: Counter[str] = Counter()
        for _day, traffic in _days(app, request):
            if traffic is not None:
                total.update(dict(traffic.countries if kind == "top-countries" else traffic.referrers))
        rows = sorted(total.items(), key=lambda row: (-row[1], row[0]))[:10]
        data = [{"name": name, "views": str(count)} for name, count in rows]
        return Response(app.analytics_status, _envelope(TOP_LIST_KEYS[kind], data))

    return handler


def visits_dispersion(app: FakeKinsta, request: Request) -> Response:
    series: dict[str, list[dict[str, str]]] = {}
    for day, traffic in _days(app, request):
        if traffic is None:
            continue
        for device, percent in traffic.devices.items():
            series.setdefault(device, []).append({"date": app._bucket(day), "percent": percent})
    data = [{"name": device, "dataset": points} for device, points in series.items()]
    return Response(app.analytics_status, _envelope("dispersion", data))


TRAFFIC_HANDLERS: dict[str, Callable[[FakeKinsta, Request], Response]] = {
    "response-codes": response_codes,
    **{kind: _top_list_handler(kind) for kind in TOP_LIST_KEYS},
    "visits-dispersion": visits_dispersion,
}
