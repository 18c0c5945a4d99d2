"""Keyboard use and form errors: the skip link, visible focus, focus on the error summary after a
failed submit and on the flash after a redirect, and server messages for fields the browser is not
trusted to check (the forms carry `novalidate`)."""

import re

from playwright.sync_api import Page, expect

from leadboard_ui import create_lead, unique


def focused_outline(page: Page) -> dict:
    """The computed outline of the focused element."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {tag: el.tagName, style: style.outlineStyle, width: parseFloat(style.outlineWidth)};
        }"""
    )


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(login_as):
    page = login_as("sam")
    page.goto("/leads")  # a page without a flash, so focus starts at the top of the document
    skip = page.locator("a.skip-link")
    expect(skip).not_to_be_in_viewport()  # out of sight until it is needed

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("Skip to main content")
    expect(skip).to_be_in_viewport()

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab continues inside main, past the header and its navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    assert page.evaluate("document.activeElement.closest('header') === null")


def test_focused_links_and_buttons_show_an_outline(login_as, page: Page):
    signed_in = login_as("sam")
    signed_in.goto("/leads")
    signed_in.keyboard.press("Tab")  # the skip link
    signed_in.keyboard.press("Tab")  # the brand link
    expect(signed_in.locator("a.brand")).to_be_focused()
    outline = focused_outline(signed_in)
    assert outline["tag"] == "A"
    assert outline["style"] != "none" and outline["width"] >= 2, outline

    page.goto("/login")
    page.locator("#password").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign in")).to_be_focused()
    outline = focused_outline(page)
    assert outline["tag"] == "BUTTON"
    assert outline["style"] != "none" and outline["width"] >= 2, outline


def test_an_empty_name_gets_the_server_message_and_focus_moves_to_the_summary(login_as):
    page = login_as("sam")
    page.goto("/leads/new")
    company = unique("Keyboard Co")
    page.fill("#company", company)
    # The browser does not stop the form (no tooltip): the server answers with its own message.
    with page.expect_navigation():
        page.get_by_role("button", name="Create lead").click()
    expect(page).to_have_url(re.compile(r"/leads$"))

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("h2")).to_have_text("There is a problem")
    link = summary.locator("a")
    expect(link).to_have_count(1)
    expect(link).to_have_text("Name is required.")
    expect(link).to_have_attribute("href", "#name")

    name = page.locator("#name")
    expect(page.locator("#name + p.field-error")).to_have_text("Name is required.")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_attribute("aria-describedby", "name-error")
    expect(page.locator("#name-error")).to_have_text("Name is required.")
    expect(page.locator("#company")).to_have_value(company)
    border = name.evaluate("el => getComputedStyle(el).borderTopWidth")
    assert float(border.rstrip("px")) >= 2, border  # visible without reading the colour

    # From the summary, the keyboard reaches the link, and the link puts focus in the field.
    page.keyboard.press("Tab")
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(name).to_be_focused()
    page.keyboard.type(unique("Fixed Name"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/leads/\d+$"))
    expect(page.locator(".flash")).to_be_focused()


def test_focus_goes_to_the_flash_after_a_redirect(login_as):
    page = login_as("sam")
    lead_id = create_lead(page, unique("Flash Focus"))
    expect(page).to_have_url(re.compile(rf"/leads/{lead_id}$"))
    flash = page.locator(".flash")
    expect(flash).to_contain_text("Created")
    expect(flash).to_be_focused()
    expect(flash).to_have_attribute("role", "status")


def test_empty_login_fields_get_server_messages(page: Page):
    page.goto("/login")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a")).to_have_text(["Enter your email address.", "Enter your password."])
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email-error")).to_have_text("Enter your email address.")
    expect(page.locator("#password")).to_have_attribute("aria-describedby", "password-error")


def test_a_summary_link_opens_the_folded_form_of_its_field(login_as):
    page = login_as("admin")
    page.goto("/admin/pipeline")
    stage = page.locator("section.stage-admin").first
    template_edit = stage.locator("details.edit-template").first
    if template_edit.count() == 0:  # give the first stage a task to edit
        stage.locator("input[name=name][placeholder='New task']").fill(unique("Keyboard task"))
        with page.expect_navigation():
            stage.get_by_role("button", name="Add task").click()
        stage = page.locator("section.stage-admin").first
        template_edit = stage.locator("details.edit-template").first
    template_edit.locator("summary").click()
    template_edit.locator("input[name=name]").fill("")
    with page.expect_navigation():
        template_edit.get_by_role("button", name="Save task").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    link = summary.locator("a")
    expect(link).to_have_text("Task name is required.")
    target = page.locator(link.get_attribute("href"))
    expect(target).to_have_attribute("aria-invalid", "true")
    link.click()
    expect(target).to_be_focused()
