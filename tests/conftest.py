"""Shared fixtures: personas, the fake Kinsta (in-process and over real HTTP), accounts."""

from __future__ import annotations

import socket

import pytest

# --- No real network ----------------------------------------------------------------------------------
# Tests talk to the fake Kinsta on loopback only; any other address fails loudly (Zulip's rule).
_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address):  # type: ignore[no-untyped-def]
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and not (
        host.startswith("127.") or host in ("localhost", "::1", "0.0.0.0") or host.startswith("/")  # noqa: S104
    ):
        raise RuntimeError(f"Tests must not reach the network (tried {host})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
