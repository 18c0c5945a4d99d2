"""Raw-socket and command-line checks against the real binary: requests the HTTP layer cannot parse,
and the `--metrics` / `--metrics-token` flags of `serve` (issue 8).

These need no browser: they speak HTTP/1.1 over a TCP socket, because every HTTP client library
refuses to send a malformed chunked body.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO_ROOT, _clean_env, _free_port


def exchange(base_url: str, *parts: bytes, pause: float = 0.2) -> bytes:
    """Sends `parts` (pausing between them so the server sees the head before the body) and returns
    everything the server writes until it closes the connection."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        for i, part in enumerate(parts):
            if i:
                time.sleep(pause)
            sock.sendall(part)
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
    return received


def statuses(raw: bytes) -> list[int]:
    """The status code of every response in a raw byte stream."""
    return [int(line.split(b" ")[1]) for line in raw.split(b"\r\n") if line.startswith(b"HTTP/1.1 ")]


def head_of(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()


FORM_HEAD = (b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n")


def test_a_malformed_chunk_size_in_a_form_body_is_400_not_500(server):
    log_before = len(server.log_text())
    raw = exchange(server.base_url, FORM_HEAD, b"ZZ\r\nemail=a\r\n0\r\n\r\n")
    assert statuses(raw) == [400], raw[:300]
    head = head_of(raw)
    assert "connection: close" in head
    assert "content-security-policy" in head  # our error page, through the normal middleware
    assert b"could not be parsed" in raw
    time.sleep(0.2)  # the log line is written after the response
    logged = server.log_text()[log_before:]
    assert "status=400" in logged and "request failed" not in logged


def test_a_malformed_chunked_body_on_a_get_is_400_too(server):
    # GET handlers never read a body; without the guard this was a 200 and the error went unnoticed.
    raw = exchange(server.base_url, b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n",
                   b"ZZ\r\nabc\r\n0\r\n\r\n")
    assert statuses(raw) == [400], raw[:300]


def test_a_chunk_longer_than_its_declared_size_is_400(server):
    raw = exchange(server.base_url, FORM_HEAD, b"3\r\nemail=a@example.com\r\n0\r\n\r\n")
    assert statuses(raw) == [400], raw[:300]


def test_a_well_formed_chunked_form_still_works(server):
    body = b"email=nobody%40example.com&password=wrong-password-123"
    head = FORM_HEAD.replace(b"Host: 127.0.0.1\r\n", b"Host: 127.0.0.1\r\nConnection: close\r\n")
    raw = exchange(server.base_url, head, b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
    # No CSRF cookie yet: the form is refused as expired (403), so the body was read without complaint.
    assert statuses(raw)[0] == 403, raw[:300]


def test_a_garbage_request_line_is_400_from_hummingbird(server):
    raw = exchange(server.base_url, b"THIS IS NOT HTTP\r\n\r\n")
    assert statuses(raw) == [400], raw[:300]
    assert "connection: close" in head_of(raw)


def test_an_invalid_header_line_is_400(server):
    raw = exchange(server.base_url, b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header Without Colon\r\n\r\n")
    assert statuses(raw) == [400], raw[:300]


# --------------------------------------------------------------------------- --metrics


class ExtraServer:
    """A second `leadboard serve` on its own data folder, with extra flags or environment."""

    def __init__(self, binary: Path, root: Path, args: list[str], env: dict[str, str] | None = None):
        self.data_dir = root / "data"
        self.data_dir.mkdir(parents=True)
        self.log_path = root / "server.log"
        self.port = _free_port()
        environment = _clean_env()
        environment.update(env or {})
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(binary), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", str(self.data_dir),
             "--resources", str(REPO_ROOT), *args],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, env=environment, cwd=root)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.stop()
        pytest.fail("extra server did not start:\n" + self.log_path.read_text(errors="replace"))

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.url(path), headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture
def extra_server(leadboard_bin, tmp_path):
    started: list[ExtraServer] = []

    def start(*args: str, env: dict[str, str] | None = None) -> ExtraServer:
        srv = ExtraServer(leadboard_bin, tmp_path / f"extra{len(started)}", list(args), env)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()


def test_metrics_are_404_without_the_flag(server):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(server.url("/metrics"), timeout=10)
    assert error.value.code == 404


def test_metrics_flag_serves_prometheus_text_to_loopback(extra_server):
    srv = extra_server("--metrics")
    srv.get("/login")
    status, text = srv.get("/metrics")
    assert status == 200
    assert '# TYPE leadboard_http_requests_total counter' in text
    assert 'leadboard_http_requests_total{route="/login",method="GET",status="200"} 1' in text
    for family in ("leadboard_http_request_duration_seconds", "leadboard_db_statement_duration_seconds",
                   "leadboard_db_write_lock_wait_seconds", "leadboard_live_sessions", "leadboard_leads",
                   "leadboard_upload_bytes"):
        assert f"# TYPE {family} " in text, family
    # Through a proxy on this machine (which adds X-Forwarded-For), the visitor is not local.
    assert srv.get("/metrics", {"X-Forwarded-For": "203.0.113.9"})[0] == 404


def test_metrics_token_from_the_environment(extra_server):
    srv = extra_server(env={"LEADBOARD_METRICS": "1", "LEADBOARD_METRICS_TOKEN": "tok-123"})
    proxied = {"X-Forwarded-For": "203.0.113.9"}
    assert srv.get("/metrics", {**proxied, "Authorization": "Bearer tok-123"})[0] == 200
    assert srv.get("/metrics", {**proxied, "Authorization": "Bearer tok-124"})[0] == 404


@pytest.mark.parametrize("how", ["flag", "env"])
def test_secure_cookies_sends_hsts(extra_server, how):
    # The env form once stopped `serve` at start-up: ArgumentParser refuses a Bool flag defaulting to true.
    srv = extra_server("--secure-cookies") if how == "flag" else extra_server(env={"LEADBOARD_SECURE_COOKIES": "1"})
    with urllib.request.urlopen(srv.url("/login"), timeout=10) as response:
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
        assert "Secure" in response.headers["Set-Cookie"]


def test_plain_http_sends_no_hsts(server):
    with urllib.request.urlopen(server.url("/login"), timeout=10) as response:
        assert response.headers["Strict-Transport-Security"] is None
