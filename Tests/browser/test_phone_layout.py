"""Phone layout (issue 10): the main pages at 390×844 without sideways scrolling, the navigation as a
`<details>` menu that needs no script, lead cards, readable chart labels, `tel:` links, money that
never wraps, and a dashboard grid without an orphan tile at 1280 px.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import login
from leadboard_ui import create_lead, unique

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

# The phone as typed, and the link a phone can dial (digits and the leading +, built in Swift).
PHONE_TEXT = "+1 (555) 010-2000"
PHONE_HREF = "tel:+15550102000"
# The largest value one lead may have: sums on the dashboard run to 13+ characters of money.
BIG_VALUE = "999999999.99"

# Which users open which pages: admin pages are admins' only (others see the error page, which
# must fit too), the import is for managers and admins.
EVERYONE = ("manager", "executive", "admin")
MAIN_PAGES = {
    "dashboard": (EVERYONE, lambda lead: "/"),
    "lead list": (EVERYONE, lambda lead: "/leads"),
    "lead page": (EVERYONE, lambda lead: f"/leads/{lead}"),
    "new lead form": (EVERYONE, lambda lead: "/leads/new"),
    "edit lead form": (EVERYONE, lambda lead: f"/leads/{lead}/edit"),
    "board": (EVERYONE, lambda lead: "/board"),
    "reports": (EVERYONE, lambda lead: "/reports"),
    "activity": (EVERYONE, lambda lead: "/activity"),
    "account": (EVERYONE, lambda lead: "/account"),
    "admin users": (EVERYONE, lambda lead: "/admin/users"),
    "admin pipeline": (EVERYONE, lambda lead: "/admin/pipeline"),
    "admin fields": (EVERYONE, lambda lead: "/admin/fields"),
    "admin new field": (("admin",), lambda lead: "/admin/fields/new"),
    "import": (("manager", "admin"), lambda lead: "/leads/import"),
}


def overflow(page: Page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, innerWidth]")


def phone_lead(page: Page, prefix: str) -> tuple[int, str]:
    """A lead of the signed-in user with a phone number, a long name and the largest value."""
    name = unique(f"{prefix} Maximiliana Wolfeschlegelsteinhausen")
    lead_id = create_lead(page, name, company=unique("Very Long Company Name Holdings International"),
                          email="buyer@example.com", phone=PHONE_TEXT, value=BIG_VALUE)
    return lead_id, name


@pytest.mark.parametrize("role", ["manager", "executive", "admin"])
def test_main_pages_fit_a_390px_phone(role, login_as):
    page = login_as(role, viewport=PHONE)
    lead_id, _ = phone_lead(page, f"Phone {role}")
    for label, (roles, path) in MAIN_PAGES.items():
        if role not in roles:
            continue
        page.goto(path(lead_id))
        scroll_width, inner_width = overflow(page)
        assert scroll_width <= inner_width, f"{label} ({path(lead_id)}) as {role}: {scroll_width} px wide in {inner_width}"
    # The board may scroll its columns inside its own container, never the page.
    page.goto("/board")
    assert page.evaluate("document.querySelector('#board').scrollWidth > document.querySelector('#board').clientWidth")
    assert overflow(page)[0] <= PHONE["width"]


def test_navigation_is_a_details_menu_that_opens_without_javascript(new_page, users):
    page = new_page(viewport=PHONE, java_script_enabled=False)
    login(page, "admin")
    menu = page.locator("header details.navmenu")
    expect(menu).to_have_count(1)
    nav = menu.locator("nav.mainnav")
    links = nav.get_by_role("link")
    expect(menu.locator("summary")).to_be_visible()
    expect(nav).to_be_hidden()  # collapsed: one line of header, not three
    header_height = page.locator("header.topbar").bounding_box()["height"]
    assert header_height < 70, f"collapsed header is {header_height} px tall"

    menu.locator("summary").click()
    expect(menu).to_have_attribute("open", "")
    for name in ["Dashboard", "Leads", "Board", "Reports", "Activity", "Account", "Users", "Pipeline", "Custom fields"]:
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    for link in links.all():
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    with page.expect_navigation():
        nav.get_by_role("link", name="Reports", exact=True).click()
    expect(page).to_have_url(re.compile(r"/reports$"))
    assert overflow(page)[0] <= PHONE["width"]

    # On a wide screen the same menu shows its links in line, without opening anything.
    wide = new_page(viewport=DESKTOP, java_script_enabled=False)
    login(wide, "manager")
    expect(wide.locator("details.navmenu > summary")).to_be_hidden()
    expect(wide.locator("nav.mainnav").get_by_role("link", name="Board", exact=True)).to_be_visible()
    expect(wide.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.mark.parametrize("role", ["manager", "executive"])
def test_lead_list_shows_name_stage_and_value_on_a_phone(role, login_as):
    page = login_as(role, viewport=PHONE)
    _, name = phone_lead(page, f"Card {role}")
    page.goto("/leads")
    page.fill("#q", name.split()[-1])
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    row = page.locator("table.leads tbody tr")
    expect(row).to_have_count(1)
    parts = {
        "name": row.locator(".col-name a"),
        "stage": row.locator(".col-stage .badge"),
        "value": row.locator(".col-value"),
    }
    expect(parts["name"]).to_have_text(name)
    expect(parts["stage"]).to_have_text("New Lead")
    expect(parts["value"]).to_have_text("$999,999,999.99")
    for part, locator in parts.items():
        expect(locator).to_be_visible()
        box = locator.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{part} is outside the screen: {box}"
    value_lines = page.evaluate(
        "el => { const r = document.createRange(); r.selectNodeContents(el); return r.getClientRects().length }",
        parts["value"].element_handle())
    assert value_lines == 1, "the value breaks over lines"
    assert overflow(page)[0] <= PHONE["width"]


@pytest.mark.parametrize("role", ["manager", "executive"])
def test_chart_labels_are_readable_on_a_phone(role, login_as):
    page = login_as(role, viewport=PHONE)
    phone_lead(page, f"Chart {role}")  # at least one lead in the default range, so charts draw
    page.goto("/reports")
    texts = page.locator("svg.chart-svg text")
    expect(texts.first).to_be_visible()
    sizes = page.evaluate("""() => [...document.querySelectorAll('svg.chart-svg text')]
        .filter(t => t.getClientRects().length > 0)
        .map(t => [t.textContent, parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a,
                   t.getBoundingClientRect().left, t.getBoundingClientRect().right])""")
    assert len(sizes) >= 4
    small = [(text, size) for text, size, _, _ in sizes if size < 11]
    assert not small, f"chart text rendered under 11 px: {small[:5]}"
    outside = [(text, left, right) for text, _, left, right in sizes if left < 0 or right > PHONE["width"]]
    assert not outside, f"chart text outside the screen: {outside[:5]}"
    assert overflow(page)[0] <= PHONE["width"]


def test_report_dates_are_written_like_the_other_pages(login_as):
    page = login_as("manager", viewport=PHONE)
    page.goto("/reports?from=2026-09-04&to=2026-10-31")
    expect(page.locator("#from")).to_have_value("2026-09-04")  # the date inputs keep ISO days
    expect(page.get_by_text(re.compile(r"leads created from 4 Sep 2026 to 31 Oct 2026\."))).to_be_visible()
    body = page.locator("main").inner_text()
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", body), "an ISO date is shown as text on /reports"


@pytest.mark.parametrize("role", ["manager", "executive"])
def test_lead_page_puts_actions_first_and_links_the_phone(role, login_as):
    page = login_as(role, viewport=PHONE)
    lead_id, _ = phone_lead(page, f"Tel {role}")
    page.goto(f"/leads/{lead_id}")
    phone_link = page.locator(".details a[href^='tel:']")
    expect(phone_link).to_have_attribute("href", PHONE_HREF)
    expect(phone_link).to_have_text(PHONE_TEXT)  # shown as typed
    call = page.locator(".page-head .actions").get_by_role("link", name="Call")
    expect(call).to_be_visible()
    expect(call).to_have_attribute("href", PHONE_HREF)
    expect(page.locator(".page-head .actions").get_by_role("link", name="Move stage")).to_be_visible()
    details_top = page.locator("section.card", has=page.get_by_role("heading", name="Details")).bounding_box()["y"]
    assert call.bounding_box()["y"] < details_top, "the actions come before the details"
    value = page.locator(".details dd.money")
    expect(value).to_have_text("$999,999,999.99")
    assert value.bounding_box()["height"] < 2 * float(value.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)"))


@pytest.mark.parametrize("role", ["manager", "executive"])
def test_dashboard_money_stays_on_one_line_and_no_tile_is_alone(role, login_as):
    page = login_as(role, viewport=DESKTOP)
    phone_lead(page, f"Money {role}")  # the open value is now at least $999,999,999.99
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.goto("/")
        value = page.locator("#fig-open-value")
        assert len(value.inner_text()) >= len("$999,999,999.99")
        lines = value.evaluate("el => { const r = document.createRange(); r.selectNodeContents(el); return r.getClientRects().length }")
        assert lines == 1, f"{value.inner_text()} breaks at {viewport['width']} px"
        height = value.bounding_box()["height"]
        line_height = value.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)")
        assert height < 1.5 * line_height, f"the open value box is {height} px tall at {viewport['width']} px"
        box = value.bounding_box()
        tile = page.locator(".figures > .figure", has=value).bounding_box()
        assert box["x"] + box["width"] <= tile["x"] + tile["width"], "the value sticks out of its tile"
        assert overflow(page)[0] <= viewport["width"]

    # At 1280 px every row of tiles holds at least two.
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    tops = [round(box["y"]) for box in (t.bounding_box() for t in page.locator(".figures > .figure").all())]
    rows: dict[int, int] = {}
    for top in tops:
        rows[top] = rows.get(top, 0) + 1
    assert len(tops) >= 7
    assert all(count >= 2 for count in rows.values()), f"tiles per row at 1280 px: {rows}"
