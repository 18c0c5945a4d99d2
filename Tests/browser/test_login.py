"""Sign-in and sign-out through the real forms in headless chromium."""

import re

from playwright.sync_api import expect

from conftest import login, logout


def test_manager_signs_in_and_out(page, users):
    manager = users["manager"]
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))  # signed-out visitors are sent to sign in

    page.fill("#email", manager.email)
    page.fill("#password", manager.password)
    assert page.locator("input[name=_csrf]").get_attribute("value"), "login form has no CSRF token"
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("h1")).to_contain_text("Welcome, Morgan Manager")
    expect(page.locator("header .username")).to_have_text("Morgan Manager")
    expect(page.locator("header .role")).to_have_text(re.compile(r"^\s*manager\s*$", re.I))

    logout(page)
    expect(page.locator(".flash")).to_have_text("You have signed out.")
    expect(page.locator("#email")).to_be_visible()
    expect(page.locator(".username")).to_have_count(0)

    page.goto("/")  # the session really ended
    expect(page).to_have_url(re.compile(r"/login"))


def test_wrong_password_shows_error(page, users, server):
    try:
        page.goto("/login")
        page.fill("#email", users["sam"].email)
        page.fill("#password", "not-the-right-password")
        page.get_by_role("button", name="Sign in").click()

        expect(page.locator(".form-error")).to_have_text("Email or password is incorrect.")
        expect(page.locator("#email")).to_have_value(users["sam"].email)  # email kept, password not
        expect(page.locator("#password")).to_have_value("")
        expect(page.locator(".username")).to_have_count(0)
    finally:
        server.reset_login_throttle()


def test_no_console_errors_or_csp_violations(page, console_errors):
    page.goto("/login")
    page.wait_for_load_state("networkidle")
    login(page, "manager")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text("Welcome")
    assert console_errors == []


def test_dashboard_fits_narrow_screen(login_as):
    page = login_as("manager", viewport={"width": 360, "height": 740})
    expect(page.locator("h1")).to_contain_text("Welcome, Morgan Manager")
    page.wait_for_load_state("networkidle")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360, f"dashboard overflows horizontally at 360px: scrollWidth={scroll_width}"
