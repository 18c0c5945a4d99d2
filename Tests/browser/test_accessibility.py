"""axe-core (WCAG 2.1 A/AA and best-practice rules) on every page and state the browser tests visit,
as manager and as executive (admin pages as admin), in the light and the dark colour scheme.

Any violation, of any impact, fails the test with axe's own report (rule, impact, the failing
elements and why). The data each state needs is created once per module through the real pages.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from typing import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from conftest import DEFAULT_TIMEOUT_MS, VIEWPORT, login, resolve_user
from leadboard_ui import card, column, create_lead, unique

AXE = Axe()
SCHEMES = ["light", "dark"]
WIDE = {"width": 1920, "height": 1000}  # the board's drag needs both columns on screen


@dataclasses.dataclass
class A11yData:
    """What the states look at: made once, through the UI, by `a11y_data`."""
    sam_lead: int = 0            # executive's lead: tasks (one done), a note, a file, several stages
    manager_lead: int = 0        # manager's own lead (an executive gets the 404 page for it)
    lost_lead: int = 0           # a lead in Lost with a reason
    import_preview: str = ""     # /leads/import/{token}: new, matching and invalid rows
    token: str = ""
    spare_user_email: str = ""   # a user whose deactivation is asked about (never confirmed)
    field_id: int = 0            # an inactive lead field (/admin/fields/{id}/edit): hidden from every other page
    task_with_fields: str = ""   # an open task on sam_lead whose template asks for completion fields


def _context(browser: Browser, base_url: str, scheme: str = "light", viewport: dict | None = None):
    ctx = browser.new_context(base_url=base_url, viewport=viewport or VIEWPORT, color_scheme=scheme,
                              accept_downloads=True)
    ctx.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return ctx


@pytest.fixture(scope="module")
def a11y_data(browser, base_url, tmp_path_factory, server) -> A11yData:
    data = A11yData(token=uuid.uuid4().hex[:8])
    data.spare_user_email = f"axe-{data.token}@example.org"
    server.add_user(f"axe-{data.token}", data.spare_user_email, "Axe Spare", "executive")

    ctx = _context(browser, base_url)
    page = ctx.new_page()
    login(page, "sam")
    # Leads in the stages whose badges failed contrast, so the list and the board show them.
    create_lead(page, unique("Axe Qualified"), company="Axe Co", value="1,200", stage="Qualified")
    data.sam_lead = create_lead(page, unique("Axe Sam"), company="Axe Holdings", email="axe@example.org",
                                phone="+1 555 0199", value="98,765.43", source="Referral",
                                expected_close="2031-03-04", stage="Proposal Sent")
    page.fill("#note-body", "Called about the proposal.\nSecond line.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".flash")).to_have_text("Note added.")
    page.set_input_files("#file", files=[{"name": "proposal.txt", "mimeType": "text/plain", "buffer": b"axe"}])
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".flash")).to_have_text("Uploaded proposal.txt.")
    open_task = page.locator("#tasks li.task-open").first
    if open_task.count():
        open_task.get_by_role("button", name="Complete").click()
        expect(page.locator(".flash")).to_have_text("Task completed.")
    ctx.close()

    ctx = _context(browser, base_url)
    page = ctx.new_page()
    login(page, "manager")
    data.manager_lead = create_lead(page, unique("Axe Manager"), company="Axe Managers", value="5",
                                    stage="Contacted")
    data.lost_lead = create_lead(page, unique("Axe Lost"), value="10", stage="Contacted")
    page.select_option("#move-stage", label="Lost")
    page.fill("#move-lost-reason", "Went with a competitor")
    page.locator("#move").get_by_role("button", name="Move").click()
    expect(page.locator("#move .badge")).to_have_text("Lost")

    csv_path = tmp_path_factory.mktemp("axe") / "axe-import.csv"
    csv_path.write_text(
        "name,email,company,stage,source,value\r\n"
        f"Axe Import {data.token},imp-{data.token}@example.org,Axe Imports,New Lead,Referral,100\r\n"
        f",bad-{data.token}@example.org,No Name Co,New Lead,Referral,1\r\n"
        f"Axe Bad Value {data.token},,Axe Imports,New Lead,Referral,lots\r\n"
        f"Axe Bad Stage {data.token},,Axe Imports,Nowhere,Referral,1\r\n", encoding="utf-8")
    page.goto("/leads/import")
    page.set_input_files("#file", str(csv_path))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page).to_have_url(re.compile(r"/leads/import/[^/?#]+$"))
    data.import_preview = page.url.removeprefix(base_url)
    ctx.close()

    # A custom lead field, made inactive so that no other page (lead form, list, CSV) shows it.
    ctx = _context(browser, base_url)
    page = ctx.new_page()
    login(page, "admin")
    page.goto("/admin/fields/new")
    page.fill("#key", f"axe_method_{data.token}")
    page.fill("#label", f"Axe method {data.token}")
    page.select_option("#type", "select")
    page.fill("#options", "Phone\nEmail\nVisit")
    page.locator("#active").uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Create field").click()
    expect(page.locator(".flash")).to_have_text(f"Added field Axe method {data.token}.")
    row = page.locator("#custom-fields tr").filter(has_text=f"axe_method_{data.token}")
    href = row.get_by_role("link", name=re.compile("^Edit")).get_attribute("href")
    data.field_id = int(re.search(r"/admin/fields/(\d+)/edit", href).group(1))
    ctx.close()

    # An open task on sam's lead whose template asks for completion fields. Made in the database: the
    # template sits on Won (leads reaching it later get an optional task), and this task is the only
    # one carrying it now, so no other test meets a required completion field.
    data.task_with_fields = f"Axe follow-up {data.token}"
    now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    won = server.sql("SELECT id FROM stage WHERE name = 'Won'")[0][0]
    server.sql("INSERT INTO taskTemplate (stageId, name, description, isRequired, position) VALUES (?, ?, '', 0, 99)",
               (won, data.task_with_fields))
    template = server.sql("SELECT id FROM taskTemplate WHERE name = ?", (data.task_with_fields,))[0][0]
    for position, (key, label, kind, required, help_text, rules) in enumerate([
        ("contact_method", "Contact method", "select", 1, "How you reached them.", '{"options":["Phone","Email","Visit"]}'),
        ("attempts", "Attempts", "integer", 0, "", '{"min":1}'),
        ("channels", "Channels", "multi_select", 0, "", '{"options":["Mobile","Landline"]}'),
    ]):
        server.sql("INSERT INTO customField (entity, taskTemplateId, key, label, type, isRequired, helpText, position, rules, createdAt) "
                   f"VALUES ('task', ?, ?, ?, ?, ?, ?, ?, ?, {now})", (template, key, label, kind, required, help_text, position, rules))
    server.sql("INSERT INTO leadTask (leadId, stageId, templateId, name, description, isRequired, position, status, createdAt) "
               f"SELECT id, stageId, ?, ?, 'Ask how they were reached.', 0, 99, 'open', {now} FROM lead WHERE id = ?",
               (template, data.task_with_fields, data.sam_lead))
    return data


# Active lead fields of several types, so that the lead form, lead page, list (filters, column chooser,
# extra columns) and board cards are checked with custom fields. Deactivated when the module ends, so
# that later test files see no extra fields.
A11Y_FIELDS = [
    # (key prefix, label, type, extra form fields, show on card)
    ("nick", "Axe nickname", "text", {"#help_text": "What they like to be called", "#placeholder": "e.g. Bob", "#max_length": "20"}, False),
    ("notes", "Axe notes", "long_text", {}, False),
    ("seats", "Axe seats", "integer", {"#min": "1", "#max": "500"}, True),
    ("news", "Axe newsletter", "boolean", {}, False),
    ("kickoff", "Axe kickoff", "date", {}, False),
    ("tier", "Axe tier", "select", {"#options": "Bronze\nSilver\nGold"}, True),
    ("products", "Axe products", "multi_select", {"#options": "CRM\nBilling"}, False),
]


def a11y_field_key(prefix: str, data: A11yData) -> str:
    return f"axe_{prefix}_{data.token}"


@pytest.fixture(scope="module", autouse=True)
def a11y_lead_fields(browser, base_url, a11y_data) -> list[int]:
    ctx = _context(browser, base_url)
    page = ctx.new_page()
    login(page, "admin")
    ids = []
    for prefix, label, kind, extra, on_card in A11Y_FIELDS:
        key = a11y_field_key(prefix, a11y_data)
        page.goto("/admin/fields/new")
        page.fill("#key", key)
        page.fill("#label", label)
        page.select_option("#type", kind)
        for selector, value in extra.items():
            page.fill(selector, value)
        page.locator("#active").check()
        if on_card:
            page.locator("#show_on_card").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Create field").click()
        expect(page.locator(".flash")).to_have_text(f"Added field {label}.")
        href = page.locator("#custom-fields tr").filter(has_text=key).get_by_role("link", name=re.compile("^Edit")).get_attribute("href")
        ids.append(int(re.search(r"/admin/fields/(\d+)/edit", href).group(1)))
    ctx.close()
    yield ids
    ctx = _context(browser, base_url)
    page = ctx.new_page()
    login(page, "admin")
    for field_id in ids:
        page.goto(f"/admin/fields/{field_id}/edit")
        page.locator("#active").uncheck()
        with page.expect_navigation():
            page.get_by_role("button", name="Save field").click()
    ctx.close()


# --------------------------------------------------------------------------- states
# Each state takes a signed-in page (or a fresh one for "anonymous") to the page and state to check.


def lead_new_custom_errors(page: Page, data: A11yData) -> None:
    """The lead form refused for its custom fields: a number out of range, a bad date, a long text."""
    page.goto("/leads/new")
    page.fill("#name", unique("Axe Custom"))
    page.fill(f"#cf_{a11y_field_key('seats', data)}", "9000")
    # A date input cannot hold 2026-02-30 and a maxlength stops typing: send them as a script could.
    page.evaluate(
        """([dateId, textId]) => {
            const date = document.getElementById(dateId); date.type = 'text'; date.value = '2026-02-30';
            const text = document.getElementById(textId); text.removeAttribute('maxlength'); text.value = 'x'.repeat(25);
        }""",
        [f"cf_{a11y_field_key('kickoff', data)}", f"cf_{a11y_field_key('nick', data)}"])
    with page.expect_navigation():
        page.get_by_role("button", name="Create lead").click()
    expect(page.locator(f"#cf_{a11y_field_key('seats', data)}-error")).to_be_visible()


def _submit_filter(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()


def leads_filtered(page: Page, data: A11yData) -> None:
    page.goto("/leads")
    page.select_option("#stage", label="Proposal Sent")
    page.select_option("#owner", index=1)
    _submit_filter(page)
    expect(page).to_have_url(re.compile(r"/leads\?"))


def leads_empty(page: Page, data: A11yData) -> None:
    page.goto("/leads")
    page.fill("#q", f"nomatch{data.token}")
    _submit_filter(page)
    expect(page.locator("section.empty")).to_be_visible()


def leads_filter_error(page: Page, data: A11yData) -> None:
    page.goto("/leads?created_from=not-a-date&q=%22unbalanced")


def lead_new_with_errors(page: Page, data: A11yData) -> None:
    page.goto("/leads/new")
    page.fill("#name", "   ")
    page.fill("#email", "not an email")
    page.fill("#value", "lots")
    page.evaluate("document.querySelector('form.lead-form').noValidate = true")
    with page.expect_navigation():
        page.get_by_role("button", name="Create lead").click()
    expect(page.locator(".field-error").first).to_be_visible()


def lead_edit_conflict(page: Page, data: A11yData) -> None:
    other = page.context.new_page()
    page.goto(f"/leads/{data.sam_lead}/edit")
    other.goto(f"/leads/{data.sam_lead}/edit")
    other.fill("#company", unique("Axe Holdings"))
    with other.expect_navigation():
        other.get_by_role("button", name=re.compile("^Save")).click()
    other.close()
    page.fill("#company", unique("Axe Conflict"))
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^Save")).click()
    expect(page.locator(".conflict").first).to_be_visible()


def lead_move_refused(page: Page, data: A11yData) -> None:
    """Moving to Lost without a reason: the move page with the refusal and the form again."""
    page.goto(f"/leads/{data.sam_lead}")
    page.select_option("#move-stage", label="Lost")
    with page.expect_navigation():
        page.locator("#move").get_by_role("button", name="Move").click()
    expect(page.locator(".form-error")).to_be_visible()


def board_dialog(page: Page, data: A11yData) -> None:
    page.set_viewport_size(WIDE)
    page.goto("/board")
    lead = data.sam_lead
    source, target = card(page, lead), column(page, "Lost")
    expect(source).to_be_in_viewport(ratio=1)
    source.drag_to(target)
    expect(page.locator("#move-dialog")).to_be_visible()


def import_preview(page: Page, data: A11yData) -> None:
    page.goto(data.import_preview)
    expect(page.locator("#import-preview")).to_be_visible()


def ask_confirmation(page: Page, trigger, script: bool) -> None:
    """Clicks what asks for a confirmation: with script a dialog opens, without it a confirmation page."""
    if script:
        trigger.click()
        expect(page.locator("#confirm-dialog")).to_be_visible()
    else:
        with page.expect_navigation():
            trigger.click()
        expect(page.locator(".confirm-page")).to_be_visible()


def confirmation(section: str, link_name: str, *, script: bool) -> Callable[[Page, A11yData], None]:
    def open_it(page: Page, data: A11yData) -> None:
        page.goto(f"/leads/{data.sam_lead}")
        link = page.locator(section).get_by_role("link", name=link_name, exact=True).first
        ask_confirmation(page, link, script)
    return open_it


def deactivation(where: str, *, script: bool) -> Callable[[Page, A11yData], None]:
    """Untick "Active" on a user's or a stage's form and save: asked in a dialog (script) or on a page."""
    def open_it(page: Page, data: A11yData) -> None:
        if where == "user":
            page.goto("/admin/users")
            row = page.locator("tr").filter(has_text=data.spare_user_email)
            with page.expect_navigation():
                row.get_by_role("link", name="Edit").click()
            form = page.locator("form").filter(has=page.locator("input[name=active]"))
            form.locator("input[name=active]").uncheck()
            button = form.get_by_role("button", name="Save changes")
        else:
            page.goto("/admin/pipeline")
            section = page.locator("section.stage-admin").filter(
                has=page.locator("h2 .badge", has_text=re.compile("^Won$")))
            section.locator("summary", has_text="Edit stage and rules").click()
            section.locator("input[name=active]").uncheck()
            button = section.get_by_role("button", name="Save stage")
        ask_confirmation(page, button, script)
    return open_it


def task_fields(page: Page, data: A11yData) -> None:
    """The completion fields of the first stage task template (reached from the pipeline page)."""
    page.goto("/admin/pipeline")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile(r"^Completion fields")).first.click()
    expect(page.locator("h1")).to_contain_text("Completion fields")


def field_refused(page: Page, data: A11yData) -> None:
    """An edit the rules refuse: an option removed and a bad default."""
    page.goto(f"/admin/fields/{data.field_id}/edit")
    page.fill("#options", "Phone\nPhone")
    page.fill("#default_value", "Fax")
    with page.expect_navigation():
        page.get_by_role("button", name="Save field").click()
    expect(page.locator(".field-error").first).to_be_visible()


def scoring_rules(page: Page, data: A11yData) -> None:
    """The scoring page with rules on it (added through the form the first time)."""
    page.goto("/admin/scoring")
    if page.locator(".scoring-rules li").count() == 0:
        for kind, field, choices, days, points in [("filled", "email", "", "", "10"), ("source", "", "Website\nReferral", "", "20"),
                                                   ("no_activity", "", "", "14", "-15")]:
            form = page.locator("#new-rule form")
            form.locator("select[name=kind]").select_option(kind)
            if field:
                form.locator("select[name=field]").select_option(field)
            form.locator("textarea[name=choices]").fill(choices)
            form.locator("input[name=days]").fill(days)
            form.locator("input[name=points]").fill(points)
            with page.expect_navigation():
                form.get_by_role("button", name="Add rule").click()
    expect(page.locator(".scoring-rules li").first).to_be_visible()


def scoring_edit_refused(page: Page, data: A11yData) -> None:
    """A rule's edit form sent without points: its messages inside the opened form."""
    scoring_rules(page, data)
    rule = page.locator(".scoring-rules li").first
    rule.locator("summary", has_text="Edit").click()
    rule.locator("input[name=points]").fill("")
    with page.expect_navigation():
        rule.get_by_role("button", name="Save rule").click()
    expect(page.locator(".field-error").first).to_be_visible()


def scoring_remove(script: bool) -> Callable[[Page, A11yData], None]:
    """Removing a scoring rule asks first: in a dialog (script) or on a page."""
    def open_it(page: Page, data: A11yData) -> None:
        scoring_rules(page, data)
        link = page.locator(".scoring-rules li").first.get_by_role("link", name=re.compile("^Remove the rule"))
        ask_confirmation(page, link, script)
    return open_it


def lead_task_fields_refused(page: Page, data: A11yData) -> None:
    """A task completed without its required value and with a bad number: the messages by its inputs."""
    page.goto(f"/leads/{data.sam_lead}")
    task = page.locator("#tasks li.task").filter(has_text=data.task_with_fields)
    task.locator("input[name=cf_attempts]").fill("lots")
    with page.expect_navigation():
        task.get_by_role("button", name="Complete").click()
    expect(page.locator("#tasks .field-error").first).to_be_visible()


def submit_empty(path: str, button: str) -> Callable[[Page, A11yData], None]:
    """A form sent with its fields empty: the error summary and the fields' messages."""
    def send(page: Page, data: A11yData) -> None:
        page.goto(path)
        with page.expect_navigation():
            page.locator("main").get_by_role("button", name=button).click()
        expect(page.locator(".field-error").first).to_be_visible()
    return send


def login_failed(page: Page, data: A11yData) -> None:
    page.goto("/login")
    page.fill("#email", f"nobody-{data.token}@example.org")
    page.fill("#password", "wrong password, surely")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def goto(path: str | Callable[[A11yData], str]) -> Callable[[Page, A11yData], None]:
    def visit(page: Page, data: A11yData) -> None:
        page.goto(path(data) if callable(path) else path)
    return visit


EVERYONE = ("manager", "executive")
STATES: dict[str, tuple[tuple[str, ...], Callable[[Page, A11yData], None]]] = {
    "login": (("anonymous",), goto("/login")),
    "login-failed": (("anonymous",), login_failed),
    "dashboard": (EVERYONE, goto("/")),
    "leads": (EVERYONE, goto("/leads")),
    "leads-filtered": (EVERYONE, leads_filtered),
    "leads-empty": (EVERYONE, leads_empty),
    "leads-filter-errors": (EVERYONE, leads_filter_error),
    "leads-deleted": (("admin",), goto("/leads?deleted=1")),
    "lead": (EVERYONE, goto(lambda d: f"/leads/{d.sam_lead}")),
    "lead-lost": (("manager",), goto(lambda d: f"/leads/{d.lost_lead}")),
    "lead-new": (EVERYONE, goto("/leads/new")),
    "lead-new-errors": (EVERYONE, lead_new_with_errors),
    "lead-edit": (EVERYONE, goto(lambda d: f"/leads/{d.sam_lead}/edit")),
    "lead-edit-conflict": (EVERYONE, lead_edit_conflict),
    "lead-new-custom-errors": (EVERYONE, lead_new_custom_errors),
    "leads-custom-columns": (EVERYONE, goto(lambda d: "/leads?columns=" + ",".join(
        f"cf_{a11y_field_key(p, d)}" for p in ("seats", "tier", "products")) + f"&sort=-cf_{a11y_field_key('seats', d)}"
        + f"&cf_{a11y_field_key('news', d)}=maybe")),
    "lead-move-refused": (EVERYONE, lead_move_refused),
    "lead-task-fields-errors": (EVERYONE, lead_task_fields_refused),
    "board": (EVERYONE, goto("/board")),
    "board-empty": (EVERYONE, goto(lambda d: f"/board?q=nomatch{d.token}")),
    "board-dialog": (EVERYONE, board_dialog),
    "activity": (EVERYONE, goto("/activity")),
    "reports": (EVERYONE, goto("/reports")),
    "reports-empty": (EVERYONE, goto("/reports?from=2001-01-01&to=2001-01-31")),
    "account": (EVERYONE, goto("/account")),
    "import": (("manager",), goto("/leads/import")),
    "import-preview": (("manager",), import_preview),
    "admin-users": (("admin",), goto("/admin/users")),
    "admin-user-new": (("admin",), goto("/admin/users/new")),
    "admin-user-edit": (("admin",), goto("/admin/users/1/edit")),
    "admin-pipeline": (("admin",), goto("/admin/pipeline")),
    "admin-scoring": (("admin",), goto("/admin/scoring")),
    "admin-scoring-rules": (("admin",), scoring_rules),
    "admin-scoring-edit-errors": (("admin",), scoring_edit_refused),
    "admin-scoring-new-errors": (("admin",), submit_empty("/admin/scoring", "Add rule")),
    "confirm-rule-remove-page": (("admin",), scoring_remove(script=False)),
    "confirm-rule-remove-dialog": (("admin",), scoring_remove(script=True)),
    "admin-fields": (("admin",), goto("/admin/fields")),
    "admin-field-new": (("admin",), goto("/admin/fields/new")),
    "admin-field-edit": (("admin",), goto(lambda d: f"/admin/fields/{d.field_id}/edit")),
    "admin-field-edit-errors": (("admin",), field_refused),
    "admin-task-fields": (("admin",), task_fields),
    "confirm-lead-delete-page": (("manager",), confirmation(".page-head", "Delete", script=False)),
    "confirm-lead-delete-dialog": (("manager",), confirmation(".page-head", "Delete", script=True)),
    "confirm-note-delete-page": (("executive",), confirmation("#notes", "Delete note", script=False)),  # author only
    "confirm-note-delete-dialog": (("executive",), confirmation("#notes", "Delete note", script=True)),  # author only
    "confirm-file-remove-page": (EVERYONE, confirmation("#files", "Remove proposal.txt", script=False)),
    "confirm-file-remove-dialog": (EVERYONE, confirmation("#files", "Remove proposal.txt", script=True)),
    "confirm-user-deactivate-page": (("admin",), deactivation("user", script=False)),
    "confirm-user-deactivate-dialog": (("admin",), deactivation("user", script=True)),
    "confirm-stage-deactivate-page": (("admin",), deactivation("stage", script=False)),
    "confirm-stage-deactivate-dialog": (("admin",), deactivation("stage", script=True)),
    "account-password-errors": (EVERYONE, submit_empty("/account", "Change password")),
    "admin-user-new-errors": (("admin",), submit_empty("/admin/users/new", "Create user")),
    "admin-field-new-errors": (("admin",), submit_empty("/admin/fields/new", "Create field")),
    "not-found": (EVERYONE, goto("/no/such/page")),
    "forbidden-delete": (("executive",), goto(lambda d: f"/leads/{d.sam_lead}/delete")),
    "lead-not-found": (("executive",), goto(lambda d: f"/leads/{d.manager_lead}")),
}



CASES = [pytest.param(state, role, scheme, id=f"{state}-{role}-{scheme}")
         for state, (roles, _) in STATES.items() for role in roles for scheme in SCHEMES]


@pytest.fixture(scope="module")
def sessions(browser, base_url) -> dict[str, dict]:
    """One sign-in per role for the whole module (cookies as Playwright storage state)."""
    states = {}
    for role in ["manager", "executive", "admin"]:
        ctx = _context(browser, base_url)
        login(ctx.new_page(), role)
        states[role] = ctx.storage_state()
        ctx.close()
    return states


def signed_in(new_page, sessions, role: str, **options) -> Page:
    if role == "anonymous":
        return new_page(**options)
    return new_page(storage_state=sessions[role], **options)


@pytest.mark.parametrize("state,role,scheme", CASES)
def test_axe_finds_no_violations(state, role, scheme, a11y_data, sessions, new_page, server):
    page = signed_in(new_page, sessions, role, color_scheme=scheme)
    if state.endswith("-page"):
        # The confirmation pages are what a browser without script reaches. axe itself needs script,
        # so instead of turning JavaScript off the page's own confirm.js is not served.
        page.route(re.compile(r"/confirm\.js$"), lambda route: route.abort())
    server.reset_login_throttle()  # failed sign-ins and wrong current passwords are states here
    STATES[state][1](page, a11y_data)
    expect(page.locator("main")).to_be_visible()
    if role != "anonymous":
        expect(page.locator(".username")).to_have_text(resolve_user(role).name)
    results = AXE.run(page)
    assert results.violations_count == 0, f"{page.url}\n" + results.generate_report()


# --------------------------------------------------------------------------- the themes really apply

def _css(page: Page, selector: str, prop: str) -> str:
    return page.locator(selector).first.evaluate(f"(el) => getComputedStyle(el).{prop}")


@pytest.mark.parametrize("scheme,page_bg", [("light", "rgb(245, 246, 248)"), ("dark", "rgb(15, 21, 33)")])
def test_colour_scheme_sets_the_theme_and_badges_stay_readable(scheme, page_bg, a11y_data, sessions, new_page):
    """The axe runs above check contrast in both schemes; this checks the dark one is really in use,
    and that a badge is filled with its stage colour and lettered in the server's ink."""
    page = signed_in(new_page, sessions, "manager", color_scheme=scheme)
    page.goto(f"/leads/{a11y_data.sam_lead}")
    assert _css(page, "html", "backgroundColor") == page_bg
    badge = "#move .badge"
    expect(page.locator(badge)).to_have_text("Proposal Sent")
    assert _css(page, badge, "backgroundColor") == "rgb(245, 158, 11)"  # the stage's #f59e0b
    assert _css(page, badge, "color") == "rgb(0, 0, 0)"  # black reads best on it (/stages.css)


@pytest.mark.parametrize("motion,duration", [("no-preference", "0.15s"), ("reduce", "0s")])
def test_reduced_motion_turns_transitions_off(motion, duration, sessions, new_page):
    page = signed_in(new_page, sessions, "manager", reduced_motion=motion)
    page.goto("/board")
    assert _css(page, "#board section.column", "transitionDuration") == duration
