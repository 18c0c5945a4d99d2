"""Custom lead fields end to end: an admin defines a `select` field at /admin/fields, a manager sets it
on a lead through the lead form, then filters the list by it and sees only that lead.

The admin page's contract (form fields `entity`=lead, `key`, `label`, `type`=select, `options` one per
line, `active`) is what this test types into; the lead form names the field `cf_<key>`.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from leadboard_ui import create_lead, unique


def define_select_field(page, key: str, label: str, options: list[str]) -> int:
    page.goto("/admin/fields/new")
    page.fill("#key", key)
    page.fill("#label", label)
    page.select_option("#type", "select")
    page.fill("#options", "\n".join(options))
    active = page.locator("#active")
    if not active.is_checked():
        active.check()
    page.get_by_role("button", name="Create field").click()
    expect(page.locator(".flash")).to_have_text(f"Added field {label}.")
    href = page.locator("#custom-fields tr").filter(has_text=key).get_by_role("link", name=re.compile("^Edit")).get_attribute("href")
    return int(re.search(r"/admin/fields/(\d+)/edit", href).group(1))


def deactivate_field(page, field_id: int) -> None:
    """Leaves the shared server without the extra field, so later test files see the usual forms."""
    page.goto(f"/admin/fields/{field_id}/edit")
    page.locator("#active").uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Save field").click()


def test_admin_adds_a_select_field_manager_sets_it_and_filters_the_list_by_it(login_as):
    key = "tier_" + uuid.uuid4().hex[:6]
    label = "Tier " + key[-6:]
    admin = login_as("admin")
    field_id = define_select_field(admin, key, label, ["Bronze", "Silver", "Gold"])
    try:
        manager_sets_it_and_filters(login_as("manager"), key, label)
    finally:
        deactivate_field(admin, field_id)


def manager_sets_it_and_filters(manager, key: str, label: str) -> None:
    gold = unique("Gold Lead")
    plain = unique("Plain Lead")
    gold_id = create_lead(manager, gold)
    create_lead(manager, plain)

    # The lead form shows the field as a select with a blank choice; set it and save.
    manager.goto(f"/leads/{gold_id}/edit")
    field = manager.get_by_label(label)
    expect(field).to_have_attribute("name", f"cf_{key}")
    expect(field.locator("option").first).to_have_text("—")
    field.select_option("Gold")
    manager.get_by_role("button", name="Save changes").click()
    expect(manager).to_have_url(re.compile(rf"/leads/{gold_id}$"))
    # The lead page shows the value, and the activity records the change.
    details = manager.locator("dl.details")
    expect(details.locator("dt", has_text=label)).to_have_count(1)
    expect(details).to_contain_text("Gold")
    expect(manager.locator("body")).to_contain_text(f"{label}: — → Gold")

    # The list's filter form offers the field; choosing Gold shows that lead only.
    manager.goto("/leads")
    manager.locator(f"select#cf_{key}").select_option("Gold")
    with manager.expect_navigation():
        manager.get_by_role("button", name="Filter").click()
    expect(manager).to_have_url(re.compile(rf"cf_{key}=Gold"))
    rows = manager.locator("table.leads tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(gold)
    expect(manager.locator("table.leads")).not_to_contain_text(plain)

    # The field as an extra column, chosen in the filter form.
    manager.locator("details.columns-chooser summary").click()
    manager.locator(f"#column-cf_{key}").check()
    with manager.expect_navigation():
        manager.get_by_role("button", name="Filter").click()
    expect(manager.locator("table.leads thead")).to_contain_text(label)
    expect(rows.first.locator("td.col-custom")).to_contain_text("Gold")
