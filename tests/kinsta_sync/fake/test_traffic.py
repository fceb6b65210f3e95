"""The fake's traffic quality endpoints: S3's shapes (REFERENCE.md §4.3), deterministic, realistic, faults apply."""

from __future__ import annotations

from datetime import timedelta

from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.data import FakeAgency
from kinsta_sync.fake.gen_traffic import HOSTILE_REFERRERS, TOP_N
from tests.kinsta_sync.fake.helpers import SPEC, TODAY, analytics, make_client


def _range(days: int) -> dict[str, str]:
    return {"from": (TODAY - timedelta(days=days - 1)).isoformat(), "to": TODAY.isoformat()}


def test_response_codes_come_as_one_series_per_code_with_string_values(app, client) -> None:
    env = app.agency.live_environments()[0]
    response = analytics(client, app, env.id, "response-codes", **_range(30))
    assert response.status_code == 202
    body = response.json()["analytics"]["analytics_response"]
    assert body["key"] == "responseCode"
    codes = {series["response_code"]: series["data"] for series in body["data"]}
    assert "200" in codes and "404" in codes
    point = codes["200"][0]
    assert set(point) == {"key", "value"} and isinstance(point["value"], str)
    day = TODAY - timedelta(days=29)
    expected = app.agency.traffic_day(env.id, day)
    served = {code: int(p["value"]) for code, points in codes.items() for p in points if p["key"].startswith(str(day))}
    assert expected is None or served == expected.codes


def test_top_lists_and_the_dispersion_have_s3s_shapes(app, client) -> None:
    env = app.agency.live_environments()[0]
    countries = analytics(client, app, env.id, "top-countries", **_range(1)).json()["analytics"]["analytics_response"]
    assert countries["key"] == "countries"
    assert 0 < len(countries["data"]) <= TOP_N
    assert set(countries["data"][0]) == {"name", "views"} and isinstance(countries["data"][0]["views"], str)
    referrers = analytics(client, app, env.id, "top-referrers", **_range(1)).json()["analytics"]["analytics_response"]
    assert referrers["key"] == "referrers"
    devices = analytics(client, app, env.id, "visits-dispersion", **_range(7)).json()["analytics"]["analytics_response"]
    assert devices["key"] == "dispersion"
    assert {series["name"] for series in devices["data"]} == {"desktop", "mobile", "tablet"}
    first_day = [series["dataset"][0] for series in devices["data"]]
    assert all(set(point) == {"date", "percent"} for point in first_day)
    assert round(sum(float(point["percent"]) for point in first_day), 2) == 100.0


def test_the_data_is_deterministic_and_realistic_across_the_agency() -> None:
    one, two = FakeAgency.generate(SPEC), FakeAgency.generate(SPEC)
    envs = one.live_environments()
    days = [TODAY - timedelta(days=offset) for offset in range(SPEC.days)]
    assert all(one.traffic_day(e.id, d) == two.traffic_day(e.id, d) for e in envs for d in days[:10])
    traffic = [t for e in envs for d in days if (t := one.traffic_day(e.id, d)) is not None]
    # Occasional 5xx bursts, not every day.
    bursts = [t for t in traffic if t.codes.get("502", 0) > 0.01 * sum(t.codes.values())]
    assert 0 < len(bursts) < len(traffic) / 10
    # A country mix per site: not every site's top country is the same; a .de site is mostly German.
    tops = {e.id: one.traffic_day(e.id, TODAY) for e in envs}
    assert len({t.countries[0][0] for t in tops.values() if t}) > 1
    # A hostile referrer on some sites, served as it is.
    assert any(name in HOSTILE_REFERRERS for t in traffic for name, _ in t.referrers)


def test_the_usual_faults_apply(app: FakeKinsta, client) -> None:
    env = app.agency.live_environments()[0]
    app.faults.add("500", path="/analytics/response-codes")
    assert analytics(client, app, env.id, "response-codes", **_range(3)).status_code == 500
    app.faults.add("malformed_json", path="/analytics/top-countries")
    response = analytics(client, app, env.id, "top-countries", **_range(1))
    assert response.status_code == 202
    assert response.content.decode().count("{") != response.content.decode().count("}")
    assert analytics(client, app, env.id, "top-countries").status_code == 202  # time_span=7_days by default
    no_company = client.get(f"/sites/environments/{env.id}/analytics/top-referrers")
    assert no_company.status_code == 400
    assert make_client(app, "wrong").get(f"/sites/environments/{env.id}/analytics/top-referrers").status_code == 401
