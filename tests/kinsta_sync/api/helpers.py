"""What several api test modules share: the fake clock, a client builder, examples from Kinsta's OpenAPI document."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import httpx
import pytest

from kinsta_sync.api.client import KinstaClient
from kinsta_sync.api.limits import RateLimiter
from kinsta_sync.fake.app import FakeKinsta
from kinsta_sync.fake.contract import openapi_document

API_KEY = "fake-kinsta-key"
TODAY = date(2026, 3, 15)


class FakeClock:
    """A monotonic clock that only moves when someone sleeps on it (thread-safe)."""

    def __init__(self, start: float = 10_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds
            self.sleeps.append(seconds)

    def wall(self) -> float:
        return 1_750_000_000.0 + self.now()


def make_client(
    fake: FakeKinsta | None,
    clock: FakeClock,
    *,
    base_url: str = "https://api.kinsta.test/v2",
    api_key: str = API_KEY,
    company_id: str | None = None,
    requests_per_minute: int = 1000,
    logs_per_minute: int = 1000,
    transport: httpx.BaseTransport | None = None,
    **kwargs: Any,
) -> KinstaClient:
    if transport is None and fake is not None and base_url.startswith("https://api.kinsta.test"):
        transport = httpx.WSGITransport(app=fake)
    limiter = RateLimiter(
        requests_per_minute, logs_per_minute, clock=clock.now, sleep=clock.sleep, wall_clock=clock.wall
    )
    kwargs.setdefault("backoff_base", 0.01)
    kwargs.setdefault("timeout", 2.0)
    return KinstaClient(
        base_url=base_url,
        api_key=api_key,
        company_id=company_id or (fake.agency.company_id if fake else "company-1"),
        transport=transport,
        limiter=limiter,
        **kwargs,
    )


# --- the OpenAPI document -----------------------------------------------------------------------------


def _openapi() -> dict[str, Any]:
    return openapi_document()


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    components = _openapi()["components"]["schemas"]
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _example_from_schema(schema: dict[str, Any], depth: int = 0) -> Any:
    """Build a document from the field-level ``example`` values of a schema.

    Kinsta's v1.87.0 document has no response-level examples for these endpoints: each property carries
    its own ``example``. Assembling them gives the document the API reference page renders.
    """
    assert depth < 30, "schema nesting too deep (a $ref cycle?)"
    schema = _resolve(schema)
    if "example" in schema:
        return schema["example"]
    if schema.get("examples"):
        return schema["examples"][0]
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = _example_from_schema(part, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return _example_from_schema(schema[key][0], depth + 1)
    types = schema.get("type", "object")
    kind = next((t for t in types if t != "null"), "null") if isinstance(types, list) else types
    if kind == "object" or "properties" in schema:
        return {name: _example_from_schema(sub, depth + 1) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [_example_from_schema(schema.get("items", {}), depth + 1)]
    return {"string": "example", "number": 1, "integer": 1, "boolean": True, "null": None}[kind]


def openapi_examples(path: str, status: str) -> list[Any]:
    """Every example of one GET response: explicit ``examples``/``example`` first, else the schema's."""
    try:
        content = _openapi()["paths"][path]["get"]["responses"][status]["content"]["application/json"]
    except KeyError:
        pytest.fail(f"openapi.json has no application/json {status} response for GET {path}", pytrace=False)
    found: list[Any] = []
    if "examples" in content:
        found.extend(item["value"] for item in content["examples"].values() if "value" in item)
    if "example" in content:
        found.append(content["example"])
    return found or [_example_from_schema(content["schema"])]


def _site(**overrides: Any) -> dict[str, Any]:
    site = {"id": "site-1", "name": "first", "display_name": "First", "status": "live"}
    site.update(overrides)
    return site
