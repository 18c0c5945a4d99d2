"""The board with thousands of leads (from `leadboard demo`), on a server of its own.

The shared session server stays small; this module starts a second server whose data dir was
filled by `leadboard demo` before it started (users first, as conftest does, so demo keeps our
known passwords).
"""

import re

import pytest
from playwright.sync_api import expect

from conftest import SEED_USERS, LeadboardServer, _new_context, login
from leadboard_ui import card, column, expect_column_stats, money_to_cents

DEMO_LEADS = 5000  # enough for more than 1,000 leads in the busiest columns
CARDS_PER_COLUMN = 50  # the board shows the 50 freshest cards of each stage
WIDE = {"width": 1920, "height": 1000}


@pytest.fixture(scope="module")
def bulk_server(leadboard_bin, tmp_path_factory):
    root = tmp_path_factory.mktemp("leadboard-bulk")
    data_dir = root / "data"
    data_dir.mkdir()
    srv = LeadboardServer(leadboard_bin, data_dir)
    for key, user in SEED_USERS.items():
        srv.add_user(key, user.email, user.name, user.role, user.password)
    srv.run("demo", "--data-dir", str(data_dir), "--leads", str(DEMO_LEADS), "--seed", "7")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def bulk_page(browser, bulk_server, request):
    ctx = _new_context(browser, bulk_server.base_url, viewport=WIDE)
    page = ctx.new_page()
    request.node.__dict__.setdefault("_leadboard_pages", []).append(page)
    login(page, "manager")
    yield page
    ctx.close()


def db_totals(srv: LeadboardServer) -> dict[str, tuple[int, int]]:
    rows = srv.sql(
        "SELECT stage.name, COUNT(lead.id), COALESCE(SUM(lead.valueCents), 0) FROM stage "
        "LEFT JOIN lead ON lead.stageId = stage.id AND lead.deletedAt IS NULL GROUP BY stage.id")
    return {name: (count, cents) for name, count, cents in rows}


def test_bulk_board_shows_exact_totals_and_caps_cards(bulk_page, bulk_server):
    page = bulk_page
    page.goto("/board")
    totals = db_totals(bulk_server)
    assert sum(count for count, _ in totals.values()) == DEMO_LEADS
    assert max(count for count, _ in totals.values()) > 1000

    columns = page.locator("#board section.column")
    expect(columns).to_have_count(6)
    for col in columns.all():
        stage = col.get_attribute("aria-label")
        count, cents = totals[stage]
        expect(col.locator(".count")).to_have_attribute("data-count", str(count))
        expect(col.locator(".sum")).to_have_attribute("data-sum-cents", str(cents))
        assert money_to_cents(col.locator(".sum").inner_text()) == cents, stage
        assert int(col.locator(".count").inner_text().replace(",", "")) == count, stage
        expect(col.locator("li.lead-card")).to_have_count(min(count, CARDS_PER_COLUMN))
        if count > CARDS_PER_COLUMN:
            show_all = col.locator("a.show-all")
            expect(show_all).to_have_text(f"Show all {count:,}")
            assert re.search(r"/leads\?.*stage=", show_all.get_attribute("href")), show_all.get_attribute("href")

    # The page still fits: the board scrolls, not the document.
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDE["width"]


def test_bulk_board_counts_read_the_same_before_and_after_a_drag(bulk_page, bulk_server):
    """After a drag, board.js swaps in both columns' headers as the server renders them (count and sum)."""
    page = bulk_page
    page.goto("/board")
    new_col, contacted_col = column(page, "New Lead"), column(page, "Contacted")
    new_count = int(new_col.locator(".count").get_attribute("data-count"))
    new_cents = int(new_col.locator(".sum").get_attribute("data-sum-cents"))
    contacted_count = int(contacted_col.locator(".count").get_attribute("data-count"))
    contacted_cents = int(contacted_col.locator(".sum").get_attribute("data-sum-cents"))
    assert new_count > 1000, "demo data should give New Lead more than 1,000 leads"

    first = new_col.locator("li.lead-card").first
    lead_id = int(first.get_attribute("data-lead-id"))
    value = int(first.get_attribute("data-value-cents"))
    first.drag_to(contacted_col)
    dialog = page.locator("#move-dialog")
    # Wait for the server's answer: a moved card's message, or the dialog when "Initial contact" is open.
    expect(page.locator("#move-dialog[open]").or_(page.locator("#board-message:not([hidden])"))).to_be_visible()
    if dialog.is_visible():  # demo leads usually still have their required task open: override it
        page.locator("#dialog-override").check()
        page.fill("#dialog-comment", "bulk board test")
        dialog.get_by_role("button", name="Move").click()
    expect(contacted_col.locator(f'li.lead-card[data-lead-id="{lead_id}"]')).to_have_count(1)
    expect_column_stats(new_col, new_count - 1, new_cents - value)  # the server's "1,309", swapped in
    expect_column_stats(contacted_col, contacted_count + 1, contacted_cents + value)

    page.goto("/board")  # a reload shows the same numbers as the headers the move answered with
    expect(card(page, lead_id)).to_be_visible()
    expect(column(page, "New Lead").locator(".count")).to_have_attribute("data-count", str(new_count - 1))
    expect(column(page, "Contacted").locator(".count")).to_have_attribute("data-count", str(contacted_count + 1))
    assert int(column(page, "New Lead").locator(".count").inner_text().replace(",", "")) == new_count - 1


def test_bulk_board_count_has_thousands_separator(bulk_page):
    page = bulk_page
    page.goto("/board")
    big = [col for col in page.locator("#board section.column").all()
           if int(col.locator(".count").get_attribute("data-count")) >= 1000]
    if not big:
        pytest.fail("demo data should give some column more than 1,000 leads")
    for col in big:
        count = int(col.locator(".count").get_attribute("data-count"))
        assert col.locator(".count").inner_text() == f"{count:,}", col.get_attribute("aria-label")
