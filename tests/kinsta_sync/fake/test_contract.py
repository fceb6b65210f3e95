"""Every body the fake Kinsta serves validates against Kinsta's own OpenAPI document.

For each endpoint the fake implements and each status code the document lists for it, one request
makes the fake answer with that status, and the body is checked against the documented schema
(Draft 2020-12, formats checked, ``$ref``s resolved inside the whole document). A coverage test
makes sure no documented (endpoint, status) pair is silently left out.

The document is the project's own copy of Kinsta's published one (kinsta_sync/fake/openapi/, with its
version and source in the README there).
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.contract import OPENAPI_PATH, openapi_document
from kinsta_sync.fake.data import AgencySpec, FakeAgency
from kinsta_sync.fake.routes import ROUTES

DOC_URI = "urn:kinsta:openapi"
KEY = "contract-test-key"
TODAY = date(2025, 11, 20)
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
OTHER_COMPANY = "54fb80af-576c-4fdc-ba4f-b596c83f15a1"


def openapi() -> dict[str, Any]:
    return openapi_document()


@cache
def registry() -> Registry:
    resource = Resource.from_contents(openapi(), default_specification=DRAFT202012)
    return Registry().with_resource(DOC_URI, resource)


def _pointer(*parts: str) -> str:
    return "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def validator_for(path: str, method: str, status: int) -> Draft202012Validator:
    responses = openapi()["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} does not document {status}"
    ref = f"{DOC_URI}#" + _pointer(
        "paths", path, method, "responses", str(status), "content", "application/json", "schema"
    )
    return Draft202012Validator({"$ref": ref}, registry=registry(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def documented_statuses(path: str, method: str = "get") -> set[int]:
    return {int(code) for code in openapi()["paths"][path][method]["responses"] if code.isdigit()}


# --- the fake under test ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app() -> FakeKinsta:
    # Hostile strings on purpose: the schemas must accept them too.
    agency = FakeAgency.generate(AgencySpec(seed=21, sites=15, days=90, today=TODAY, activity_events=80))
    return FakeKinsta(agency, api_key=KEY, requests_per_minute=100_000, logs_per_minute=100_000)


@dataclass
class Case:
    """One request that makes the fake answer ``status`` on the documented ``path``."""

    path: str  # the OpenAPI path template, e.g. "/company/{id}/users"
    status: int
    url: Callable[[FakeKinsta], str]
    params: Callable[[FakeKinsta], dict[str, str]] = field(default=lambda app: {})
    key: str | None = KEY
    fault: str | None = None  # e.g. "500" to make the fake fail this request
    note: str = ""
    method: str = "get"
    body: Callable[[FakeKinsta], dict[str, Any]] | None = None  # the JSON body of a write

    @property
    def id(self) -> str:
        verb = "" if self.method == "get" else f"{self.method.upper()} "
        return f"{verb}{self.path} {self.status}{' ' + self.note if self.note else ''}"


def _live(app: FakeKinsta) -> str:
    return app.agency.live_environments()[0].id


def _site(app: FakeKinsta) -> str:
    # A site with a staging environment, so both environment shapes are exercised.
    return next(site.id for site in app.agency.active_sites() if len(site.environments) > 1)


def _company(app: FakeKinsta) -> str:
    return app.agency.company_id


def _cases_for(
    path: str,
    url: Callable[[FakeKinsta], str],
    ok: int,
    params: Callable[[FakeKinsta], dict[str, str]],
    not_found: Callable[[FakeKinsta], tuple[str, dict[str, str]]] | None = None,
    bad: Callable[[FakeKinsta], dict[str, str]] | None = None,
) -> list[Case]:
    cases = [
        Case(path, ok, url, params),
        Case(path, 401, url, params, key=None),
        Case(path, 500, url, params, fault="500"),
    ]
    if not_found is not None:
        cases.append(Case(path, 404, lambda app: not_found(app)[0], lambda app: not_found(app)[1]))
    if bad is not None:
        cases.append(Case(path, 400, url, bad))
    return cases


def _analytics_cases(metric: str) -> list[Case]:
    path = f"/sites/environments/{{env_id}}/analytics/{metric}"
    extra = {"time_zone": "02:00"} if metric == "diskspace" else {}

    def url(app: FakeKinsta) -> str:
        return f"/sites/environments/{_live(app)}/analytics/{metric}"

    def params(app: FakeKinsta) -> dict[str, str]:
        start = TODAY - timedelta(days=29)
        return {"company_id": _company(app), "from": start.isoformat(), "to": TODAY.isoformat(), **extra}

    return _cases_for(
        path,
        url,
        202,
        params,
        not_found=lambda app: (
            f"/sites/environments/{UNKNOWN_ID}/analytics/{metric}",
            {"company_id": _company(app), **extra},
        ),
        bad=lambda app: {"company_id": _company(app), "time_span": "1_year", **extra},
    )


def _usage_cases(metric: str) -> list[Case]:
    path = f"/sites/{{site_id}}/usage/{metric}/this-month"
    # S1 documents a 400 here although the endpoint takes no parameters; the fake has no way to
    # produce one, so test_every_documented_status_is_exercised lists it as known-unreachable.
    return _cases_for(
        path,
        lambda app: f"/sites/{_site(app)}/usage/{metric}/this-month",
        200,
        lambda app: {},
        not_found=lambda app: (f"/sites/{UNKNOWN_ID}/usage/{metric}/this-month", {}),
    )


CASES: list[Case] = [
    *_cases_for("/validate", lambda app: "/validate", 200, lambda app: {}),
    *_cases_for(
        "/sites",
        lambda app: "/sites",
        200,
        lambda app: {"company": _company(app), "include_environments": "true"},
        not_found=lambda app: ("/sites", {"company": OTHER_COMPANY, "include_environments": "true"}),
    ),
    Case("/sites", 200, lambda app: "/sites", lambda app: {"company": _company(app)}, note="without environments"),
    Case(
        "/sites",
        200,
        lambda app: "/sites",
        lambda app: {"company": _company(app), "include_environments": "true"},
        fault="unknown_fields",
        note="with unknown fields",
    ),
    Case(
        "/sites/environments/{env_id}/analytics/visits",
        202,
        lambda app: f"/sites/environments/{_live(app)}/analytics/visits",
        lambda app: {"company_id": _company(app), "time_span": "24_hours"},
        note="hourly",
    ),
    *_cases_for(
        "/sites/{site_id}",
        lambda app: f"/sites/{_site(app)}",
        200,
        lambda app: {},
        not_found=lambda app: (f"/sites/{UNKNOWN_ID}", {}),
    ),
    *_cases_for(
        "/sites/{site_id}/environments",
        lambda app: f"/sites/{_site(app)}/environments",
        200,
        lambda app: {},
        not_found=lambda app: (f"/sites/{UNKNOWN_ID}/environments", {}),
    ),
    *(case for metric in ("visits", "bandwidth", "cdn-bandwidth", "diskspace") for case in _analytics_cases(metric)),
    *(case for metric in ("visits", "bandwidth", "cdn-bandwidth") for case in _usage_cases(metric)),
    *(
        case
        for resource in ("users", "activity-logs", "available-regions", "api-keys")
        for case in _cases_for(
            f"/company/{{id}}/{resource}",
            lambda app, resource=resource: f"/company/{_company(app)}/{resource}",
            200,
            (lambda app: {"limit": "100"}) if resource == "activity-logs" else (lambda app: {}),
            not_found=lambda app, resource=resource: (f"/company/{OTHER_COMPANY}/{resource}", {}),
        )
    ),
    *_cases_for(
        "/sites/environments/{env_id}/logs",
        lambda app: f"/sites/environments/{_live(app)}/logs",
        200,
        lambda app: {"file_name": "access", "lines": "50"},
        not_found=lambda app: (f"/sites/environments/{UNKNOWN_ID}/logs", {"file_name": "error", "lines": "10"}),
        bad=lambda app: {"file_name": "error"},
    ),
    *(
        case
        for resource in ("plugins", "themes", "backups")
        for case in _cases_for(
            f"/sites/environments/{{env_id}}/{resource}",
            lambda app, resource=resource: f"/sites/environments/{_live(app)}/{resource}",
            200,
            lambda app: {},
            not_found=lambda app, resource=resource: (f"/sites/environments/{UNKNOWN_ID}/{resource}", {}),
        )
    ),
]


Body = Callable[[FakeKinsta], dict[str, Any]]


def _write_cases(path: str, url: Callable[[FakeKinsta], str], body: Body) -> list[Case]:
    cases = [
        Case(path, 202, url, method="post", body=body),
        Case(path, 401, url, key=None, method="post", body=body),
        Case(path, 500, url, fault="500", method="post", body=body),
    ]
    if "manual-backups" in path:
        cases.append(Case(path, 400, url, method="post", body=lambda app: {"tag": 7}))
    return cases


def _updatable(app: FakeKinsta, kind: str) -> tuple[str, str, str]:
    """(live environment id, name, update version) of the first plugin or theme with an update."""
    for env in app.agency.live_environments():
        for item in app.agency.wordpress(env.id).items(kind):
            if item.update_version:
                return env.id, item.name, item.update_version
    raise AssertionError(f"no {kind} with an update in the fake agency")


def _update_cases(kind: str) -> list[Case]:
    path = f"/sites/environments/{{env_id}}/{kind}s"

    def url(app: FakeKinsta) -> str:
        return f"/sites/environments/{_updatable(app, kind)[0]}/{kind}s"

    def body(app: FakeKinsta) -> dict[str, Any]:
        _, name, version = _updatable(app, kind)
        return {"name": name, "update_version": version}

    return [
        Case(path, 202, url, method="put", body=body),
        Case(path, 401, url, key=None, method="put", body=body),
        Case(path, 500, url, fault="500", method="put", body=body),
        Case(path, 400, url, method="put", body=lambda app: {"name": "no-such-plugin", "update_version": "1.0"}),
    ]


def _env_body(app: FakeKinsta) -> dict[str, Any]:
    return {"environment_id": _live(app)}


def _cdn_body(app: FakeKinsta) -> dict[str, Any]:
    env = next(env for env in app.agency.live_environments() if env.cdn_cache_id)
    return {"environment_id": env.id, "cdn_cache_id": env.cdn_cache_id}


def _operation(age: float, *, fails: bool = False) -> Callable[[FakeKinsta], str]:
    """The URL of an operation started ``age`` seconds ago on the fake's clock."""

    def url(app: FakeKinsta) -> str:
        from kinsta_sync.fake.routes.operations import FakeOperation

        started = app._clock() - age
        op = FakeOperation(f"cache:clear-{age}-{fails}", "/sites/tools/clear-cache", _live(app), started, fails)
        app.operations[op.id] = op
        return f"/operations/{op.id}"

    return url


CASES += [
    *_write_cases("/sites/tools/clear-cache", lambda app: "/sites/tools/clear-cache", _env_body),
    *_write_cases("/sites/tools/restart-php", lambda app: "/sites/tools/restart-php", _env_body),
    *_write_cases("/sites/cdn/clear-cache", lambda app: "/sites/cdn/clear-cache", _cdn_body),
    *_write_cases("/sites/edge-caching/clear", lambda app: "/sites/edge-caching/clear", _env_body),
    *_write_cases(
        "/sites/environments/{env_id}/manual-backups",
        lambda app: f"/sites/environments/{_live(app)}/manual-backups",
        lambda app: {"tag": "before update"},
    ),
    *_update_cases("plugin"),
    *_update_cases("theme"),
    Case("/operations/{operation_id}", 404, _operation(0.0), note="not registered yet"),
    Case("/operations/{operation_id}", 202, _operation(3.5), note="running"),
    Case("/operations/{operation_id}", 200, _operation(60.0), note="finished"),
    Case("/operations/{operation_id}", 500, _operation(60.0, fails=True), note="failed"),
]
# Routes Kinsta added after the document's version 1.87 (the January 2026 changelog): no schema to check
# them against; tests/kinsta_sync/fake/routes/test_wordpress.py pins their shape (REFERENCE §5.1).
AFTER_THE_DOCUMENT = {"/sites/environments/{env_id}/wp-plugins", "/sites/environments/{env_id}/wp-themes"}

# Documented statuses the fake cannot be made to return by an honest request (see _usage_cases).
UNREACHABLE = {
    (f"/sites/{{site_id}}/usage/{metric}/this-month", 400) for metric in ("visits", "bandwidth", "cdn-bandwidth")
}


def is_numeric_label_id(path: str, error: Any) -> bool:
    """The one allowed disagreement with the document: a site label's id as a JSON integer.

    The document types ``siteLabels[].id`` as a string; public clients recorded numbers from the live API
    (``{"id": 3335, "name": "launched"}``, issue 10). Where recordings of real responses disagree with the
    document, the fake serves both shapes and the client accepts both (AgencySpec.numeric_label_ids).
    Exactly that: a "type" error on an int at ``company.sites[i].siteLabels[j].id`` of ``GET /sites``.
    """
    where = list(error.absolute_path)
    return (
        path == "/sites"
        and error.validator == "type"
        and type(error.instance) is int
        and len(where) == 6
        and where[:2] == ["company", "sites"]
        and where[3] == "siteLabels"
        and where[5] == "id"
    )


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_each_response_matches_the_openapi_schema(app: FakeKinsta, case: Case) -> None:
    app.faults.clear()
    if case.fault:
        app.faults.add(case.fault)
    headers = {"Authorization": f"Bearer {case.key}"} if case.key else {}
    with httpx.Client(base_url="http://fake.test", transport=httpx.WSGITransport(app=app), headers=headers) as client:
        json_body = case.body(app) if case.body else None
        response = client.request(case.method.upper(), case.url(app), params=case.params(app), json=json_body)
    assert response.status_code == case.status, response.text[:300]
    body = response.json()
    errors = sorted(validator_for(case.path, case.method, case.status).iter_errors(body), key=lambda e: list(e.path))
    errors = [error for error in errors if not is_numeric_label_id(case.path, error)]
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    if case.status < 300:
        assert body, "a success body is never empty"


def test_every_documented_status_is_exercised() -> None:
    # By path and method: the plugins and themes paths are read (GET) and written (PUT, an update).
    exercised = {(case.path, case.method, case.status) for case in CASES}
    routes = {(case.path, case.method) for case in CASES}
    documented = {(path, method, status) for path, method in routes for status in documented_statuses(path, method)}
    assert {(path, status) for path, _, status in documented - exercised} == UNREACHABLE
    assert exercised <= documented, "every case must use a status the document lists"


# The 2026 analytics endpoints (REFERENCE.md §4.3) came after the 1.87.0 document: their shapes are S3's
# fixtures, checked by tests/kinsta_sync/fake/test_traffic.py instead.
NOT_IN_THE_DOCUMENT = {
    "/sites/environments/{env_id}/analytics/response-codes",
    "/sites/environments/{env_id}/analytics/top-countries",
    "/sites/environments/{env_id}/analytics/top-referrers",
    "/sites/environments/{env_id}/analytics/visits-dispersion",
}


def test_every_route_of_the_fake_is_in_the_openapi_document() -> None:
    # The fake's templates use {id} for company ids, like the document, so they compare directly.
    paths = openapi()["paths"]
    missing = [route.template for route in ROUTES if route.method.lower() not in paths.get(route.template, {})]
    assert set(missing) == NOT_IN_THE_DOCUMENT | AFTER_THE_DOCUMENT
    assert {route.template for route in ROUTES} - NOT_IN_THE_DOCUMENT - AFTER_THE_DOCUMENT == {
        case.path for case in CASES
    }


def test_the_document_is_the_projects_own_copy_of_kinsta_1_87() -> None:
    root = Path(__file__).resolve().parents[3]
    assert OPENAPI_PATH.is_relative_to(root)
    assert openapi()["info"]["title"] == "Kinsta API"
    assert openapi()["info"]["version"] == "1.87.0"
    # The README beside the copy names its version and source; keep them in step when it is updated.
    readme = (OPENAPI_PATH.parent / "README.md").read_text(encoding="utf-8")
    assert "1.87.0" in readme
    assert hashlib.sha256(OPENAPI_PATH.read_bytes()).hexdigest() in readme


def test_nothing_in_the_project_reads_a_path_outside_it() -> None:
    """A fresh clone has nothing beside it: no code, test or script may reach for ../shared or the like."""
    root = Path(__file__).resolve().parents[3]
    tracked = subprocess.run(
        ["git", "ls-files", "*.py", "*.toml", "*.cfg", "*.ini", ".ci/*"], cwd=root, capture_output=True, text=True
    )
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    pattern = re.compile(r"\.\./shared|[\"']shared[\"']\s*/|/\s*[\"']shared[\"']")
    offenders = [
        f"{name}:{number}"
        for name in tracked.stdout.split()
        for number, line in enumerate((root / name).read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line) and name != "tests/kinsta_sync/fake/test_contract.py"
    ]
    assert offenders == []


def test_the_numeric_label_id_allowance_is_used_and_allows_nothing_else(app: FakeKinsta) -> None:
    with httpx.Client(base_url="http://fake.test", transport=httpx.WSGITransport(app=app)) as client:
        sites = client.get("/sites", params={"company": _company(app)}, headers={"Authorization": f"Bearer {KEY}"})
    labels = [label for site in sites.json()["company"]["sites"] for label in site["siteLabels"]]
    assert {type(label["id"]) for label in labels} == {int, str}, "the fake serves both shapes"
    validator = validator_for("/sites", "get", 200)
    base = {"id": "s", "name": "n", "display_name": "N", "status": "live"}
    allowed = {"company": {"sites": [{**base, "siteLabels": [{"id": 3335, "name": "launched"}]}]}}
    assert all(is_numeric_label_id("/sites", e) for e in validator.iter_errors(allowed))
    for broken in (
        {"company": {"sites": [{**base, "id": 3335}]}},
        {"company": {"sites": [{**base, "siteLabels": [{"id": 3335.5, "name": "x"}]}]}},
        {"company": {"sites": [{**base, "siteLabels": [{"id": "l", "name": 7}]}]}},
        {"company": {"sites": [{**base, "siteLabels": [{"id": 3335}]}]}},
    ):
        errors = list(validator.iter_errors(broken))
        assert errors and not all(is_numeric_label_id("/sites", e) for e in errors), broken


def test_the_schema_check_catches_a_broken_body() -> None:
    # Guard against a validator that accepts anything (e.g. a $ref that resolved to {}).
    validator = validator_for("/sites", "get", 200)
    assert not validator.is_valid({"company": {"sites": [{"id": "x", "name": "y", "status": "live"}]}})
    analytics = validator_for("/sites/environments/{env_id}/analytics/visits", "get", 202)
    broken = {
        "analytics": {
            "analytics_response": {
                "key": "uniqueip",
                "data": [{"name": "uniqueip", "total": 1, "dataset": [{"key": "2025-10-28T00:00:00", "value": 1}]}],
            }
        }
    }
    assert not analytics.is_valid(broken)
    users = validator_for("/company/{id}/users", "get", 200)
    assert not users.is_valid(
        {
            "company": {
                "users": [{"user": {"id": "not-a-uuid", "email": "a@b.c", "image": "https://x", "full_name": "A"}}]
            }
        }
    )
