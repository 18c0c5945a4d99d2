"""Shared fixtures for the Leadboard browser tests (pytest + Playwright, Debian's chromium).

One Leadboard server runs for the whole session, on a free port, with a fresh data dir and a
known set of users. Every test gets a fresh browser context, so cookies never leak between tests.

Environment:
  LEADBOARD_BIN      path to the built `leadboard` binary (required; the Makefile sets it)
  CHROMIUM_BIN       chromium to drive (optional; defaults to `chromium` on PATH)
  BROWSER_HEADED=1   show the browser window (optional, for debugging on a desktop)

Fixtures:
  server        -> LeadboardServer (base_url, data_dir, users, add_user(), run(), log_text(), ...)
  base_url      -> "http://127.0.0.1:PORT"
  users         -> {"admin": User, "manager": User, "sam": User, "riya": User}
  data_dir      -> pathlib.Path of the server's data dir
  add_user      -> server.add_user (create more users while the server runs)
  browser       -> a session-wide Playwright Browser
  context/page  -> a fresh BrowserContext / Page (1280x800) per test
  new_page      -> factory for extra pages, each in its own context (two users at once)
  login_as      -> factory: login_as("manager") -> a new Page already signed in
  as_role       -> a signed-in page for an indirect parameter, e.g.
                   @pytest.mark.parametrize("as_role", ["admin", "executive"], indirect=True)
  console_errors-> list of console errors / page errors / CSP violations seen by `page`

Helpers (import from conftest):  login(page, who), logout(page), watch_errors(page)
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]  # holds Templates/ and Public/
ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
PASSWORD = "browser-test-password-1"
STARTUP_TIMEOUT = 30.0
DEFAULT_TIMEOUT_MS = 10_000
VIEWPORT = {"width": 1280, "height": 800}


@dataclasses.dataclass(frozen=True)
class User:
    email: str
    name: str
    role: str  # admin | manager | executive
    password: str = PASSWORD


# Keys are what tests use: users["manager"], login(page, "sam"), login_as("executive").
SEED_USERS = {
    "admin": User("admin@example.com", "Ada Admin", "admin"),
    "manager": User("manager@example.com", "Morgan Manager", "manager"),
    "sam": User("sam@example.com", "Sam Seller", "executive"),
    "riya": User("riya@example.com", "Riya Rao", "executive"),
}
# Which seeded user stands for a role name.
ROLE_DEFAULTS = {"admin": "admin", "manager": "manager", "executive": "sam"}


# --------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_env() -> dict[str, str]:
    """The caller's environment minus LEADBOARD_* settings, which would override our flags."""
    return {k: v for k, v in os.environ.items() if not k.startswith("LEADBOARD_")}


class LeadboardServer:
    def __init__(self, binary: Path, data_dir: Path):
        self.binary = binary
        self.data_dir = data_dir
        self.log_path = data_dir.parent / "server.log"
        self.users: dict[str, User] = {}
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self._log_file = None

    # -- CLI

    def run(self, *args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        """Run a `leadboard` subcommand, e.g. run("user", "list", "--data-dir", str(dir))."""
        result = subprocess.run(
            [str(self.binary), *args], input=input, capture_output=True, text=True,
            env=_clean_env(), cwd=self.data_dir.parent, timeout=60,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"`leadboard {' '.join(args)}` exited {result.returncode}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
        return result

    def add_user(self, key: str, email: str, name: str, role: str, password: str = PASSWORD) -> User:
        """Create a user (works before and while the server runs) and register it under `key`."""
        if key in self.users:
            raise ValueError(f"user key {key!r} already taken")
        self.run("user", "add", "--data-dir", str(self.data_dir), "--email", email, "--name", name,
                 "--role", role, "--password-stdin", input=password + "\n")
        user = User(email, name, role, password)
        self.users[key] = user
        return user

    # -- process

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no server log)"

    def start(self) -> None:
        last_error = ""
        for _attempt in range(3):  # a picked port can be taken before we bind it; then retry
            self.port = _free_port()
            self._log_file = open(self.log_path, "ab")
            self.process = subprocess.Popen(
                [str(self.binary), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--data-dir", str(self.data_dir), "--resources", str(REPO_ROOT)],
                stdin=subprocess.DEVNULL, stdout=self._log_file, stderr=subprocess.STDOUT,
                env=_clean_env(), cwd=self.data_dir.parent,
            )
            ok, last_error = self._wait_healthy()
            if ok:
                return
            self.stop()
            if "address already in use" not in self.log_text().lower():
                break
        pytest.fail(
            f"Leadboard did not become healthy at {self.base_url}/healthz within {STARTUP_TIMEOUT:.0f}s "
            f"({last_error}).\nCommand: {self.binary} serve ... --data-dir {self.data_dir}\n"
            f"----- server log ({self.log_path}) -----\n{self.log_text()}", pytrace=False)

    def _wait_healthy(self) -> tuple[bool, str]:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        error = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False, f"process exited with status {self.process.returncode}"
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=2) as response:
                    body = response.read().decode(errors="replace").strip()
                    if response.status == 200 and body == "ok":
                        return True, ""
                    error = f"/healthz answered {response.status} {body!r}"
            except (urllib.error.URLError, ConnectionError, OSError) as exc:
                error = f"last error: {exc}"
            time.sleep(0.1)
        return False, f"timed out; {error}"

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None
        if self._log_file:
            self._log_file.close()
            self._log_file = None

    # -- database pokes (tests only)

    def sql(self, statement: str, params: tuple = ()) -> list[tuple]:
        """Run SQL against the live database (WAL mode, so safe beside the server). Use sparingly."""
        with sqlite3.connect(self.data_dir / "leadboard.sqlite", timeout=10) as db:
            rows = db.execute(statement, params).fetchall()
        db.close()
        return rows

    def reset_login_throttle(self) -> None:
        """Forget failed sign-ins. The server allows 10 failures per 10 min per client address,
        and every test comes from 127.0.0.1, so tests that type wrong passwords should call this."""
        self.sql("DELETE FROM loginFailure")


@pytest.fixture(scope="session")
def leadboard_bin() -> Path:
    value = os.environ.get("LEADBOARD_BIN")
    if not value:
        pytest.fail(
            "LEADBOARD_BIN is not set. Run the browser tests via `make browser-test`, or e.g.\n"
            "  LEADBOARD_BIN=$PWD/.build/debug/leadboard .venv/bin/pytest -q Tests/browser", pytrace=False)
    path = Path(value).expanduser().resolve()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"LEADBOARD_BIN={value} is not an executable file (build it with `swift build`).", pytrace=False)
    return path


@pytest.fixture(scope="session")
def server(leadboard_bin, tmp_path_factory) -> LeadboardServer:
    root = tmp_path_factory.mktemp("leadboard")
    data_dir = root / "data"
    data_dir.mkdir()
    srv = LeadboardServer(leadboard_bin, data_dir)
    # Users first: with users present, `serve` does not create a random-password admin.
    for key, user in SEED_USERS.items():
        srv.add_user(key, user.email, user.name, user.role, user.password)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def base_url(server) -> str:
    return server.base_url


@pytest.fixture(scope="session")
def users(server) -> dict[str, User]:
    return server.users


@pytest.fixture(scope="session")
def data_dir(server) -> Path:
    return server.data_dir


@pytest.fixture(scope="session")
def add_user(server):
    return server.add_user


# --------------------------------------------------------------------------- browser


def _chromium_path() -> str:
    path = os.environ.get("CHROMIUM_BIN") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("chromium not found on PATH (install Debian's `chromium` package, e.g. `make test-deps`, "
                    "or set CHROMIUM_BIN).", pytrace=False)
    return path


@pytest.fixture(scope="session")
def browser() -> Browser:
    executable = _chromium_path()
    args = ["--disable-dev-shm-usage"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # chromium refuses to run sandboxed as root
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=os.environ.get("BROWSER_HEADED") != "1", args=args)
        yield b
        b.close()


# Reports Content-Security-Policy violations as console errors, so watch_errors() sees them
# even when chromium's own CSP message is not emitted (e.g. report-only cases).
_CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
                ' at ' + e.sourceFile + ':' + e.lineNumber);
});
"""


def _new_context(browser: Browser, base_url: str, **options) -> BrowserContext:
    opts = {"base_url": base_url, "viewport": VIEWPORT, "accept_downloads": True}
    opts.update(options)
    ctx = browser.new_context(**opts)
    ctx.set_default_timeout(DEFAULT_TIMEOUT_MS)
    ctx.add_init_script(_CSP_LISTENER)
    return ctx


# Console errors to ignore, matched against "text @ source-url". Chromium fetches /favicon.ico on
# its own (once per browser, so whichever test runs first sees it); the app serves none yet.
# Remove this once the layout has <link rel="icon" ...> or the server answers /favicon.ico.
IGNORED_CONSOLE_ERRORS = [
    re.compile(r"^Failed to load resource: .*status of 404.* @ \S+/favicon\.ico$"),
]


def watch_errors(page: Page) -> list[str]:
    """Start collecting console errors, uncaught page errors and CSP violations on `page`."""
    errors: list[str] = []

    def on_console(msg) -> None:
        if msg.type != "error":
            return
        source = (msg.location or {}).get("url") or page.url
        entry = f"{msg.text} @ {source}"
        if not any(p.search(entry) for p in IGNORED_CONSOLE_ERRORS):
            errors.append(f"console.error: {entry} (page {page.url})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc} (page {page.url})"))
    return errors


@pytest.fixture
def context(browser, base_url) -> BrowserContext:
    ctx = _new_context(browser, base_url)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, request) -> Page:
    pg = context.new_page()
    pg._leadboard_errors = watch_errors(pg)
    request.node.__dict__.setdefault("_leadboard_pages", []).append(pg)
    yield pg


@pytest.fixture
def console_errors(page) -> list[str]:
    """Errors seen so far on `page` (live list; assert on it at the end of the test)."""
    return page._leadboard_errors


@pytest.fixture
def new_page(browser, base_url, request):
    """Factory: new_page(**context_options) -> Page in its own fresh context (own cookies)."""
    contexts: list[BrowserContext] = []

    def make(**options) -> Page:
        ctx = _new_context(browser, base_url, **options)
        contexts.append(ctx)
        pg = ctx.new_page()
        pg._leadboard_errors = watch_errors(pg)
        request.node.__dict__.setdefault("_leadboard_pages", []).append(pg)
        return pg

    yield make
    for ctx in contexts:
        ctx.close()


def resolve_user(who: str | User) -> User:
    """A User from a User, a SEED_USERS / add_user key, a role name, or an email."""
    if isinstance(who, User):
        return who
    users = _SERVER.users if _SERVER else SEED_USERS
    if who in users:
        return users[who]
    if who in ROLE_DEFAULTS:
        return users[ROLE_DEFAULTS[who]]
    for user in users.values():
        if user.email.lower() == who.lower():
            return user
    # Unknown email: let the test try it with the default password.
    return User(who, "", "", PASSWORD)


_SERVER: LeadboardServer | None = None


@pytest.fixture(scope="session", autouse=True)
def _register_server(server):
    global _SERVER
    _SERVER = server
    yield
    _SERVER = None


def login(page: Page, who: str | User, password: str | None = None, *, expect_success: bool = True) -> User:
    """Sign in through the real /login form. `who` is a user key, role, email or User."""
    user = resolve_user(who)
    page.goto("/login")
    page.fill("#email", user.email)
    page.fill("#password", password if password is not None else user.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if expect_success:
        expect(page).not_to_have_url(re.compile(r"/login(\?|$)"))
        expect(page.locator(".username")).to_have_text(user.name)
    return user


def logout(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login(\?|$)"))


@pytest.fixture
def login_as(new_page):
    """Factory: login_as("manager") -> a new Page (own context) signed in as that user."""
    def make(who: str | User, **context_options) -> Page:
        pg = new_page(**context_options)
        login(pg, who)
        return pg
    return make


@pytest.fixture
def as_role(request, login_as) -> Page:
    """Signed-in page for an indirect parameter (user key, role or email); defaults to manager."""
    return login_as(getattr(request, "param", "manager"))


@pytest.fixture(scope="session", autouse=True)
def open_stages_are_entry_stages(browser, base_url, _register_server):
    """New leads start in an entry stage (only New Lead by default), and the tests create leads in
    every open stage: an admin ticks "Entry stage" on the others once, through the pipeline page."""
    ctx = _new_context(browser, base_url)
    page = ctx.new_page()
    login(page, "admin")
    page.goto("/admin/pipeline")
    for name in ["Contacted", "Qualified", "Proposal Sent"]:
        section = page.locator("section.stage-admin").filter(has=page.locator("h2 .badge", has_text=re.compile(f"^{name}$")))
        section.locator("summary", has_text="Edit stage and rules").click()
        section.locator("input[name=entry]").check()
        with page.expect_navigation():
            section.get_by_role("button", name="Save stage").click()
        expect(page.locator(".flash")).to_have_text(f"Saved stage {name}.")
    ctx.close()


# --------------------------------------------------------------------------- failure artifacts


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    pages = item.__dict__.get("_leadboard_pages", [])
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)[-150:]
    for i, pg in enumerate(pages):
        try:
            if pg.is_closed():
                continue
            ARTIFACTS_DIR.mkdir(exist_ok=True)
            shot = ARTIFACTS_DIR / f"{safe}-{i}.png"
            pg.screenshot(path=str(shot), full_page=True)
            report.sections.append(("browser", f"screenshot: {shot}\nurl: {pg.url}"))
        except Exception as exc:  # never mask the real failure
            report.sections.append(("browser", f"screenshot failed: {exc}"))
    if _SERVER:
        tail = "\n".join(_SERVER.log_text().splitlines()[-40:])
        report.sections.append(("leadboard server log (tail)", tail))
