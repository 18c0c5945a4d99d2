"""Destructive actions ask first: in a native <dialog> with JavaScript (Public/js/confirm.js), on a
confirmation page without it. The POST routes behind them are unchanged."""

import re

from playwright.sync_api import expect

from leadboard_ui import REFERENCE_RE, create_lead, unique


def lead_reference(page) -> str:
    return REFERENCE_RE.search(page.locator(".ref").inner_text()).group(0)


def test_deleting_a_lead_with_javascript_asks_in_a_dialog(login_as):
    page = login_as("manager")
    name = unique("Dialog Delete")
    lead_id = create_lead(page, name)
    reference = lead_reference(page)
    delete = page.get_by_role("link", name="Delete", exact=True)

    # Opening the dialog: labelled by its question, focus on Cancel, the page stays where it is.
    delete.click()
    dialog = page.get_by_role("dialog", name=f"Delete {reference}?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("An admin can restore it.")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    expect(page).to_have_url(re.compile(rf"/leads/{lead_id}$"))

    # Escape cancels and gives focus back to the link.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(delete).to_be_focused()

    # Cancel keeps the lead.
    delete.click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(delete).to_be_focused()
    page.reload()
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("text=This lead was deleted")).to_have_count(0)

    # Confirm sends the delete POST.
    delete.click()
    with page.expect_navigation():
        dialog.get_by_role("button", name="Delete lead").click()
    expect(page).to_have_url(re.compile(r"/leads$"))
    expect(page.locator(".flash")).to_have_text(f"Deleted {reference}. An admin can restore it.")
    assert page._leadboard_errors == []  # no script error or CSP violation on the way
    assert page.goto(f"/leads/{lead_id}").status == 404


def test_deleting_a_lead_without_javascript_goes_through_a_confirmation_page(login_as):
    page = login_as("manager", java_script_enabled=False)
    name = unique("Page Delete")
    lead_id = create_lead(page, name)
    reference = lead_reference(page)

    # The link opens the confirmation page; Cancel goes back and nothing changed.
    page.get_by_role("link", name="Delete", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/leads/{lead_id}/delete$"))
    expect(page.locator("h1")).to_have_text(f"Delete {reference}?")
    expect(page.locator("main")).to_contain_text(f"{name} leaves the lead list, the board and the reports. An admin can restore it.")
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(rf"/leads/{lead_id}$"))
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("text=This lead was deleted")).to_have_count(0)

    # Confirming on the page deletes it.
    page.get_by_role("link", name="Delete", exact=True).click()
    page.get_by_role("button", name="Delete lead").click()
    expect(page).to_have_url(re.compile(r"/leads$"))
    expect(page.locator(".flash")).to_have_text(f"Deleted {reference}. An admin can restore it.")
    assert page.goto(f"/leads/{lead_id}").status == 404


def test_removing_a_note_asks_in_a_dialog(login_as):
    page = login_as("sam")
    lead_id = create_lead(page, unique("Note Dialog"))
    body = unique("Remember the budget review")
    page.fill("#note-body", body)
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".flash")).to_have_text("Note added.")
    note = page.locator("#notes li.note").filter(has_text=body)

    note.get_by_role("link", name="Delete note").click()
    dialog = page.get_by_role("dialog", name="Delete this note?")
    expect(dialog).to_contain_text(f"“{body}” is deleted for good.")
    dialog.get_by_role("button", name="Cancel").click()
    expect(note).to_have_count(1)

    note.get_by_role("link", name="Delete note").click()
    with page.expect_navigation():
        dialog.get_by_role("button", name="Delete note").click()
    expect(page.locator(".flash")).to_have_text("Note deleted.")
    expect(page).to_have_url(re.compile(rf"/leads/{lead_id}(#notes)?$"))
    expect(page.locator("#notes li.note").filter(has_text=body)).to_have_count(0)
    assert page._leadboard_errors == []


def test_deactivating_a_user_asks_with_and_without_javascript(login_as, add_user, server):
    tag = unique("x").split()[1]
    user = add_user(f"deactivate-{tag}", f"deactivate-{tag}@example.com", f"Dee {tag}", "executive")
    user_id = server.sql("SELECT id FROM user WHERE email = ?", (user.email,))[0][0]

    # With JavaScript: unticking Active and saving opens the dialog; Cancel keeps the user active.
    page = login_as("admin")
    page.goto(f"/admin/users/{user_id}/edit")
    page.get_by_label("Active (can sign in)").uncheck()
    page.get_by_role("button", name="Save changes").click()
    dialog = page.get_by_role("dialog", name=f"Deactivate Dee {tag}?")
    expect(dialog).to_contain_text("can no longer sign in")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Save changes")).to_be_focused()
    assert server.sql("SELECT isActive FROM user WHERE id = ?", (user_id,))[0][0] == 1

    # Confirm saves the form.
    page.get_by_role("button", name="Save changes").click()
    with page.expect_navigation():
        dialog.get_by_role("button", name="Deactivate").click()
    expect(page.locator(".flash")).to_have_text(f"Saved Dee {tag}.")
    assert server.sql("SELECT isActive FROM user WHERE id = ?", (user_id,))[0][0] == 0
    assert page._leadboard_errors == []

    # Without JavaScript: reactivate, then deactivating shows a confirmation page first.
    plain = login_as("admin", java_script_enabled=False)
    plain.goto(f"/admin/users/{user_id}/edit")
    plain.get_by_label("Active (can sign in)").check()
    plain.get_by_role("button", name="Save changes").click()
    expect(plain.locator(".flash")).to_have_text(f"Saved Dee {tag}.")
    assert server.sql("SELECT isActive FROM user WHERE id = ?", (user_id,))[0][0] == 1
    plain.goto(f"/admin/users/{user_id}/edit")
    plain.get_by_label("Active (can sign in)").uncheck()
    plain.get_by_role("button", name="Save changes").click()
    expect(plain.locator("h1")).to_have_text(f"Deactivate Dee {tag}?")
    assert server.sql("SELECT isActive FROM user WHERE id = ?", (user_id,))[0][0] == 1
    plain.get_by_role("button", name="Deactivate").click()
    expect(plain.locator(".flash")).to_have_text(f"Saved Dee {tag}.")
    assert server.sql("SELECT isActive FROM user WHERE id = ?", (user_id,))[0][0] == 0
