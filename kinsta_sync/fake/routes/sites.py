"""Sites and environments: ``/sites``, ``/sites/{site_id}``, ``/sites/{site_id}/environments``
(REFERENCE.md §4.1, §4.2), and the JSON shapes they share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..records import FakeEnvironment, FakeSite, Ref
from ..wire import Request, Response, parse_bool

if TYPE_CHECKING:
    from ..app import FakeKinsta


def _domain_json(domain: Ref, env: FakeEnvironment) -> dict[str, Any]:
    # S1 builds the environment domain from the company DNS Domain + {type}: emit all five keys.
    return {"id": domain.id, "name": domain.name, "site_id": env.site_id, "is_active": True, "type": env.name}


def _short_environment_json(env: FakeEnvironment) -> dict[str, Any]:
    return {
        "id": env.id,
        "name": env.name,
        "display_name": env.display_name,
        "is_premium": env.is_premium,
        "is_blocked": env.is_blocked,
        "domains": [_domain_json(d, env) for d in env.domains],
        "primaryDomain": _domain_json(env.primary_domain, env),  # camelCase (REFERENCE.md §4.1)
    }


def _environment_json(env: FakeEnvironment) -> dict[str, Any]:
    return {
        "id": env.id,
        "name": env.name,
        "display_name": env.display_name,
        "is_blocked": env.is_blocked,
        "id_edge_cache": env.id_edge_cache,
        "cdn_cache_id": env.cdn_cache_id,
        "is_opt_out_from_automatic_php_update": env.is_opt_out_from_automatic_php_update,
        "web_root": env.web_root,
        "image_optimization_type": env.image_optimization_type,
        "is_additional_sftp_accounts_enabled": env.is_additional_sftp_accounts_enabled,
        "is_premium": env.is_premium,
        "wordpress_version": env.wordpress_version,
        "domains": [_domain_json(d, env) for d in env.domains],
        "primaryDomain": _domain_json(env.primary_domain, env),
        "ssh_connection": {"ssh_port": env.ssh_port, "ssh_ip": {"external_ip": env.ssh_ip}},
        "container_info": {"id": env.container_id, "php_engine_version": env.php_version},
    }


def _label_json(label: Ref) -> dict[str, Any]:
    # The document says string; public recordings of real responses show numbers ({"id": 3335, ...}). Where
    # the two disagree the fake serves both: a label id of digits only (AgencySpec.numeric_label_ids) goes
    # out as a JSON number, every other one as a string. tests/kinsta_sync/fake/test_contract.py allows exactly this.
    return {"id": int(label.id) if label.id.isdigit() else label.id, "name": label.name}


def _site_list_json(site: FakeSite, include_environments: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": site.id,
        "name": site.name,
        "display_name": site.display_name,
        "status": site.status,
        "siteLabels": [_label_json(label) for label in site.labels],
    }
    if include_environments:
        body["environments"] = [_environment_json(env) for env in site.environments]
    return body


def list_sites(app: FakeKinsta, request: Request) -> Response:
    # /sites takes the company as `company`, analytics as `company_id` (REFERENCE.md §1.2).
    app._company(request.query.get("company"), param="company")
    include = parse_bool(request.query.get("include_environments"), "include_environments")
    sites = [_site_list_json(site, include) for site in app.agency.active_sites()]
    return Response(200, {"company": {"sites": sites}})


def get_site(app: FakeKinsta, request: Request) -> Response:
    site = app._site(request)
    return Response(
        200,
        {
            "site": {
                "id": site.id,
                "name": site.name,
                "display_name": site.display_name,
                "company_id": app.agency.company_id,
                "status": site.status,
                "environments": [_short_environment_json(env) for env in site.environments],
            }
        },
    )


def site_environments(app: FakeKinsta, request: Request) -> Response:
    site = app._site(request)
    return Response(200, {"site": {"environments": [_environment_json(env) for env in site.environments]}})
