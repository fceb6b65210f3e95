"""Environment logs (REFERENCE.md §5.3): deterministic nginx/PHP-looking lines."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from ..records import FakeEnvironment
from ..wire import Request, Response, bad_request, parse_int

if TYPE_CHECKING:
    from ..app import FakeKinsta

LOG_FILES = ("error", "access", "kinsta-cache-perf")
MAX_LOG_LINES = 20000


def environment_logs(app: FakeKinsta, request: Request) -> Response:
    file_name = request.query.get("file_name")
    if file_name not in LOG_FILES:
        raise bad_request("query parameter 'file_name' must be one of error, access, kinsta-cache-perf")
    lines = parse_int(request.query.get("lines"), "lines", default=None)
    if not 1 <= lines <= MAX_LOG_LINES:
        raise bad_request(f"'lines' must be between 1 and {MAX_LOG_LINES}")
    env = app._environment(request)
    text = "\n".join(_log_lines(env, file_name, min(lines, 300), app.agency.today))
    return Response(200, {"environment": {"container_info": {"logs": text}}})


def _log_lines(env: FakeEnvironment, file_name: str, count: int, today: date) -> list[str]:
    """Deterministic nginx/PHP-looking lines, oldest first (REFERENCE.md §5.3)."""
    rng = random.Random(f"{env.id}:{file_name}")
    start = datetime(today.year, today.month, today.day, tzinfo=UTC) - timedelta(days=1)
    host = env.primary_domain.name
    out = []
    for i in range(count):
        stamp = start + timedelta(seconds=i * 240 + rng.randint(0, 200))
        if file_name == "error":
            out.append(
                f"{stamp:%Y/%m/%d %H:%M:%S} [error] 89199#89199: *{1145000 + i} FastCGI sent in stderr: "
                f'"PHP message: PHP Warning: Undefined array key "{rng.choice(["id", "page", "lang"])}" '
                f'in /www/wp-content/plugins/woocommerce/includes/class-wc-{rng.randint(1, 9)}.php" '
                f"while reading response header from upstream, server: {host}"
            )
        elif file_name == "access":
            out.append(
                f"{host} 203.0.113.{rng.randint(1, 254)} [{stamp:%d/%b/%Y:%H:%M:%S} +0000] "
                f'GET "/{rng.choice(["", "shop/", "blog/", "contact/"])}" HTTP/2.0 '
                f'{rng.choice([200, 200, 200, 301, 404])} "-" "Mozilla/5.0" 0.{rng.randint(10, 999)} -'
            )
        else:
            out.append(
                f"{stamp:%Y-%m-%d %H:%M:%S} {rng.choice(['HIT', 'MISS', 'BYPASS'])} "
                f"{rng.randint(1, 900)}ms https://{host}/"
            )
    return out
