"""kinsta_sync.fake.stats: requests counted by route template and the highest rate in any sliding minute."""

from __future__ import annotations

from collections import Counter

from kinsta_sync.fake.app import FakeKinsta
from tests.kinsta_sync.fake.helpers import FakeClock, make_client

# --- stats -------------------------------------------------------------------------------------------------


def test_it_counts_every_request_by_route_template(app: FakeKinsta, clock: FakeClock) -> None:
    site = app.agency.sites[0]
    with make_client(app) as client:
        client.get("/validate")
        client.get(f"/sites/{site.id}")
        client.get(f"/sites/{app.agency.sites[1].id}")
        client.get("/sites/unknown")
        client.get("/nope")
    make_client(app, None).get("/validate")
    stats = app.stats
    assert stats.requests == 6
    assert stats.by_path == Counter({"/sites/{site_id}": 3, "/validate": 2, "(unmatched)": 1})
    assert [record.status for record in stats.log] == [200, 200, 200, 404, 404, 401]
    stats.reset()
    assert (stats.requests, stats.by_path, stats.max_rate_per_minute) == (0, Counter(), 0)


def test_it_tracks_the_highest_rate_in_any_sliding_minute(app: FakeKinsta, clock: FakeClock) -> None:
    with make_client(app) as client:
        for _ in range(5):
            client.get("/validate")
            clock.now += 5  # 5 requests within 20 s
        clock.now += 60
        for _ in range(3):
            client.get("/validate")
            clock.now += 1
        assert app.stats.max_rate_per_minute == 5
        for _ in range(4):
            client.get("/validate")
        assert app.stats.max_rate_per_minute == 7
