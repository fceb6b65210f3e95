"""Scripted faults for the fake Kinsta API.

A test (or the control API, ``POST /__fake__/faults``) adds faults to a ``FaultPlan``; the app asks
the plan on every API request whether one fires. Faults come in two phases:

* "before" faults replace or delay the whole response: 429, 500, 502, 503, slow, timeout, reset;
* "body" faults damage a successful (2xx) JSON body: malformed_json, missing_field,
  unknown_fields, non_numeric, huge_body. They only count requests whose response they can damage;
* "operation" faults arm the outcome of the operation a write starts: operation_fails makes it end in
  500 "failed" instead of 200 (``path`` matches the write's path, e.g. "/sites/tools/restart-php").

``huge_body`` serves the real answer padded to ``size`` bytes (default 100 MiB) with an unknown field
holding one long string: valid JSON a client without a size cap would read whole. It is generated while
it is sent, 64 KiB at a time, without a Content-Length, so it costs the fake no memory, and
``Fault.streamed`` counts the bytes the fake produced (what the client made it send).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

BEFORE_KINDS = frozenset({"429", "500", "502", "503", "slow", "timeout", "reset"})
BODY_KINDS = frozenset({"malformed_json", "missing_field", "unknown_fields", "non_numeric", "huge_body"})
OPERATION_KINDS = frozenset({"operation_fails"})
KINDS = BEFORE_KINDS | BODY_KINDS | OPERATION_KINDS


class DroppedConnection(httpx.RemoteProtocolError):
    """Raised by the app for a "reset" fault.

    Over real HTTP the server catches it and closes the socket without answering; in-process,
    httpx.WSGITransport lets it propagate, so a client sees the same exception type
    (an ``httpx.TransportError``) both ways.
    """

    def __init__(self) -> None:
        super().__init__("Server disconnected without sending a response.")


@dataclass
class Fault:
    kind: str
    path: str | None = None
    times: int = 1  # -1 = forever
    after: int = 0
    seconds: float = 0.0
    size: int = 0  # bytes of a huge_body (0: HUGE_BODY_BYTES)
    seen: int = 0  # matching requests skipped because of `after`
    fired: int = 0
    streamed: int = 0  # bytes of huge bodies generated so far

    def matches(self, path: str) -> bool:
        return self.path is None or self.path in path

    @property
    def exhausted(self) -> bool:
        return self.times != -1 and self.fired >= self.times

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "times": self.times,
            "after": self.after,
            "seconds": self.seconds,
            "size": self.size,
            "fired": self.fired,
        }


class FaultPlan:
    """Thread-safe list of pending faults, consumed in the order they were added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self, kind: str, *, path: str | None = None, times: int = 1, after: int = 0, seconds: float = 0.0, size: int = 0
    ) -> Fault:
        """Schedule a fault; returns it, so a test can read ``fired`` and ``streamed`` afterwards."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(KINDS)}")
        if times == 0 or times < -1 or after < 0 or seconds < 0 or size < 0:
            raise ValueError("times must be >= 1 or -1, after, seconds and size >= 0")
        fault = Fault(kind, path, times, after, seconds, size)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [fault.as_dict() for fault in self._faults]

    def take(self, path: str, *, phase: str, applies: Any = None) -> Fault | None:
        """The fault that fires for this request, if any, and record that it fired.

        Every matching fault of the phase sees the request (counting down its ``after``); the
        first one past its ``after`` fires. ``applies(kind)`` lets the body phase skip faults
        that cannot damage this response (e.g. non_numeric on a response without a dataset).
        """
        kinds = {"before": BEFORE_KINDS, "body": BODY_KINDS, "operation": OPERATION_KINDS}[phase]
        with self._lock:
            chosen = None
            for fault in self._faults:
                if fault.kind not in kinds or not fault.matches(path):
                    continue
                if applies is not None and not applies(fault.kind):
                    continue
                if fault.seen < fault.after:
                    fault.seen += 1
                elif chosen is None:
                    chosen = fault
                    fault.fired += 1
            if chosen is not None and chosen.exhausted:
                self._faults.remove(chosen)
            return chosen


# --- body damage ---------------------------------------------------------------------------------

UNKNOWN_FIELD = "x_fake_unknown_field"
HUGE_BODY_BYTES = 100 * 1024 * 1024
PADDING_FIELD = "x_fake_padding"
_CHUNK = 64 * 1024


def can_damage(kind: str, body: Any) -> bool:
    """Whether a body fault has something to damage in this JSON body."""
    if kind == "non_numeric":
        return _first_dataset(body) is not None
    return isinstance(body, dict) and bool(body)


def damage(kind: str, body: Any) -> bytes:
    """The damaged response body for a body fault (the original is left untouched)."""
    if kind == "malformed_json":
        # A strict prefix of a JSON object is never valid JSON.
        text = json.dumps(body)
        return text[: max(1, len(text) // 2)].encode()
    body = copy.deepcopy(body)
    if kind == "missing_field":
        _drop_field(body)
    elif kind == "unknown_fields":
        _add_unknown_fields(body)
    elif kind == "non_numeric":
        dataset = _first_dataset(body)
        if dataset:
            dataset[len(dataset) // 2]["value"] = "n/a"
    return json.dumps(body).encode()


def huge_body(fault: Fault, body: dict[str, Any]) -> Iterable[bytes]:
    """``body`` with a padding field in front, ``fault.size`` bytes in all, generated while it is read.

    The padding is a first key whose string value fills the body up to the size, so the whole is valid
    JSON with the real answer after it; the chunks are produced one at a time and never held together.
    """
    total = fault.size or HUGE_BODY_BYTES
    rest = json.dumps(body, ensure_ascii=False).encode()[1:]  # the answer without its opening brace
    head = b'{"' + PADDING_FIELD.encode() + b'": "'
    tail = b'",' + rest if rest != b"}" else b'"}'
    padding = max(0, total - len(head) - len(tail))

    def chunks() -> Iterator[bytes]:
        yield from _counted(fault, head)
        left = padding
        block = b"x" * _CHUNK
        while left > 0:
            piece = block if left >= _CHUNK else block[:left]
            left -= len(piece)
            yield from _counted(fault, piece)
        yield from _counted(fault, tail)

    return chunks()


def _counted(fault: Fault, chunk: bytes) -> Iterator[bytes]:
    fault.streamed += len(chunk)
    yield chunk


def _walk_dicts(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict in a JSON document, depth first, parents before children."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk_dicts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_dicts(value)


def _drop_field(body: dict[str, Any]) -> None:
    """Drop one required field: the first "id" (e.g. the first site's), else the first dataset
    "value", else the first key of the first object that holds only plain values."""
    dicts = list(_walk_dicts(body))
    for key in ("id", "value"):
        for node in dicts:
            if key in node:
                del node[key]
                return
    for node in dicts:
        if node and not any(isinstance(v, dict | list) for v in node.values()):
            del node[next(iter(node))]
            return


def _add_unknown_fields(body: dict[str, Any]) -> None:
    for node in list(_walk_dicts(body)):
        node[UNKNOWN_FIELD] = {"note": "added by the fake to test that clients ignore unknown keys"}


def _first_dataset(body: Any) -> list[dict[str, Any]] | None:
    for node in _walk_dicts(body):
        dataset = node.get("dataset")
        if isinstance(dataset, list) and dataset and isinstance(dataset[0], dict):
            return dataset
    return None
