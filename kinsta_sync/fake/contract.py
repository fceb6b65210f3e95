"""Kinsta's published OpenAPI document, as the project carries it (see openapi/README.md).

Only the contract tests read it; nothing here depends on a file outside the repository.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

OPENAPI_PATH = Path(__file__).resolve().parent / "openapi" / "kinsta-openapi.json"


@cache
def openapi_document() -> dict[str, Any]:
    """The parsed document (read once per process)."""
    return json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
