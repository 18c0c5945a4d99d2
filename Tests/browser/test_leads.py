"""Leads through the real pages: create, note, file upload/download, search, validation."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from leadboard_ui import REFERENCE_RE, complete_task, create_lead, unique


def test_executive_creates_lead_adds_note_and_file_then_finds_it(login_as, users):
    page = login_as("sam")
    token = uuid.uuid4().hex[:10]
    company = f"Quorvex{token} Holdings"  # one unusual word, so a prefix of it finds only this lead
    name = unique("Priya Browser")

    # -- create through the form
    lead_id = create_lead(page, name, company=company, email="priya@example.org", phone="+1 555 0100",
                          value="12,345.60", source="Website", expected_close="2031-05-17")
    flash = page.locator(".flash").inner_text()
    reference = REFERENCE_RE.search(flash).group(0)
    expect(page.locator(".ref")).to_have_text(reference)
    details = page.locator("dl.details")
    expect(details.locator("dt:text-is('Company') + dd")).to_have_text(company)
    expect(details.locator("dt:text-is('Email') + dd a")).to_have_attribute("href", "mailto:priya@example.org")
    expect(details.locator("dt:text-is('Value') + dd")).to_have_text("$12,345.60")
    expect(details.locator("dt:text-is('Source') + dd")).to_have_text("Website")
    expect(details.locator("dt:text-is('Owner') + dd")).to_have_text(users["sam"].name)  # executives own what they add
    expect(page.locator("#move .badge")).to_have_text("New Lead")
    expect(page.locator("#tasks li.task").filter(has_text="Initial contact")).to_have_count(1)

    # -- add a note
    note = f"Called about pricing ({token}).\nSecond line & <b>no markup</b>."
    page.fill("#note-body", note)
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".flash")).to_have_text("Note added.")
    expect(page).to_have_url(re.compile(rf"/leads/{lead_id}(#notes)?$"))
    added = page.locator("#notes li.note").filter(has_text=token)
    expect(added).to_have_count(1)
    expect(added.locator(".note-body")).to_have_text(note)  # shown as text, not HTML
    expect(added.locator(".note-meta strong")).to_have_text(users["sam"].name)
    expect(added.locator("b")).to_have_count(0)
    expect(page.locator("#note-body")).to_have_value("")

    # -- upload a small text file, then download it again through the listed link
    content = f"Leadboard browser test file {token}\nline two: ünïcödé ✓\n".encode()
    page.set_input_files("#file", files=[{"name": "call notes.txt", "mimeType": "text/plain", "buffer": content}])
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".flash")).to_have_text("Uploaded call notes.txt.")
    link = page.locator("#files ul.files li a", has_text="call notes.txt")
    expect(link).to_have_count(1)
    href = link.get_attribute("href")
    assert re.fullmatch(r"/attachments/\d+", href), href
    file_row = page.locator("#files ul.files li").filter(has=page.locator("a", has_text="call notes.txt"))
    expect(file_row).to_contain_text(users["sam"].name)

    response = page.context.request.get(href)  # shares the page's session cookie
    assert response.status == 200
    assert response.body() == content
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "call notes.txt" in response.headers["content-disposition"]

    # ...and clicking the link really downloads the same bytes
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "call notes.txt"
    with open(download.path(), "rb") as fh:
        assert fh.read() == content

    # -- find it by typing a prefix of the company name into the search on /leads
    page.goto("/leads")
    page.fill("#q", f"quorvex{token[:6]}")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/leads\?.*q=quorvex"))
    rows = page.locator("table.leads tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(name)
    expect(rows.first).to_contain_text(company)
    expect(rows.first).to_contain_text(reference)
    expect(rows.first.locator(".badge")).to_have_text("New Lead")
    expect(page.locator("#q")).to_have_value(f"quorvex{token[:6]}")
    with page.expect_navigation():
        rows.first.get_by_role("link", name=name).click()
    expect(page).to_have_url(re.compile(rf"/leads/{lead_id}$"))

    # a search that matches nothing says so
    page.goto("/leads")
    page.fill("#q", f"nomatch{token}")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("section.empty")).to_contain_text("No leads match these filters.")


def test_lead_form_validation_keeps_input(login_as):
    page = login_as("sam")
    page.goto("/leads/new")
    company = unique("Validation Co")

    # A truly empty name is not left to the browser's tooltip (the form has `novalidate`): the server
    # answers with the field's message.
    page.fill("#company", company)
    with page.expect_navigation():
        page.get_by_role("button", name="Create lead").click()
    expect(page).to_have_url(re.compile(r"/leads$"))
    expect(page.locator("#name + p.field-error")).to_have_text("Name is required.")
    expect(page.locator("#company")).to_have_value(company)

    # Blanks get past the browser; the server trims them and answers with the field's message.
    page.fill("#name", "   ")
    page.fill("#email", "val@example.net")
    page.fill("#phone", "(030) 123-45")
    page.fill("#value", "1,250.50")
    page.fill("#expected_close_date", "2030-02-03")
    page.select_option("#source", label="Referral")
    page.select_option("#stage_id", label="Contacted")
    with page.expect_navigation():  # the page before shows the same message: wait for the new one
        page.get_by_role("button", name="Create lead").click()

    expect(page.locator(".error-summary a")).to_have_text(["Name is required."])  # only the name is wrong
    expect(page.locator("#name + p.field-error")).to_have_text("Name is required.")
    expect(page.locator("p.field-error")).to_have_count(1)  # only the name is wrong
    expect(page.locator("#email")).to_have_value("val@example.net")
    expect(page.locator("#phone")).to_have_value("(030) 123-45")
    expect(page.locator("#company")).to_have_value(company)
    expect(page.locator("#value")).to_have_value("1,250.50")
    expect(page.locator("#expected_close_date")).to_have_value("2030-02-03")
    expect(page.locator("#source option:checked")).to_have_text("Referral")
    expect(page.locator("#stage_id option:checked")).to_have_text("Contacted")

    # Fix the name and the same form goes through.
    name = unique("Fixed Name")
    page.fill("#name", name)
    page.get_by_role("button", name="Create lead").click()
    expect(page.locator(".flash")).to_have_text(re.compile(r"^Created LEAD-\d{6}-\d{5}\.$"))
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("dl.details dt:text-is('Company') + dd")).to_have_text(company)
    expect(page.locator("#move .badge")).to_have_text("Contacted")


def test_lead_page_fits_narrow_screen(login_as):
    page = login_as("manager", viewport={"width": 360, "height": 740})
    lead_id = create_lead(page, unique("Narrow Lead"), company=unique("Tiny Screens"), value="42")
    complete_task(page, lead_id, "Initial contact")
    page.goto(f"/leads/{lead_id}")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#history tbody tr")).to_have_count(1)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360, f"lead page overflows horizontally at 360px: scrollWidth={scroll_width}"
