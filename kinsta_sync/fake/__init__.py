"""A fake Kinsta API (plain WSGI, no Django) for the demo and the tests.

agency = FakeAgency.generate(AgencySpec(seed=1, sites=10))
app = FakeKinsta(agency)
client = httpx.Client(base_url="http://fake", transport=httpx.WSGITransport(app=app))
server = serve(app)   # or over real HTTP: server.url, then server.stop()
"""

from __future__ import annotations

from .app import FakeKinsta
from .data import AgencySpec, FakeAgency
from .faults import DroppedConnection, FaultPlan
from .records import FakeActivity, FakeEnvironment, FakeSite, FakeUser
from .server import RunningServer, serve
from .stats import FakeStats

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
