"""The ``fake_kinsta`` management command."""

from __future__ import annotations

import pytest


def test_the_command_parses_fault_options() -> None:
    from django.core.management.base import CommandError

    from kinsta_sync.management.commands.fake_kinsta import parse_fault

    assert parse_fault("500") == {"kind": "500", "path": None, "times": 1, "seconds": 0.0}
    assert parse_fault("500:/analytics/:3") == {"kind": "500", "path": "/analytics/", "times": 3, "seconds": 0.0}
    assert parse_fault("429::-1:5") == {"kind": "429", "path": None, "times": -1, "seconds": 5.0}
    with pytest.raises(CommandError):
        parse_fault("explode")
    with pytest.raises(CommandError):
        parse_fault("500:/sites:many")
