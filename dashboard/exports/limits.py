"""How many PDFs a process renders at once.

A PDF costs 2-4 s of CPU (WeasyPrint's layout and drawing). Without a bound, six parallel share-link PDFs
took 14-20 s each and every page request waited behind them. With `REPORTS_PDF_CONCURRENCY` slots per
process (default 1), page requests keep the other threads; a web request that cannot get a slot within
`REPORTS_PDF_WAIT_SECONDS` gets `PdfBusy` (the views answer 503 with Retry-After), while background
deliveries wait for their turn.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

_lock = threading.Lock()
_slots: threading.BoundedSemaphore | None = None
_size = 0


class PdfBusy(Exception):
    """Every PDF slot of this process stayed taken for the whole wait."""


def _semaphore() -> threading.BoundedSemaphore:
    global _slots, _size
    size = max(1, settings.REPORTS_PDF_CONCURRENCY)
    with _lock:
        if _slots is None or _size != size:
            _slots, _size = threading.BoundedSemaphore(size), size
        return _slots


@contextmanager
def pdf_slot(*, wait: float | None) -> Iterator[None]:
    """Hold one of the process's PDF slots; `wait` seconds at most (None: as long as it takes)."""
    slots = _semaphore()
    if not slots.acquire(timeout=wait):
        raise PdfBusy(f"no PDF slot free within {wait:g} s")
    try:
        yield
    finally:
        slots.release()
