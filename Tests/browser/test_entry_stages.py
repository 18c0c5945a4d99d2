"""New leads start in an entry stage; another stage on the create form is a move under the pipeline rules."""

from playwright.sync_api import expect

from leadboard_ui import search_leads, unique


def test_executive_cannot_create_a_lead_straight_in_won(login_as):
    page = login_as("sam")
    name = unique("Instant Win")
    page.goto("/leads/new")
    # Entry stages come first and New Lead is chosen; Won is among the stages reached by a move.
    expect(page.locator("#stage_id optgroup").first).to_have_attribute("label", "Start in")
    expect(page.locator("#stage_id")).to_have_value(page.locator("#stage_id option", has_text="New Lead").get_attribute("value"))
    page.fill("#name", name)
    page.fill("#value", "999,999,999")
    page.select_option("#stage_id", label="Won")
    page.get_by_role("button", name="Create lead").click()

    error = page.locator("#stage-hint + p.field-error")
    expect(error).to_have_text(
        "New leads start in New Lead. A lead in New Lead cannot move to Won. Allowed next: Contacted. Nothing was saved.")
    expect(page.locator("#value")).to_have_value("999,999,999")  # the input is kept for correcting
    expect(page.locator("#stage_id option:checked")).to_have_text("Won")
    expect(search_leads(page, name)).to_have_count(0)
