"""Mapping the synced agency's sites in Debian's Chromium: the unmapped-sites list, the bulk action
"Assign to client…", a new rule's preview and its apply, down to zero unmapped sites.

Screenshots land in artifacts/screenshots/ (mapping-*.png) for people to look at.
"""

from __future__ import annotations

import pytest

from clients.models import SiteAssignment
from kinsta_sync.models import Site
from kinsta_sync.sync import run_sync
from tests.conftest import login_in_browser
from tests.factories import make_client
from tests.personas import STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def unmapped_count(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.locator("#unmapped-count").get_attribute("data-count"))


def test_staff_map_every_synced_site_with_the_bulk_action_and_a_rule(
    page, live_server, account, agency_admin, screenshot_dir
):
    run_sync(account=account)  # the fake Kinsta over HTTP; no rules yet, so nothing is mapped
    total = Site.objects.count()
    assert total >= 4 and not SiteAssignment.objects.exists()
    make_client("Acme Corp", slug="acme")
    make_client("Globex", slug="globex")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    login_in_browser(page, live_server, agency_admin.username, STAFF_PASSWORD)

    # 1. The unmapped list: every synced site, hostile names as text.
    page.goto(f"{live_server.url}/admin/clients/unmappedsite/")
    assert unmapped_count(page) == total
    assert page.locator("#result_list tbody tr").count() == total
    page.screenshot(path=screenshot_dir / "mapping-1-unmapped.png", full_page=True)

    # 2. Select two sites and "Assign to client…": the intermediate page asks for the client.
    chosen = [page.locator("#result_list tbody tr").nth(i).locator("th small").inner_text() for i in (0, 1)]
    page.locator("#result_list tbody tr input.action-select").nth(0).check()
    page.locator("#result_list tbody tr input.action-select").nth(1).check()
    page.select_option("select[name=action]", "assign_to_client")
    page.click("button[name=index]")
    page.wait_for_selector("#assign-form")
    assert page.locator("ul.assign-sites li").count() == 2
    page.select_option("#id_client", label="Acme Corp")
    page.screenshot(path=screenshot_dir / "mapping-2-assign.png", full_page=True)
    page.click("#assign-form input[type=submit]")
    page.wait_for_selector("#unmapped-count")
    assert "Assigned 2 sites to Acme Corp." in page.locator("ul.messagelist").inner_text()
    assert unmapped_count(page) == total - 2
    for name in chosen:
        assert name not in page.locator("#result_list").inner_text()

    # 3. A rule for the rest: every live environment has a *.kinsta.cloud domain. "Save and preview".
    page.click("ul.object-tools a.addlink")
    page.wait_for_selector("#mappingrule_form")
    page.click("#mappingrule_form .select2-selection")  # the client field is an autocomplete
    page.fill(".select2-search__field", "Glob")
    page.click(".select2-results__option >> text=Globex")
    page.select_option("#id_kind", "domain")
    page.fill("#id_pattern", "*.kinsta.cloud")
    page.click("input[name=_preview]")
    page.wait_for_selector("#focus-rule")
    focus = page.locator("#focus-rule").inner_text()
    assert f"It would take {total - 2} sites" in focus
    assert all(name not in focus for name in chosen)  # mapped by hand: rules leave them alone
    page.screenshot(path=screenshot_dir / "mapping-3-preview.png", full_page=True)

    # The unmapped list now says what the rule would do with each site; back to the preview.
    page.goto(f"{live_server.url}/admin/clients/unmappedsite/")
    assert page.locator("td.field-suggestion", has_text="assign to Globex").count() == total - 2
    page.screenshot(path=screenshot_dir / "mapping-3b-suggestions.png", full_page=True)
    page.go_back()
    page.wait_for_selector("#focus-rule")

    # 4. Apply: exactly the previewed sites are assigned, and the list is down to zero.
    previewed = {text.strip("()") for text in page.locator("#focus-rule ul.rule-takes li small").all_inner_texts()}
    page.click("#apply-rules")
    page.wait_for_selector("#unmapped-count")
    assert unmapped_count(page) == 0
    assert "Every site on Kinsta belongs to a client." in page.locator("#unmapped-count").inner_text()
    page.screenshot(path=screenshot_dir / "mapping-4-done.png", full_page=True)

    # The client's page lists its sites (with their totals) and the rule that brought them.
    page.goto(f"{live_server.url}/admin/clients/client/")
    page.click("#result_list a >> text=Globex")
    page.wait_for_selector("#site_assignments-group")
    assert page.locator("#site_assignments-group tbody tr.has_original").count() == total - 2
    page.screenshot(path=screenshot_dir / "mapping-5-client.png", full_page=True)

    by_rule = set(SiteAssignment.objects.filter(source="rule").values_list("site__name", flat=True))
    assert by_rule == previewed and len(by_rule) == total - 2
    assert set(SiteAssignment.objects.filter(source="manual").values_list("client__slug", flat=True)) == {"acme"}
    assert dialogs == []  # no hostile site name ran as script on any page


def test_the_rule_list_shows_matches_and_assignments_under_whole_headers(
    page, live_server, account, agency_admin, screenshot_dir
):
    from clients.mapping import apply_mapping_rules
    from clients.models import MappingRule

    run_sync(account=account)
    globex = make_client("Globex", slug="globex")
    acme = make_client("Acme Corp", slug="acme")
    MappingRule.objects.create(client=globex, kind="domain", pattern="*.kinsta.cloud", priority=5)
    MappingRule.objects.create(client=acme, kind="name", pattern="*", priority=0)
    apply_mapping_rules()
    login_in_browser(page, live_server, agency_admin.username, STAFF_PASSWORD)
    page.goto(f"{live_server.url}/admin/clients/mappingrule/")
    header = page.locator("#result_list thead")
    for name in ("Matches now", "Has assigned", "Priority", "Is active"):
        cell = header.locator("th", has_text=name)
        assert cell.is_visible(), name
        # Whole: its text fits its cell, and the cell fits the list (no scrolling sideways to read it).
        assert cell.evaluate("th => th.scrollWidth <= th.clientWidth + 1"), name
        assert cell.evaluate(
            "th => th.getBoundingClientRect().right <= th.closest('.results').getBoundingClientRect().right + 1"
        ), name
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    total = Site.objects.count()
    assert f"{total} sites" in page.locator("#result_list").inner_text()
    assert "0 site(s)" not in page.locator("#result_list").inner_text()
    page.screenshot(path=screenshot_dir / "mapping-6-rules.png", full_page=True)
