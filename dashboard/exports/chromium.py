"""Charts as SVG: kaleido driving one headless Chromium per process (settings.CHROMIUM_PATH).

The PDF (dashboard.exports.pdf) asks `chart_renderer()` for its charts' SVG; when Chromium is missing,
fails or is too slow, `ChartError` says so and the PDF carries tables instead.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import Any

from dashboard.exports.print_charts import CHART_HEIGHT_PX, CHART_WIDTH_PX

logger = logging.getLogger(__name__)


class ChartError(Exception):
    """Chromium is missing, did not start, failed or was too slow: the PDF falls back to tables."""


def chromium_available(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


class ChartRenderer:
    """One headless Chromium per process, started on first use and kept warm, driven by kaleido.

    kaleido's own `start_sync_server()` has no timeout: if Chromium dies or never starts, a later
    `calc_fig_sync()` waits forever, which would hang a worker. This runs the same `Kaleido` on a private
    event loop thread instead, so every call has a timeout, and a failed Chromium is shut down and started
    afresh by the next PDF. A lock serialises callers (one tab, one chart at a time, ~0.1-0.3 s each).

    A warm Chromium holds about 340 MiB (PSS) in every process that has drawn a chart (each web and
    background worker): after `idle_seconds` without a chart (settings.REPORTS_CHROMIUM_IDLE_SECONDS) it is
    shut down, and the next PDF starts it again (a few seconds more for that one PDF).
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        # The clock the idle timeout is measured with (tests pass their own to drive it without sleeping).
        self._clock = clock
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: Any = None
        self._path = ""
        self._idle_timer: threading.Timer | None = None
        self._last_used = 0.0

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    def render_svgs(
        self, figures: Sequence[dict[str, Any]], *, path: str, timeout: float, idle_seconds: float = 0
    ) -> list[bytes]:
        """The figures as SVG. With `idle_seconds`, Chromium is shut down once that long passes without
        another call (0: it stays up for the life of the process)."""
        if not chromium_available(path):
            raise ChartError(f"no Chromium at {path}")
        with self._lock:
            try:
                if self._kaleido is None or self._path != path:
                    self._start(path, timeout)
                svgs = []
                for figure in figures:
                    size = figure.get("layout", {})
                    opts = {"format": "svg", "width": size.get("width", CHART_WIDTH_PX),
                            "height": size.get("height", CHART_HEIGHT_PX)}  # fmt: skip
                    svgs.append(self._call(self._kaleido.calc_fig(figure, opts=opts), timeout))
                return svgs
            except ChartError:
                self._stop()
                raise
            except Exception as exc:
                self._stop()
                raise ChartError(f"{type(exc).__name__}: {exc}") from exc
            finally:
                self._last_used = self._clock()
                if idle_seconds > 0:
                    self._stop_when_idle(idle_seconds)

    def stop(self) -> None:
        with self._lock:
            if self._idle_timer is not None:
                self._idle_timer.cancel()
            self._stop()

    def _stop_when_idle(self, idle_seconds: float) -> None:
        """(Re)arm the timer that stops Chromium `idle_seconds` after the last call. Called with the lock."""
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        self._idle_timer = threading.Timer(idle_seconds, self.stop_if_idle, args=(idle_seconds,))
        self._idle_timer.daemon = True
        self._idle_timer.start()

    def stop_if_idle(self, idle_seconds: float) -> bool:
        """Stop Chromium if no chart was drawn for `idle_seconds` (what the idle timer runs). True if stopped."""
        with self._lock:
            if self._kaleido is None or self._clock() - self._last_used < idle_seconds:
                return False
            logger.info("Stopping the chart Chromium after %g s without a chart", idle_seconds)
            self._stop()
            return True

    def _call(self, coroutine: Coroutine[Any, Any, Any], timeout: float) -> Any:
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout=timeout)
        except FutureTimeoutError as exc:
            future.cancel()
            raise ChartError(f"Chromium did not answer within {timeout:g} s") from exc

    def _start(self, path: str, timeout: float) -> None:
        import kaleido

        self._stop()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kaleido-chromium", daemon=True)
        self._thread.start()

        async def open_browser() -> Any:
            # mathjax=False: kaleido would otherwise load MathJax from a CDN (the report has no formulas);
            # plotly.js comes from the installed plotly package.
            browser = kaleido.Kaleido(n=1, timeout=timeout, mathjax=False, path=path)
            await browser.open()
            return browser

        self._kaleido = self._call(open_browser(), timeout)
        self._path = path

    def _stop(self) -> None:
        loop, thread, browser = self._loop, self._thread, self._kaleido
        self._loop = self._thread = self._kaleido = None
        if loop is None:
            return
        if browser is not None:
            try:
                asyncio.run_coroutine_threadsafe(browser.close(), loop).result(timeout=10)
            except Exception:
                logger.warning("Chromium did not close cleanly", exc_info=True)
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(timeout=5)


_renderer = ChartRenderer()
atexit.register(_renderer.stop)


def chart_renderer() -> ChartRenderer:
    return _renderer
