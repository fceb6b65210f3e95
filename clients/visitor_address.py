"""The visitor's address as the deployment reports it: what the login throttle counts failures against.

django-axes locks a username *at an address* (AXES_LOCKOUT_PARAMETERS). Behind the documented HTTPS proxy
every request comes from the proxy, so `REMOTE_ADDR` alone would make five wrong guesses from anywhere
lock that user out for everyone. The proxy appends the address it was reached from to `X-Forwarded-For`;
with `TRUSTED_PROXY_HOPS` proxies in front of the app, the visitor is the entry that many places from the
right. Entries further left were sent by the visitor and prove nothing. Without a proxy configured (0 hops)
the header is ignored: anyone could send one.

axes' own `AXES_IPWARE_*` settings need the django-ipware package, which this app does not install (without
it axes silently falls back to `REMOTE_ADDR`); this function is axes' `AXES_CLIENT_IP_CALLABLE` instead.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def visitor_address(request: HttpRequest) -> str | None:
    """The address of the visitor of `request`: `X-Forwarded-For`'s entry TRUSTED_PROXY_HOPS from the right,
    or `REMOTE_ADDR` without a proxy, or when the header is missing, too short or not an address."""
    remote = request.META.get("REMOTE_ADDR") or None
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    if hops <= 0:
        return remote
    entries = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    entries = [entry for entry in entries if entry]
    if len(entries) < hops:
        # Our proxies always add their entries; a shorter header did not pass through all of them.
        return remote
    return _address(entries[-hops]) or remote


def _address(value: str) -> str | None:
    """`value` as a normalised IP address ("203.0.113.5", "2001:db8::1"), also with a port some proxies
    add ("203.0.113.5:4711", "[2001:db8::1]:4711"); None when it is not one."""
    candidates = [value]
    if value.startswith("[") and "]" in value:
        candidates.append(value[1 : value.index("]")])
    elif value.count(":") == 1:
        candidates.append(value.split(":", 1)[0])
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None
