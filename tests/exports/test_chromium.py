"""The chart Chromium: one per process, kept warm, stopped when idle and started again for the next PDF."""

from __future__ import annotations

import pytest

from dashboard.exports import chromium
from tests.system_packages import CHROMIUM_PATH, require

CHROMIUM = CHROMIUM_PATH


def needs_chromium() -> None:
    require("chromium")


class SteppedClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.slow
def test_an_idle_chromium_is_stopped_and_started_again_for_the_next_pdf():
    needs_chromium()
    clock = SteppedClock()
    renderer = chromium.ChartRenderer(clock=clock)
    figure = {"data": [{"type": "bar", "x": [1, 2], "y": [3, 4]}], "layout": {"width": 300, "height": 200}}
    try:
        # A long idle timeout: the real timer never fires during the test; the test plays its part.
        assert renderer.render_svgs([figure], path=CHROMIUM, timeout=60, idle_seconds=600)[0].startswith(b"<svg")
        assert renderer.running
        clock.now += 599
        assert not renderer.stop_if_idle(600) and renderer.running
        renderer.render_svgs([figure], path=CHROMIUM, timeout=60, idle_seconds=600)  # a PDF in between
        clock.now += 599
        assert not renderer.stop_if_idle(600) and renderer.running, "the second chart restarted the idle time"
        clock.now += 1
        assert renderer.stop_if_idle(600)
        assert not renderer.running
        # The next PDF starts Chromium again.
        assert renderer.render_svgs([figure], path=CHROMIUM, timeout=60, idle_seconds=600)[0].startswith(b"<svg")
        assert renderer.running
    finally:
        renderer.stop()


def test_the_idle_timer_calls_the_idle_check(monkeypatch):
    """The timer that `render_svgs` arms runs `stop_if_idle` with the configured seconds (no Chromium)."""
    armed = []

    class RecordingTimer:
        def __init__(self, interval, function, args=()):
            armed.append((interval, function, args))
            self.daemon = False

        def start(self):
            pass

        def cancel(self):
            pass

    monkeypatch.setattr(chromium.threading, "Timer", RecordingTimer)
    renderer = chromium.ChartRenderer()
    renderer._stop_when_idle(42.0)
    assert armed == [(42.0, renderer.stop_if_idle, (42.0,))]
    assert renderer.stop_if_idle(42.0) is False  # nothing running: nothing to stop
