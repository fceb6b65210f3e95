"""What every parser module shares: the base model, the liberal coercion types, and item-by-item parsing.

Every model ignores unknown fields (Kinsta adds fields without notice) and is frozen. Required fields are
the ones a report needs; everything else has a default.

Liberal where the document does not pin a thing down or real clients disagree (shared/STYLE.md 5.3): every
id is a ``KinstaId`` (a string or an integer, kept as text: public clients recorded label ids as numbers
against the live API although the document says string), integer ids an ``IntId``, every timestamp a
``Timestamp`` (each form REFERENCE §1.5 lists), names and other free text ``Text`` (a number is kept as its
digits), and no field is a Literal or an enum, so a value Kinsta adds tomorrow is kept as text. Strict where
a wrong guess would store a wrong number: analytics and usage values (``NumericInt`` rejects "n/a"), booleans
(pydantic's bool rejects "n/a"), versions (6.10 sent as a JSON number would read "6.1").

Envelope models (``*Envelope``, in the resource modules) describe only the wrapper of each response. List
items are typed as ``Any`` there and validated one by one (``parse_items``), so one malformed site is
reported without losing the others.

Plain Python: no Django imports (shared/STYLE.md 5.2).
"""

from __future__ import annotations

import logging
import math
import re
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, TypeAdapter, ValidationError

from kinsta_sync.api.errors import KinstaResponseError

__all__ = [
    "ApiModel",
    "BucketDate",
    "IntId",
    "KinstaId",
    "NumericInt",
    "Parsed",
    "Text",
    "Timestamp",
    "format_loc",
    "parse_items",
    "readable_id",
    "safe_value",
    "validate",
    "validation_error",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


M = TypeVar("M", bound=BaseModel)


# --- coercion helpers ---------------------------------------------------------------------------------


def _numeric_to_int(value: Any) -> Any:
    """Turn a JSON number or a numeric string into an int.

    Analytics values arrive as strings ("1073741824", REFERENCE §4.3) and usage numbers as JSON numbers
    (§4.4). "123.0" is accepted because a number-typed field may be serialised with a fraction; a real
    fraction is rounded half up (bytes and visits are whole numbers, so this only absorbs float noise).
    Anything else ("n/a", "", booleans) is rejected so a broken value never becomes a zero in a report.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value!r}")
        return int(Decimal(repr(value)).to_integral_value(rounding=ROUND_HALF_UP))
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"expected a numeric string, got {value[:40]!r}") from None
        if not number.is_finite():
            raise ValueError(f"expected a finite number, got {value[:40]!r}")
        return int(number.to_integral_value(rounding=ROUND_HALF_UP))
    raise ValueError(f"expected a number, got {type(value).__name__}")


_EPOCH_MS_TEXT = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_DIGITS = re.compile(r"[0-9]+")
# Integer ids are stored in a BIGINT column: one out of that range would fail its whole batch, not itself.
_MAX_INT_ID = 2**63 - 1


def _epoch_ms(value: int | float | Decimal) -> datetime:
    # Converted explicitly: pydantic's own heuristic would read small values as seconds.
    try:
        return datetime.fromtimestamp(float(value) / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"epoch milliseconds out of range: {value}") from None


def _as_utc(value: datetime) -> datetime:
    # A naive time from Kinsta is taken as UTC rather than as this server's local time.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _to_timestamp(value: Any) -> Any:
    """Any timestamp form REFERENCE §1.5 lists -> an aware UTC datetime.

    * epoch milliseconds as a JSON number (activity-log ``created_at``, 1665382600770) or as a digit
      string (``/validate`` ``expires_at``, "1704081600000");
    * ISO-8601 with "Z" (``api_keys[].expires_at``, "2028-08-21T08:15:21.872Z"), with an offset, or naive
      (read as UTC).

    One type for every ``created_at`` and ``expires_at``: the form is documented per endpoint and the
    sources disagree on how faithfully, and a client that guessed wrong would lose the whole item over a
    format. Epoch *seconds* are not guessed: the document says milliseconds, and a guess would store a
    date in 1970 or in the year 50000.
    """
    if isinstance(value, datetime):
        return _as_utc(value)
    if isinstance(value, bool):
        raise ValueError(f"expected a timestamp, got {value!r}")
    if isinstance(value, int | float):
        return _epoch_ms(value)
    if isinstance(value, str):
        text = value.strip()
        if _EPOCH_MS_TEXT.fullmatch(text):
            return _epoch_ms(Decimal(text))
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"expected epoch milliseconds or an ISO-8601 time, got {value[:40]!r}") from None
        return _as_utc(parsed)
    raise ValueError(f"expected a timestamp, got {type(value).__name__}")


def _to_id(value: Any) -> Any:
    """An opaque id -> its text.

    Strings are kept as they are (REFERENCE §1.5: do not validate the UUID form). Integers become their
    digits: public clients recorded ``{"id": 3335, "name": "launched"}`` for labels against the live API
    where the document says string, and the same id as text or as a number is the same id. A float is
    refused (a JSON number above 2**53 loses digits, and a rounded id names another object), and so is a
    boolean.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected an id (a string or an integer), got {type(value).__name__}")


def _to_int_id(value: Any) -> Any:
    """An integer id (activity-log ``id``, REFERENCE §1.5) from an int or a digit string.

    Never a fraction or a float (it may have lost digits), never a boolean, and only within the BIGINT
    range it is stored in.
    """
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= _MAX_INT_ID:
            raise ValueError(f"integer id out of range: {value}")
        return value
    shown = repr(value[:40]) if isinstance(value, str) else type(value).__name__
    raise ValueError(f"expected an integer id (a whole number or a digit string), got {shown}")


def _to_text(value: Any) -> Any:
    """Free text (names, display names, types, statuses, messages): a number is kept as it reads (a site
    named 2024 is still named "2024"). A boolean is refused: it is more likely a wrong field than a name."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    return value


def _bucket_to_date(value: Any) -> Any:
    """Analytics bucket key -> the calendar date it starts on.

    REFERENCE §4.3: S1 shows "2025-10-28T00:00:00" (no zone), S3 "2025-10-28T00:00:00.000Z". Both start
    a day; the date is read as written, without shifting time zones, because the series is requested in
    the zone given by ``time_zone`` and the bucket label already names that day.
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        text = value.strip()
        try:
            return datetime.fromisoformat(text).date()
        except ValueError:
            pass
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            raise ValueError(f"expected an ISO date-time bucket key, got {value[:40]!r}") from None
    raise ValueError(f"expected an ISO date-time bucket key, got {type(value).__name__}")


def none_to_empty_list(value: Any) -> Any:
    # Optional arrays sometimes come back as null (descriptions is typed array|null in S1).
    return [] if value is None else value


NumericInt = Annotated[int, BeforeValidator(_numeric_to_int)]
Timestamp = Annotated[datetime, BeforeValidator(_to_timestamp)]
BucketDate = Annotated[date, BeforeValidator(_bucket_to_date)]
KinstaId = Annotated[str, BeforeValidator(_to_id)]
IntId = Annotated[int, BeforeValidator(_to_int_id)]
Text = Annotated[str, BeforeValidator(_to_text)]


def format_loc(loc: tuple[int | str, ...], prefix: str = "") -> str:
    """Render a pydantic error location as a JSON path.

    ("company", "sites", 3, "id") -> "company.sites[3].id"; ``prefix`` is the item's own path.
    """
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "<root>"


# --- results and item-by-item validation --------------------------------------------------------------


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """Result of a list endpoint parsed item by item: bad items are reported, the good ones kept.

    ``errors``: items that could not be read at all (each with ``item_id`` when the id was readable).
    ``warnings``: parts of kept items that could not be read and were left out, e.g. a site's unreadable
    label (``item_id`` names the kept item, so its stored data for that part can be left alone).
    """

    items: list[T]
    errors: list[KinstaResponseError] = field(default_factory=list)
    warnings: list[KinstaResponseError] = field(default_factory=list)

    @property
    def unidentified(self) -> list[KinstaResponseError]:
        """The bad items whose id could not be read: with any of these, nobody knows what is missing."""
        return [error for error in self.errors if error.item_id is None]


# A value shown in an error: short, one line, control and bidi characters escaped (repr does that), so a
# hostile body cannot flood the run's error list or rewrite a log line.
_VALUE_REPR = reprlib.Repr()
_VALUE_REPR.maxstring = _VALUE_REPR.maxother = 60
_VALUE_REPR.maxlist = _VALUE_REPR.maxdict = _VALUE_REPR.maxtuple = 4
_VALUE_REPR.maxlevel = 2
_ID = TypeAdapter(KinstaId)
NO_VALUE: Any = object()


def safe_value(value: Any, limit: int = 120) -> str:
    """``value`` as a short, escaped ``repr`` for an error message."""
    text = _VALUE_REPR.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def validation_error(
    endpoint: str,
    exc: ValidationError,
    *,
    prefix: str = "",
    status: int | None = None,
    item_id: str | None = None,
    item: Any = NO_VALUE,
) -> KinstaResponseError:
    """The first problem of ``exc`` as an error naming the endpoint, the JSON path and the value.

    pydantic's own rendering would echo whole inputs; values go through safe_value() instead. The bad
    value is shown except for a missing field (its "input" is the whole parent object; the path says what
    is missing) and for our own validators' messages, which name it already; ``item``, when given, is
    shown instead (a small object such as a label, where the whole item is the useful context).
    """
    errors = exc.errors(include_url=False, include_context=False)
    first = errors[0]
    path = format_loc(first["loc"], prefix)
    message = f"{endpoint}: {path}: {first['msg']}"
    if item is not NO_VALUE:
        message += f" (value: {safe_value(item)})"
    elif first["type"] not in ("missing", "value_error"):
        message += f" (value: {safe_value(first.get('input'))})"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more)"
    return KinstaResponseError(message, endpoint=endpoint, status=status, field=path, item_id=item_id)


def validate(endpoint: str, model: type[M], doc: Any, *, prefix: str = "", status: int | None = None) -> M:
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        raise validation_error(endpoint, exc, prefix=prefix, status=status) from None


def readable_id(raw: Any, path: tuple[str, ...]) -> str | None:
    """The id of a raw list item at ``path`` (("id",), or ("user", "id") for users), if it can be read."""
    node = raw
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    try:
        return _ID.validate_python(node)
    except ValidationError:
        return None


def parse_items(
    endpoint: str,
    prefix: str,
    model: type[M],
    raw_items: list[Any],
    *,
    status: int | None = None,
    id_path: tuple[str, ...] = ("id",),
) -> tuple[list[M], list[KinstaResponseError]]:
    items: list[M] = []
    errors: list[KinstaResponseError] = []
    for index, raw in enumerate(raw_items):
        try:
            items.append(model.model_validate(raw))
        except ValidationError as exc:
            error = validation_error(
                endpoint, exc, prefix=f"{prefix}[{index}]", status=status, item_id=readable_id(raw, id_path)
            )
            logger.warning("%s", error)
            errors.append(error)
    return items, errors
