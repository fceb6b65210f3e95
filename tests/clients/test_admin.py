"""The mapping admin (unmapped sites, bulk assignment, rule preview, client pages, import, invitations)
and client users' passwords. Every view: the agency admin can, staff without permissions get 403, client
users and anonymous visitors are sent to the admin login."""

from __future__ import annotations

import io
import re
import zoneinfo
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from clients.mapping import preview_mapping_rules
from clients.models import AgencyBranding, Client, ClientMembership, MappingRule, SiteAssignment
from tests.factories import add_points, assign, make_account, make_site
from tests.personas import CLIENT_PASSWORD, STAFF_PASSWORD, persona_visits

ADMIN_VIEWS = [
    "/admin/clients/unmappedsite/",
    "/admin/clients/mappingrule/preview/",
    "/admin/clients/client/import/",
    "/admin/clients/client/{acme}/invite/",
    "/admin/clients/client/{acme}/change/",
    "/admin/clients/client/",
    "/admin/clients/mappingrule/",
    "/admin/kinsta_sync/site/",
    "/admin/clients/agencybranding/",
]


@pytest.fixture
def admin_client(client, agency_admin):
    client.login(username=agency_admin.username, password=STAFF_PASSWORD)
    return client


@pytest.fixture
def world(client_a, client_b, unmapped_site):
    """Both persona clients with their sites, one unmapped site and a second one ("initech-blog")."""
    second = make_site(
        unmapped_site.account, name="initech-blog", display_name="Initech Blog", labels=["Initech"],
        domains=["blog.initech.io"],
    )  # fmt: skip
    return {"acme": client_a, "globex": client_b, "initech": unmapped_site, "initech-blog": second}


def url_for(template: str, world) -> str:
    return template.format(acme=world["acme"].pk)


# --- Who may open the admin views -----------------------------------------------------------------------


@pytest.mark.parametrize("template", ADMIN_VIEWS)
def test_the_agency_admin_can_open_every_mapping_view(admin_client, world, template):
    response = admin_client.get(url_for(template, world), follow=True)
    assert response.status_code == 200


@pytest.mark.parametrize("template", ADMIN_VIEWS)
def test_client_users_and_anonymous_visitors_are_sent_to_a_login(client, client_a_user, world, template):
    url = url_for(template, world)
    response = client.get(url)  # LoginRequiredMiddleware answers first: the site's login page
    assert response.status_code == 302 and response.url.startswith("/login/?next=/admin/")

    client.login(username=client_a_user.username, password=CLIENT_PASSWORD)
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/admin/login/")


@pytest.mark.parametrize(
    "template",
    [
        "/admin/clients/unmappedsite/",
        "/admin/clients/mappingrule/preview/",
        "/admin/clients/client/import/",
        "/admin/clients/client/{acme}/invite/",
    ],
)
def test_staff_without_admin_permissions_are_refused(client, staff_user, world, template):
    client.login(username=staff_user.username, password=STAFF_PASSWORD)
    assert client.get(url_for(template, world)).status_code == 403


def test_posting_an_apply_needs_the_admin_too(client, client_a_user, staff_user, world):
    MappingRule.objects.create(client=world["acme"], kind="label", pattern="Initech")
    fingerprint = preview_mapping_rules().fingerprint
    assert client.post("/admin/clients/mappingrule/preview/", {"fingerprint": fingerprint}).status_code == 302
    client.login(username=client_a_user.username, password=CLIENT_PASSWORD)
    response = client.post("/admin/clients/mappingrule/preview/", {"fingerprint": fingerprint})
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    client.login(username=staff_user.username, password=STAFF_PASSWORD)
    assert client.post("/admin/clients/mappingrule/preview/", {"fingerprint": fingerprint}).status_code == 403
    assert not SiteAssignment.objects.filter(site=world["initech-blog"]).exists()


# --- Unmapped sites and the bulk action -----------------------------------------------------------------


def test_the_unmapped_list_shows_only_sites_without_a_client(admin_client, world):
    response = admin_client.get("/admin/clients/unmappedsite/")
    html = response.content.decode()
    assert 'data-count="2"' in html
    assert "Initech Blog" in html and "initech.io" in html
    assert result_names(response) == {"initech", "initech-blog"}


def test_the_unmapped_list_shows_what_the_rules_would_do(admin_client, world):
    MappingRule.objects.create(client=world["globex"], kind="label", pattern="initech")
    html = admin_client.get("/admin/clients/unmappedsite/").content.decode()
    assert "assign to Globex" in html
    assert "The rules would map 1 of them" in html


def test_the_bulk_action_asks_for_the_client_then_assigns(admin_client, world):
    ids = [str(world["initech"].pk), str(world["initech-blog"].pk)]
    step1 = admin_client.post("/admin/clients/unmappedsite/", {"action": "assign_to_client", "_selected_action": ids})
    html = step1.content.decode()
    assert step1.status_code == 200 and "Assign 2 sites" in html and "Initech Blog" in html
    assert SiteAssignment.objects.filter(site__name__startswith="initech").count() == 0

    step2 = admin_client.post(
        "/admin/clients/unmappedsite/",
        {"action": "assign_to_client", "_selected_action": ids, "post": "yes", "client": world["acme"].pk},
        follow=True,
    )

    assert "Assigned 2 sites to Acme Corp." in step2.content.decode()
    assert 'data-count="0"' in step2.content.decode()
    rows = SiteAssignment.objects.filter(site__name__startswith="initech")
    assert {(r.client.slug, r.source) for r in rows} == {("acme", "manual")}


def test_the_bulk_action_moves_sites_and_says_so(admin_client, world):
    shop = SiteAssignment.objects.get(site__name="acme-shop").site
    step1 = admin_client.post("/admin/kinsta_sync/site/", {"action": "assign_to_client", "_selected_action": [shop.pk]})
    assert "moves from Acme Corp" in step1.content.decode()
    admin_client.post(
        "/admin/kinsta_sync/site/",
        {"action": "assign_to_client", "_selected_action": [shop.pk], "post": "yes", "client": world["globex"].pk},
    )
    assert SiteAssignment.objects.get(site=shop).client == world["globex"]


def test_the_bulk_action_without_a_client_asks_again(admin_client, world):
    response = admin_client.post(
        "/admin/clients/unmappedsite/",
        {"action": "assign_to_client", "_selected_action": [world["initech"].pk], "post": "yes", "client": ""},
    )
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not SiteAssignment.objects.filter(site=world["initech"]).exists()


def test_removing_sites_from_their_client(admin_client, world):
    shop = SiteAssignment.objects.get(site__name="acme-shop").site
    admin_client.post("/admin/kinsta_sync/site/", {"action": "remove_from_client", "_selected_action": [shop.pk]})
    assert not SiteAssignment.objects.filter(site=shop).exists()


# --- The site list: client column, filters, search ------------------------------------------------------


def result_names(response) -> set[str]:
    return {site.name for site in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("mapped=no", {"initech", "initech-blog"}),
        ("mapped=yes", {"acme-shop", "acme-blog", "globex-main"}),
        ("mapped=manual", {"acme-shop", "acme-blog", "globex-main"}),
        ("mapped=rule", set()),
        ("environments=staging", {"acme-shop"}),
        ("environments=live-only", {"acme-blog", "globex-main", "initech", "initech-blog"}),
        ("q=blog.initech.io", {"initech-blog"}),
        ("q=www.globex.com", {"globex-main"}),
        ("q=Initech", {"initech", "initech-blog"}),
        ("q=acme", {"acme-shop", "acme-blog"}),
    ],
)
def test_the_site_list_filters_and_searches(admin_client, world, query, expected):
    response = admin_client.get(f"/admin/kinsta_sync/site/?{query}")
    assert result_names(response) == expected


def test_the_site_list_filters_by_client_label_and_removal(admin_client, world):
    assert result_names(admin_client.get(f"/admin/kinsta_sync/site/?client={world['globex'].pk}")) == {"globex-main"}
    label = world["initech-blog"].labels.get()
    assert result_names(admin_client.get(f"/admin/kinsta_sync/site/?labels__id__exact={label.pk}")) == {"initech-blog"}
    world["initech"].removed_at = timezone.now()
    world["initech"].save()
    assert result_names(admin_client.get("/admin/kinsta_sync/site/?removed=yes")) == {"initech"}
    assert "initech" not in result_names(admin_client.get("/admin/clients/unmappedsite/"))


def test_the_site_list_shows_each_sites_client_escaped(admin_client, world):
    evil = Client.objects.create(name="<img src=x onerror=alert(1)> Ltd", slug="evil")
    SiteAssignment.objects.create(site=world["initech"], client=evil)
    html = admin_client.get("/admin/kinsta_sync/site/").content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt; Ltd" in html and "<img src=x" not in html
    assert f'href="/admin/clients/client/{world["acme"].pk}/change/">Acme Corp</a>' in html


# --- A client's page ------------------------------------------------------------------------------------


def test_a_clients_page_lists_its_sites_with_period_totals(admin_client, world):
    html = admin_client.get(f"/admin/clients/client/{world['acme'].pk}/change/").content.decode()
    assert "Acme Shop" in html and "Acme Blog" in html and "Initech" not in html
    # The 30 days ending yesterday are the last 30 persona days (indices 30..59), live environments only:
    # the shop's staging (10 visits a day) is not counted, as in the report.
    shop_visits = sum(persona_visits("acme-shop", i) for i in range(30, 60))
    blog_visits = sum(persona_visits("acme-blog", i) for i in range(30, 60))
    assert f"{shop_visits:,}" in html and f"{blog_visits:,}" in html
    assert f"{shop_visits + blog_visits:,} visits" in html
    assert f"{shop_visits + 300:,}" not in html


@pytest.fixture
def live_and_staging(db):
    """A client in Sydney whose shop has a live and a staging environment (staging busy too), a blog, and a
    removed site with history: 243 GB of bandwidth in the report's 30 days, 226.3 in 1024-based units."""
    account = make_account()
    client = Client.objects.create(name="Sydney Shops", slug="sydney", timezone="Australia/Sydney")
    shop = make_site(account, name="syd-shop", display_name="Sydney Shop", staging=True)
    blog = make_site(account, name="syd-blog", display_name="Sydney Blog")
    gone = make_site(account, name="syd-gone", display_name="Sydney Gone")
    gone.removed_at = timezone.now() - timedelta(days=3)
    gone.save(update_fields=["removed_at"])
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo("Australia/Sydney"))
    days = [today - timedelta(days=d) for d in range(0, 45)]  # today too: the report leaves it out
    add_points(shop.live, metric="visits", days={d: 2000 + d.day for d in days})
    add_points(shop.live, metric="bandwidth", days=dict.fromkeys(days, 7_000_000_000))
    add_points(shop.live, metric="cdn_bandwidth", days=dict.fromkeys(days, 1_234_567_890))
    add_points(shop.staging, metric="visits", days=dict.fromkeys(days, 11))
    add_points(shop.staging, metric="bandwidth", days=dict.fromkeys(days, 555_000_000))
    add_points(blog.live, metric="visits", days={d: 400 + d.day for d in days})
    add_points(blog.live, metric="bandwidth", days=dict.fromkeys(days, 1_100_000_000))
    add_points(gone.live, metric="visits", days={d: 5 for d in days})
    add_points(gone.live, metric="bandwidth", days=dict.fromkeys(days, 1_000_000))
    assign([shop, blog, gone], client)
    return client


def test_the_admins_figures_are_the_reports(admin_client, live_and_staging):
    from dashboard.reports.periods import parse_period
    from dashboard.reports.selectors import client_report, client_today
    from dashboard.reports.templatetags.reports import format_bytes

    client = live_and_staging
    html = admin_client.get(f"/admin/clients/client/{client.pk}/change/").content.decode()
    period, _ = parse_period({}, today=client_today(client))  # the report's default: 30 days
    report = client_report(audience="staff", client=client, period=period, compare=None)
    visits, bandwidth = report.kpi("visits").value, report.kpi("bandwidth").value
    cdn = report.kpi("cdn_bandwidth").value
    assert bandwidth == 243_000_000_000 + 30 * 1_000_000  # 30 days of 7 + 1.1 GB, and the removed site's
    summary = f"{visits:,} visits · {format_bytes(bandwidth)} bandwidth · {format_bytes(cdn)} CDN bandwidth"
    assert summary == f"{visits:,} visits · 243 GB bandwidth · 37.0 GB CDN bandwidth"
    assert summary in html
    assert f"({period.start:%Y-%m-%d} to {period.end:%Y-%m-%d}, the report's default period" in html
    assert "Report figures, last 30 days" in html
    assert "226.3 GB" not in html and "226.4 GB" not in html  # Django's filesizeformat counts in 1024s
    cells = re.sub(r"\s+", "", html)
    for site in report.sites:
        assert f'<tdclass="field-visits"><p>{site.totals.visits:,}</p></td>' in cells, site.display_name
        bandwidth = format_bytes(site.totals.bandwidth).replace(" ", "")
        assert f'<tdclass="field-bandwidth"><p>{bandwidth}</p></td>' in cells, site.display_name


def test_the_admins_figures_cover_the_reports_default_period():
    from clients.selectors import last_days
    from dashboard.reports.periods import DEFAULT_PRESET, preset_period
    from kinsta_sync.models import today_utc

    today = today_utc()
    report = preset_period(DEFAULT_PRESET, today=today)
    admin_period = last_days(today=today)
    assert (admin_period.start, admin_period.end) == (report.start, report.end)


def test_adding_a_site_on_a_clients_page_is_a_hand_assignment(admin_client, world):
    acme = world["acme"]
    page = admin_client.get(f"/admin/clients/client/{acme.pk}/change/")
    data = form_data(page)
    total = int(data["site_assignments-2-TOTAL_FORMS"])
    data.update(
        {"site_assignments-2-TOTAL_FORMS": str(total + 1), f"site_assignments-2-{total}-site": world["initech"].pk}
    )

    response = admin_client.post(f"/admin/clients/client/{acme.pk}/change/", data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assignment = SiteAssignment.objects.get(site=world["initech"])
    assert (assignment.client, assignment.source) == (acme, "manual")


def test_a_site_of_another_client_cannot_be_added_on_a_clients_page(admin_client, world):
    acme = world["acme"]
    data = form_data(admin_client.get(f"/admin/clients/client/{acme.pk}/change/"))
    total = int(data["site_assignments-2-TOTAL_FORMS"])
    globex_site = SiteAssignment.objects.get(client=world["globex"]).site
    data.update({"site_assignments-2-TOTAL_FORMS": str(total + 1), f"site_assignments-2-{total}-site": globex_site.pk})

    response = admin_client.post(f"/admin/clients/client/{acme.pk}/change/", data)

    assert response.status_code == 200
    assert "This site belongs to Globex." in response.content.decode()
    assert SiteAssignment.objects.get(site=globex_site).client == world["globex"]


def test_deleting_a_row_on_a_clients_page_takes_the_site_away(admin_client, world):
    acme = world["acme"]
    data = form_data(admin_client.get(f"/admin/clients/client/{acme.pk}/change/"))
    first = SiteAssignment.objects.filter(client=acme).order_by("site__display_name").first()
    row = next(key for key, value in data.items() if key.endswith("-id") and value == first.pk)
    data[row.replace("-id", "-DELETE")] = "on"

    response = admin_client.post(f"/admin/clients/client/{acme.pk}/change/", data)

    assert response.status_code == 302
    assert not SiteAssignment.objects.filter(pk=first.pk).exists()
    assert SiteAssignment.objects.filter(client=acme).count() == 1


def form_data(response) -> dict:
    """The values a browser would submit from the change form (inputs, selects and textareas)."""
    data = {}
    for form in response.context["adminform"], *response.context["inline_admin_formsets"]:
        django_form = getattr(form, "form", None) or form.formset
        forms = [django_form] if hasattr(django_form, "fields") else [django_form.management_form, *django_form]
        for f in forms:
            for name, field in f.fields.items():
                value = f.initial.get(name, field.initial) if not f.is_bound else f.data.get(f.add_prefix(name))
                if hasattr(value, "pk"):
                    value = value.pk
                if value is None or value is False or isinstance(value, FieldFile):  # no uploads
                    continue
                if name == "timezone" and not value:
                    value = "UTC"
                data[f.add_prefix(name)] = "on" if value is True else value
    data["contact_emails_text"] = "\n".join(response.context["original"].contact_email_list)
    return data


# --- Rules: preview and apply ---------------------------------------------------------------------------


def test_the_preview_lists_the_sites_each_rule_would_take(admin_client, world):
    rule = MappingRule.objects.create(client=world["globex"], kind="domain", pattern="*initech.io")
    other = MappingRule.objects.create(client=world["acme"], kind="name", pattern="nothing-matches-*")

    html = admin_client.get(f"/admin/clients/mappingrule/preview/?rule={rule.pk}").content.decode()

    assert "It would take 2 sites:" in html
    assert "Would assign 2 of 2 unmapped site(s) by 2 active rule(s); 0 conflict(s)." in html
    assert f'data-rule="{other.pk}"' in html and "nothing" in html
    assert SiteAssignment.objects.filter(source="rule").count() == 0


def test_applying_the_preview_assigns_exactly_its_sites(admin_client, world):
    rule = MappingRule.objects.create(client=world["globex"], kind="label", pattern="Initech")
    fingerprint = re.search(r'name="fingerprint" value="(\w+)"', admin_client.get(
        "/admin/clients/mappingrule/preview/").content.decode()).group(1)  # fmt: skip

    response = admin_client.post("/admin/clients/mappingrule/preview/", {"fingerprint": fingerprint}, follow=True)

    assert "Assigned 1 of 2 unmapped site(s)" in response.content.decode()
    assignment = SiteAssignment.objects.get(site=world["initech-blog"])
    assert (assignment.client, assignment.source, assignment.rule) == (world["globex"], "rule", rule)
    assert response.redirect_chain[-1][0] == "/admin/clients/unmappedsite/"


def test_a_stale_preview_applies_nothing(admin_client, world):
    MappingRule.objects.create(client=world["globex"], kind="label", pattern="Initech")
    fingerprint = preview_mapping_rules().fingerprint
    MappingRule.objects.create(client=world["acme"], kind="name", pattern="initech")

    response = admin_client.post("/admin/clients/mappingrule/preview/", {"fingerprint": fingerprint})

    assert response.status_code == 200 and "changed since this preview" in response.content.decode()
    assert not SiteAssignment.objects.filter(site__name__startswith="initech").exists()


def test_save_and_preview_opens_the_new_rules_preview(admin_client, world):
    response = admin_client.post(
        "/admin/clients/mappingrule/add/",
        {"client": world["acme"].pk, "kind": "domain", "pattern": " *.initech.io ", "priority": "0",
         "is_active": "on", "_preview": "Save and preview"},
    )  # fmt: skip
    rule = MappingRule.objects.get()
    assert rule.pattern == "*.initech.io"
    assert response.url == f"/admin/clients/mappingrule/preview/?rule={rule.pk}"


def test_the_rule_form_refuses_a_pattern_that_matches_everything(admin_client, world):
    response = admin_client.post(
        "/admin/clients/mappingrule/add/",
        {"client": world["acme"].pk, "kind": "domain", "pattern": "*.*", "priority": "0", "_save": "Save"},
    )
    assert response.status_code == 200 and "would match every site" in response.content.decode()
    assert MappingRule.objects.count() == 0


def test_the_rule_list_shows_what_each_rule_would_take(admin_client, world):
    rule = MappingRule.objects.create(client=world["globex"], kind="domain", pattern="*initech.io")
    html = admin_client.get("/admin/clients/mappingrule/").content.decode()
    assert f'href="/admin/clients/mappingrule/preview/?rule={rule.pk}">2 sites</a>' in html
    assert "(would take 2 unmapped)" in html


def test_the_rule_list_shows_what_a_rule_matches_and_has_assigned_once_its_sites_are_mapped(admin_client, world):
    from clients.models import SiteAssignment

    rule = MappingRule.objects.create(client=world["acme"], kind="name", pattern="acme-*")
    SiteAssignment.objects.filter(site__name="acme-shop").update(source="rule", rule=rule)
    html = admin_client.get("/admin/clients/mappingrule/").content.decode()
    # Both of Acme's sites are mapped already: the rule would take none, yet it matches both.
    row = html.split(f'href="/admin/clients/mappingrule/{rule.pk}/change/')[1].split("</tr>")[0]
    assert f'href="/admin/clients/mappingrule/preview/?rule={rule.pk}">2 sites</a>' in row
    assert "would take" not in row
    assert '<td class="field-assigned_count">1 site</td>' in row
    assert "0 site(s)" not in html


@pytest.mark.parametrize("n_rules", [3, 30])
def test_the_rule_list_costs_the_same_queries_for_3_and_30_rules(
    admin_client, world, n_rules, django_assert_num_queries
):
    from clients.models import SiteAssignment

    for i in range(n_rules):
        rule = MappingRule.objects.create(client=world["acme"], kind="name", pattern=f"acme-{i}*")
    SiteAssignment.objects.filter(site__name="acme-shop").update(source="rule", rule=rule)
    admin_client.get("/admin/clients/mappingrule/")  # sessions, permissions cached
    with django_assert_num_queries(QUERIES_RULE_LIST):
        response = admin_client.get("/admin/clients/mappingrule/")
    assert response.content.decode().count('class="field-matches"') == n_rules


QUERIES_RULE_LIST = 14  # however many rules: the plan and the match counts read every site once each; the branding


# --- Branding -------------------------------------------------------------------------------------------


def test_the_branding_list_goes_straight_to_the_one_row(admin_client, db):
    response = admin_client.get("/admin/clients/agencybranding/")
    assert response.status_code == 302
    assert response.url == f"/admin/clients/agencybranding/{AgencyBranding.SINGLETON_PK}/change/"


# --- Invitations and passwords --------------------------------------------------------------------------


def invite(admin_client, client_obj, email: str):
    return admin_client.post(f"/admin/clients/client/{client_obj.pk}/invite/", {"email": email}, follow=True)


def link_in(message) -> str:
    return re.search(r"http://testserver(/reset/\S+/)", message.body).group(1)


def test_an_invitation_creates_a_client_user_and_mails_a_set_password_link(admin_client, world, client):
    branding = AgencyBranding.get()
    branding.name, branding.sender_name, branding.reply_to = "Northpeak", "Northpeak Reports", "team@northpeak.example"
    branding.save()

    response = invite(admin_client, world["acme"], "Dana@Acme.example")

    assert "Sent an invitation to Dana@acme.example for Acme Corp." in response.content.decode()
    user = get_user_model().objects.get(email="Dana@acme.example")
    assert not user.has_usable_password() and not user.is_staff
    assert ClientMembership.objects.get(user=user).client == world["acme"]
    [message] = mail.outbox
    assert message.to == ["Dana@acme.example"]
    assert message.subject == "Northpeak invites you to the reports of Acme Corp"
    assert message.from_email == "Northpeak Reports <reports@localhost>"
    assert message.reply_to == ["team@northpeak.example"]

    link = link_in(message)
    form_page = client.get(link, follow=True)
    assert "Set your password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-long-new-pass-42", "new_password2": "a-long-new-pass-42"},
        follow=True,
    )
    assert "Your password is set" in done.content.decode()
    assert client.login(username=user.username, password="a-long-new-pass-42")
    assert "no longer works" in client.get(link, follow=True).content.decode()  # one use only


def test_an_invitation_link_expires(admin_client, world, client, settings):
    invite(admin_client, world["acme"], "late@acme.example")
    link = link_in(mail.outbox[0])
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)):
        assert "no longer works" in client.get(link, follow=True).content.decode()


def test_an_invitation_mail_keeps_hostile_names_as_plain_text(admin_client, db):
    evil = Client.objects.create(name="Müller & Söhne <b>", slug="mueller")
    invite(admin_client, evil, "m@mueller.example")
    assert "Müller & Söhne <b>" in mail.outbox[0].subject
    assert "&amp;" not in mail.outbox[0].body


def test_the_invitation_is_written_in_the_clients_language(admin_client, world, monkeypatch):
    from django.utils import translation

    from clients import invitations

    languages = []
    real_render = invitations.render_to_string

    def recording_render(*args, **kwargs):
        languages.append(translation.get_language())
        return real_render(*args, **kwargs)

    monkeypatch.setattr(invitations, "render_to_string", recording_render)
    invite(admin_client, world["globex"], "kunde@globex.example")  # Globex's reports are in German
    invite(admin_client, world["acme"], "dana@acme.example")
    assert languages == ["de", "de", "en", "en"]  # subject and body of each
    assert len(mail.outbox) == 2


def test_it_will_not_invite_staff_or_another_clients_user(admin_client, world, staff_user, client_b_user):
    for email in (staff_user.email, client_b_user.email):
        response = invite(admin_client, world["acme"], email)
        assert response.status_code == 200
        assert "agency staff" in response.content.decode() or "another client" in response.content.decode()
    assert ClientMembership.objects.get(user=client_b_user).client == world["globex"]
    assert not hasattr(get_user_model().objects.get(pk=staff_user.pk), "client_membership")
    assert mail.outbox == []


def test_inviting_again_sends_a_fresh_link_to_the_same_user(admin_client, world):
    invite(admin_client, world["acme"], "dana@acme.example")
    invite(admin_client, world["acme"], "DANA@acme.example")
    assert get_user_model().objects.filter(email__iexact="dana@acme.example").count() == 1
    assert len(mail.outbox) == 2


def test_a_client_user_can_reset_their_password(client, client_a_user):
    response = client.post("/password-reset/", {"email": client_a_user.email}, follow=True)
    assert "Check your e-mail" in response.content.decode()
    [message] = mail.outbox
    link = re.search(r"http://testserver(/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "fresh-pass-9876", "new_password2": "fresh-pass-9876"}
    )
    assert client.login(username=client_a_user.username, password="fresh-pass-9876")


def test_an_invited_user_whose_link_expired_can_ask_for_a_new_one(admin_client, world, client):
    invite(admin_client, world["acme"], "dana@acme.example")
    client.post("/password-reset/", {"email": "dana@acme.example"})
    assert len(mail.outbox) == 2 and "/reset/" in mail.outbox[1].body


def test_a_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, db):
    response = client.post("/password-reset/", {"email": "nobody@example.com"}, follow=True)
    assert "Check your e-mail" in response.content.decode()
    assert mail.outbox == []


# A sender name with a line break, saved before the branding validated it (or by code that skipped that).
BROKEN_SENDER = "Northpeak\r\nBcc: victim@example.com"
FLATTENED_SENDER = '"Northpeak Bcc: victim@example.com" <reports@localhost>'


def save_past_validation(**fields) -> None:
    AgencyBranding.get()
    AgencyBranding.objects.update(**fields)


def test_the_branding_page_refuses_a_sender_name_with_a_line_break(admin_client):
    AgencyBranding.get()
    url = f"/admin/clients/agencybranding/{AgencyBranding.SINGLETON_PK}/change/"
    data = {"name": "Northpeak", "brand_color": "#4b2fd1", "sender_name": BROKEN_SENDER, "reply_to": ""}

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "Use a single line without line breaks" in response.content.decode()
    assert AgencyBranding.get().sender_name == ""


def test_an_invitation_goes_out_on_one_line_whatever_sender_name_was_saved(admin_client, world):
    save_past_validation(sender_name=BROKEN_SENDER)

    response = invite(admin_client, world["acme"], "dana@acme.example")

    assert response.status_code == 200
    [message] = mail.outbox
    assert message.from_email == FLATTENED_SENDER
    assert message.message()["Bcc"] is None


def test_a_password_reset_goes_out_on_one_line_whatever_sender_name_was_saved(client, client_a_user):
    save_past_validation(sender_name=BROKEN_SENDER)

    client.post("/password-reset/", {"email": client_a_user.email})

    [message] = mail.outbox  # before, Django's reset form swallowed the BadHeaderError: no mail, no error
    assert message.from_email == FLATTENED_SENDER
    assert message.message()["Bcc"] is None


def test_an_invitation_whose_e_mail_cannot_be_built_invites_nobody(admin_client, world, monkeypatch):
    from clients import invitations

    monkeypatch.setattr(invitations, "email_sender", lambda **kwargs: ("Evil\nBcc: v@example.com <r@localhost>", []))

    response = invite(admin_client, world["acme"], "dana@acme.example")

    assert response.status_code == 200
    assert "could not be built" in response.content.decode()
    assert not get_user_model().objects.filter(email__iexact="dana@acme.example").exists()
    assert mail.outbox == []


def test_an_invitation_the_mail_server_refuses_invites_nobody(admin_client, world, monkeypatch):
    from django.core.mail import EmailMessage

    def refuse(self, fail_silently=False):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("Connection refused")

    monkeypatch.setattr(EmailMessage, "send", refuse)

    response = invite(admin_client, world["acme"], "dana@acme.example")

    assert "could not be sent (Connection refused)" in response.content.decode()
    assert not get_user_model().objects.filter(email__iexact="dana@acme.example").exists()
    assert not ClientMembership.objects.filter(user__email__iexact="dana@acme.example").exists()


def png(size: tuple[int, int], *, mode: str = "RGB") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format="PNG")
    return buffer.getvalue()


def upload_agency_logo(admin_client, name: str, content: bytes):
    AgencyBranding.get()
    url = f"/admin/clients/agencybranding/{AgencyBranding.SINGLETON_PK}/change/"
    data = {"name": "Northpeak", "brand_color": "#4b2fd1", "sender_name": "", "reply_to": "",
            "logo": SimpleUploadedFile(name, content, content_type="image/png")}  # fmt: skip
    return admin_client.post(url, data)


def test_an_uploaded_logo_is_stored_as_a_clean_png(admin_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    polyglot = png((200, 80)) + b"<html><script>alert(document.cookie)</script></html>"

    response = upload_agency_logo(admin_client, "logo.png", polyglot)

    assert response.status_code == 302
    logo = AgencyBranding.get().logo
    stored = logo.read()
    logo.close()
    assert logo.name.startswith("agency/") and logo.name.endswith(".png")
    assert b"<script" not in stored and stored.endswith(b"IEND\xaeB`\x82")


def test_an_oversized_logo_is_refused_with_a_message_and_not_stored(admin_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    response = upload_agency_logo(admin_client, "logo.png", png((12_000, 12_000), mode="1"))

    assert response.status_code == 200
    assert "The logo is 12000 x 12000 pixels" in response.content.decode()
    assert not AgencyBranding.get().logo
    assert not any(tmp_path.rglob("*.png"))


def test_the_login_page_links_to_the_password_reset(client, db):
    html = client.get("/login/").content.decode()
    assert 'href="/password-reset/"' in html and "Forgot your password?" in html


def test_the_site_picker_on_a_clients_page_offers_only_unmapped_sites(admin_client, world):
    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": "clients", "model_name": "siteassignment", "field_name": "site", "term": ""},
    )
    assert {item["text"] for item in response.json()["results"]} == {"Initech", "Initech Blog"}


def test_a_clients_page_runs_the_same_queries_for_2_or_12_sites(admin_client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import add_points, assign

    acme = world["acme"]

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as context:
            assert admin_client.get(f"/admin/clients/client/{acme.pk}/change/").status_code == 200
        return len(context.captured_queries)

    before = queries_for_page()
    extra = [make_site(world["initech"].account, name=f"extra-{i}") for i in range(10)]
    for site in extra:
        add_points(site.live, metric="visits", days={timezone.now().date() - timedelta(days=2): 5})
    assign(extra, acme)
    # The inline's totals are subqueries of its one query: no query per site.
    assert queries_for_page() == before


def test_the_client_list_searches_contact_e_mails(admin_client, world):
    response = admin_client.get("/admin/clients/client/?q=reports@acme")
    assert [c.slug for c in response.context["cl"].result_list] == ["acme"]
