"""A fake Kinsta API (plain WSGI, no Django) for the demo and the tests.

    agency = FakeAgency.generate(AgencySpec(seed=1, sites=10))
    app = FakeKinsta(agency)
    client = httpx.Client(base_url="http://fake", transport=httpx.WSGITransport(app=app))
    server = serve(app)   # or over real HTTP: server.url, then server.stop()
"""

from __future__ import annotations

from .app import FakeKinsta, FakeStats
from .data import AgencySpec, FakeActivity, FakeAgency, FakeEnvironment, FakeSite, FakeUser
from .faults import DroppedConnection, FaultPlan
from .server import RunningServer, serve

__all__ = [
    "AgencySpec",
    "DroppedConnection",
    "FakeActivity",
    "FakeAgency",
    "FakeEnvironment",
    "FakeKinsta",
    "FakeSite",
    "FakeStats",
    "FakeUser",
    "FaultPlan",
    "RunningServer",
    "serve",
]
