"""What several admin pages share: the mapping plan of the page being rendered, and who may assign sites."""

from __future__ import annotations

from contextvars import ContextVar

from django.http import HttpRequest

from clients.mapping import MappingPlan

# The mapping plan of the page being rendered, so list columns can show what the rules would do without
# recomputing it per row. A ContextVar: each request thread sees its own.
current_plan: ContextVar[MappingPlan | None] = ContextVar("current_plan", default=None)


def can_assign(request: HttpRequest) -> bool:
    return request.user.has_perms(["clients.add_siteassignment", "clients.change_siteassignment"])
