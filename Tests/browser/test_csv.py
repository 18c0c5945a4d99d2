"""CSV export (the list's "Download CSV") and import (upload → preview → confirm) through the pages."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from leadboard_ui import REFERENCE_RE, create_lead, read_csv_download, search_leads, unique

EXPORT_COLUMNS = [
    "reference", "name", "email", "phone", "company", "source", "stage", "lost_reason", "owner_email", "value",
    "expected_close_date", "created_at", "updated_at", "score", "rating",
]
TIMESTAMP_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})")


def created_reference(page) -> str:
    """The reference from the "Created LEAD-…" flash that create_lead leaves on the lead page."""
    return REFERENCE_RE.search(page.locator(".flash").inner_text()).group(0)


def download_list_csv(page):
    """Click the list page's "Download CSV"; returns (download, raw text, {reference: row dict})."""
    with page.expect_download() as info:
        page.locator("#download-csv").click()
    download = info.value
    text, records = read_csv_download(download)
    assert records, "the CSV is empty (not even a header)"
    assert records[0] == EXPORT_COLUMNS
    rows = [dict(zip(records[0], record)) for record in records[1:]]
    assert all(len(record) == len(EXPORT_COLUMNS) for record in records[1:]), records
    by_reference = {row["reference"]: row for row in rows}
    assert len(by_reference) == len(rows), "a reference appears twice in the export"
    return download, text, by_reference


def test_download_csv_carries_filters_and_neutralises_formulas(login_as):
    page = login_as("manager")
    token = uuid.uuid4().hex[:10]
    company = f"Csvexp{token} Trading"  # one unusual word, so searching it finds only these leads

    formula_name = f"=SUM(1,2) {token}"
    formula_id = create_lead(page, formula_name, company=company, email=f"formula-{token}@example.org",
                             phone="+1 555 0199", value="1,234.50", source="Website", expected_close="2031-05-17")
    formula_ref = created_reference(page)
    plain_name = unique("Plain Export")
    create_lead(page, plain_name, company=company, value="99", stage="Contacted")
    plain_ref = created_reference(page)
    create_lead(page, unique("Unrelated Export"), company=unique("Elsewhere Inc"))  # must not be exported

    rows = search_leads(page, f"csvexp{token}")
    expect(rows).to_have_count(2)
    href = page.locator("#download-csv").get_attribute("href")
    assert href.startswith("/leads.csv?") and f"q=csvexp{token}" in href, href

    download, text, exported = download_list_csv(page)
    assert re.fullmatch(r"leads-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename), download.suggested_filename
    assert text.startswith(",".join(EXPORT_COLUMNS) + "\r\n")
    assert set(exported) == {formula_ref, plain_ref}

    formula = exported[formula_ref]
    assert formula["name"] == "'" + formula_name  # a spreadsheet must not evaluate it
    assert formula["phone"] == "'+1 555 0199"
    assert formula["email"] == f"formula-{token}@example.org"
    assert formula["company"] == company
    assert formula["source"] == "Website"
    assert formula["stage"] == "New Lead"
    assert formula["value"] == "1234.50"  # plain number: no currency sign, separators or quote
    assert formula["expected_close_date"] == "2031-05-17"
    assert TIMESTAMP_RE.fullmatch(formula["created_at"]), formula["created_at"]
    assert TIMESTAMP_RE.fullmatch(formula["updated_at"]), formula["updated_at"]

    plain = exported[plain_ref]
    assert plain["name"] == plain_name
    assert plain["stage"] == "Contacted"
    assert plain["value"] == "99.00"
    assert plain["phone"] == "" and plain["email"] == "" and plain["expected_close_date"] == ""
    assert plain["lost_reason"] == ""  # only a lost lead has one

    # the lead page still shows the name as typed: neutralisation is for the file only
    page.goto(f"/leads/{formula_id}")
    expect(page.locator("h1")).to_have_text(formula_name)


def test_executive_download_contains_only_own_leads(login_as, users):
    token = uuid.uuid4().hex[:10]
    company = f"Csvown{token} Group"
    riya = login_as("riya")
    create_lead(riya, unique("Riya Export"), company=company, value="10")
    riya_ref = created_reference(riya)

    sam = login_as("sam")
    create_lead(sam, unique("Sam Export"), company=company, value="20")
    sam_ref = created_reference(sam)

    sam.goto("/leads")
    expect(sam.locator("table.leads tbody tr").first).to_be_visible()
    _download, _text, exported = download_list_csv(sam)
    assert sam_ref in exported
    assert riya_ref not in exported
    owners = {row["owner_email"] for row in exported.values()}
    assert owners == {users["sam"].email}, owners


def test_import_preview_then_update_and_confirm(login_as, tmp_path):
    page = login_as("manager")
    token = uuid.uuid4().hex[:10]
    match_email = f"match-{token}@example.org"
    match_name = unique("Match Target")
    match_id = create_lead(page, match_name, company=f"Oldimp{token} Ltd", email=match_email, value="500")

    new_word = f"Newimp{token}"
    csv_path = tmp_path / "leads-import.csv"
    csv_path.write_text(
        "name,email,company,stage,source,value,expected_close_date,favourite_colour\r\n"
        f"{new_word} Alpha,alpha-{token}@example.org,{new_word} Co,New Lead,Referral,1500.00,2031-01-15,teal\r\n"
        f"{new_word} Beta,,{new_word} Co,Contacted,Event,250,,red\r\n"
        f"{new_word} Gamma,gamma-{token}@example.org,{new_word} Co,Negotiating,Website,10,,blue\r\n"
        f"{match_name},{match_email},Updimp{token} Ltd,New Lead,Website,2750.25,,green\r\n",
        encoding="utf-8")

    # -- upload from the list page's "Import CSV" link
    page.goto("/leads")
    page.get_by_role("link", name="Import CSV").click()
    expect(page).to_have_url(re.compile(r"/leads/import$"))
    page.set_input_files("#file", str(csv_path))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page).to_have_url(re.compile(r"/leads/import/[^/?#]+$"))
    preview_url = page.url
    expect(page.locator("h1")).to_have_text("Import leads-import.csv")

    # -- preview: counts, ignored column, the invalid row and its reason
    expect(page.locator("#preview-create")).to_have_text("2")
    expect(page.locator("#preview-matching")).to_have_text("1")
    expect(page.locator("#preview-invalid")).to_have_text("1")
    expect(page.locator("#import-preview")).to_contain_text("Nothing has been written yet.")
    expect(page.locator("#import-preview").filter(has_text="Ignored columns").locator("code")).to_have_text("favourite_colour")
    invalid = page.locator("#invalid-rows tbody tr")
    expect(invalid).to_have_count(1)
    expect(invalid.first.locator("td").nth(0)).to_have_text("4")
    expect(invalid.first.locator("td").nth(1)).to_have_text(re.compile(r"Unknown stage .Negotiating."))
    expect(page.locator("#import-preview strong")).to_have_text("skipped")
    expect(page.locator("#confirm-import")).to_have_text("Import 2 new, skip 1 matching")

    # the invalid rows download as CSV: the row as it was, plus line and error
    with page.expect_download() as info:
        page.get_by_role("link", name="Download invalid rows (CSV)").click()
    assert info.value.suggested_filename == "invalid-rows.csv"
    _text, records = read_csv_download(info.value)
    assert records[0][-2:] == ["line", "error"]
    assert len(records) == 2, records
    assert records[1][0] == f"{new_word} Gamma" and records[1][-2] == "4"
    assert "Negotiating" in records[1][-1]

    # nothing was written yet
    viewer = login_as("manager")
    expect(search_leads(viewer, new_word.lower())).to_have_count(0)
    expect(viewer.locator("section.empty")).to_contain_text("No leads match these filters.")

    # -- switch to updating the matching lead, then confirm
    page.goto(preview_url)
    page.get_by_role("link", name="update them instead").click()
    expect(page).to_have_url(re.compile(r"\?duplicates=update$"))
    expect(page.locator("#import-preview strong")).to_have_text("updated")
    expect(page.locator("#preview-create")).to_have_text("2")
    expect(page.locator("#preview-matching")).to_have_text("1")
    expect(page.locator("#preview-invalid")).to_have_text("1")
    expect(page.locator("#confirm-import")).to_have_text("Import 2 new, update 1 matching")
    page.locator("#confirm-import").click()

    expect(page).to_have_url(preview_url)
    expect(page.locator(".flash")).to_have_text("Imported: 2 created, 1 updated, 0 skipped.")
    expect(page.locator("#import-result")).to_be_visible()
    expect(page.locator("#result-created")).to_have_text("2")
    expect(page.locator("#result-updated")).to_have_text("1")
    expect(page.locator("#result-skipped")).to_have_text("0")
    expect(page.locator("#confirm-import")).to_have_count(0)

    # -- the new leads are found by search; the invalid row was left out
    rows = search_leads(viewer, new_word.lower())
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text=f"{new_word} Alpha").locator(".badge")).to_have_text("New Lead")
    expect(rows.filter(has_text=f"{new_word} Beta").locator(".badge")).to_have_text("Contacted")
    expect(rows.filter(has_text=f"{new_word} Gamma")).to_have_count(0)

    # -- the matching lead was updated, not duplicated
    viewer.goto(f"/leads/{match_id}")
    details = viewer.locator("dl.details")
    expect(details.locator("dt:text-is('Value') + dd")).to_have_text("$2,750.25")
    expect(details.locator("dt:text-is('Company') + dd")).to_have_text(f"Updimp{token} Ltd")
    expect(details.locator("dt:text-is('Source') + dd")).to_have_text("Website")
    expect(search_leads(viewer, f"match-{token}")).to_have_count(1)


def test_import_leaves_out_refused_stage_change_as_previewed(login_as, tmp_path):
    page = login_as("manager")
    token = uuid.uuid4().hex[:10]
    email = f"refused-{token}@example.org"
    name = unique("Refused Move")
    create_lead(page, name, email=email)  # New Lead, which may move on to Contacted only
    csv_path = tmp_path / "refused.csv"
    csv_path.write_text(
        "name,email,stage\r\n"
        f"Refimp{token} Fresh,fresh-{token}@example.org,New Lead\r\n"
        f"{name},{email},Won\r\n",
        encoding="utf-8")

    page.goto("/leads/import")
    page.set_input_files("#file", str(csv_path))
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_role("link", name="update them instead").click()
    expect(page.locator("#preview-create")).to_have_text("1")
    expect(page.locator("#preview-invalid")).to_have_text("1")
    expect(page.locator("#invalid-rows tbody tr td").nth(0)).to_have_text("3")
    expect(page.locator("#invalid-rows")).to_contain_text("Stage change refused")
    expect(page.locator("#invalid-rows")).to_contain_text("These rows will be left out.")

    page.locator("#confirm-import").click()
    # As previewed: the new lead is created, the refused row is left out.
    expect(page.locator("#import-result")).to_be_visible(timeout=3000)
    expect(page.locator("#result-created")).to_have_text("1")
    expect(search_leads(page, f"refimp{token}")).to_have_count(1)


def test_executive_cannot_import(login_as):
    page = login_as("sam")
    page.goto("/leads")
    expect(page.locator("#download-csv")).to_be_visible()
    expect(page.get_by_role("link", name="Import CSV")).to_have_count(0)

    response = page.goto("/leads/import")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text(re.compile(r"^403\b"))
    expect(page.locator("#file")).to_have_count(0)
