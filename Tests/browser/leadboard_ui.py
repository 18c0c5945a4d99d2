"""UI helpers shared by the lead and board browser tests (import: `from leadboard_ui import ...`).

Everything here drives the real pages the way a user would (forms, buttons); nothing pokes the
database. Each helper waits through Playwright's auto-waiting `expect`, never with sleeps.
"""

from __future__ import annotations

import csv
import io
import re
import uuid

from playwright.sync_api import Locator, Page, expect

REFERENCE_RE = re.compile(r"LEAD-\d{6}-\d{5}")


def unique(prefix: str) -> str:
    """A name no other test (or earlier run against the same server) uses: "Prefix 1a2b3c4d"."""
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def money_to_cents(text: str) -> int:
    """"$1,234.50" -> 123450 (also "-$5.00")."""
    match = re.fullmatch(r"\s*(-?)\$([\d,]+)\.(\d{2})\s*", text)
    assert match, f"not a money amount: {text!r}"
    sign, whole, fraction = match.groups()
    cents = int(whole.replace(",", "")) * 100 + int(fraction)
    return -cents if sign else cents


def create_lead(page: Page, name: str, *, company: str = "", email: str = "", phone: str = "", value: str = "",
                stage: str | None = None, source: str | None = None, expected_close: str = "") -> int:
    """Fill /leads/new and press "Create lead"; returns the new lead's id (from /leads/{id})."""
    page.goto("/leads/new")
    page.fill("#name", name)
    if email:
        page.fill("#email", email)
    if phone:
        page.fill("#phone", phone)
    if company:
        page.fill("#company", company)
    if source:
        page.select_option("#source", label=source)
    if value:
        page.fill("#value", value)
    if expected_close:
        page.fill("#expected_close_date", expected_close)
    if stage:
        page.select_option("#stage_id", label=stage)
    page.get_by_role("button", name="Create lead").click()
    expect(page).to_have_url(re.compile(r"/leads/\d+$"))
    expect(page.locator(".flash")).to_have_text(re.compile(r"^Created LEAD-\d{6}-\d{5}\.$"))
    expect(page.locator("h1")).to_have_text(name)
    return int(re.search(r"/leads/(\d+)$", page.url).group(1))


def task_item(page: Page, task_name: str) -> Locator:
    return page.locator("#tasks li.task").filter(has=page.locator("strong", has_text=task_name))


def complete_task(page: Page, lead_id: int, task_name: str, note: str = "") -> None:
    """On the lead page, press "Complete" on the (open) task called `task_name`."""
    page.goto(f"/leads/{lead_id}")
    item = task_item(page, task_name)
    expect(item).to_have_class(re.compile(r"\btask-open\b"))
    if note:
        item.locator("input[name=note]").fill(note)
    item.get_by_role("button", name="Complete").click()
    expect(page.locator(".flash")).to_have_text("Task completed.")
    expect(task_item(page, task_name).first).to_have_class(re.compile(r"\btask-done\b"))


# --------------------------------------------------------------------------- board


def column(page: Page, stage_name: str) -> Locator:
    """The board column of a stage (each is `section.column[aria-label=<stage name>]`)."""
    return page.locator(f'#board section.column[aria-label="{stage_name}"]')


def card(page: Page, lead_id: int) -> Locator:
    return page.locator(f'#board li.lead-card[data-lead-id="{lead_id}"]')


def column_stats(col: Locator) -> tuple[int, int]:
    """(count, sum in cents) as the column header shows them, read from the visible text."""
    count_text = col.locator(".column-stats .count").inner_text()
    sum_text = col.locator(".column-stats .sum").inner_text()
    return int(count_text.replace(",", "")), money_to_cents(sum_text)


def expect_column_stats(col: Locator, count: int, cents: int) -> None:
    """Waits until the header shows `count` and the sum of `cents` (text and data attributes agree)."""
    expect(col.locator(".column-stats .count")).to_have_text(f"{count:,}")
    expect(col.locator(".column-stats .count")).to_have_attribute("data-count", str(count))
    expect(col.locator(".column-stats .sum")).to_have_attribute("data-sum-cents", str(cents))
    assert money_to_cents(col.locator(".column-stats .sum").inner_text()) == cents


def stage_history(page: Page) -> list[dict[str, str]]:
    """Rows of the lead page's Stage history: stage (first line of the cell), left, current flag."""
    rows = []
    for row in page.locator("#history tbody tr").all():
        cells = row.locator("td")
        rows.append({
            "stage": cells.nth(0).inner_text().strip().splitlines()[0].strip(),
            "stage_cell": cells.nth(0).inner_text().strip(),
            "left": cells.nth(2).inner_text().strip(),
            "current": "current" in (row.get_attribute("class") or "").split(),
        })
    return rows


# --------------------------------------------------------------------------- list, search and CSV


def search_leads(page: Page, q: str) -> Locator:
    """Search /leads through the filter form; returns the result rows (may be none)."""
    page.goto("/leads")
    page.fill("#q", q)
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    return page.locator("table.leads tbody tr")


def read_csv_download(download) -> tuple[str, list[list[str]]]:
    """(raw text, parsed records) of a Playwright Download holding a UTF-8 CSV file."""
    with open(download.path(), "rb") as fh:
        text = fh.read().decode("utf-8")
    return text, list(csv.reader(io.StringIO(text, newline="")))
