"""Operations: `--version`, start-up refusals, backup/restore/check through the real binary, and a
graceful stop on SIGTERM (requests in flight finish, then exit 0; at most a 10 s grace period).

These tests start their own `leadboard` processes on their own data folders.
"""

from __future__ import annotations

import http.cookiejar
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO_ROOT, STARTUP_TIMEOUT, _clean_env, _free_port

PASSWORD = "operations-test-password-7"


def run(binary: Path, *args: str, cwd: Path, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), *args], input=input, capture_output=True, text=True,
                          env=_clean_env(), cwd=cwd, timeout=60)


def make_data_dir(binary: Path, root: Path) -> Path:
    """A data folder with one admin and one lead (created through the CLI)."""
    data = root / "data"
    result = run(binary, "user", "add", "--data-dir", str(data), "--email", "ops@example.com", "--name", "Ops",
                 "--role", "admin", "--password-stdin", cwd=root, input=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert f"Creating a new Leadboard database at {data.resolve()}/leadboard.sqlite" in result.stderr
    csv = root / "leads.csv"
    csv.write_text("name,email\nSlow Upload Ltd,slow@example.com\n")
    result = run(binary, "import", str(csv), "--data-dir", str(data), cwd=root)
    assert result.returncode == 0, result.stderr
    return data


class Server:
    def __init__(self, binary: Path, data: Path):
        self.port = _free_port()
        self.log = data.parent / "server.log"
        self.process = subprocess.Popen(
            [str(binary), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", str(data),
             "--resources", str(REPO_ROOT)],
            stdin=subprocess.DEVNULL, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT, env=_clean_env(), cwd=data.parent)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"server did not start:\n{self.log.read_text()}")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def served(leadboard_bin, tmp_path):
    data = make_data_dir(leadboard_bin, tmp_path)
    server = Server(leadboard_bin, data)
    yield server, data
    server.stop()


def sign_in(server: Server) -> tuple[str, str]:
    """Signs in through the login form; returns (cookie header, CSRF token of the session)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(server.url("/login")).read().decode()
    token = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"email": "ops@example.com", "password": PASSWORD, "_csrf": token}).encode()
    page = opener.open(server.url("/login"), data=form).read().decode()
    page = opener.open(server.url("/account")).read().decode()
    token = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookies, token


def start_upload(server: Server, cookies: str, token: str, size: int) -> tuple[socket.socket, bytes]:
    """Opens an upload of `size` bytes and sends only its head and first bytes; returns the socket and
    the rest of the body, for the test to send when it chooses."""
    boundary = "OperationsBoundary1234"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.bin\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    body = head + bytes(i % 251 for i in range(size)) + f"\r\n--{boundary}--\r\n".encode()
    request = (f"POST /leads/1/attachments?_csrf={token} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
               f"Cookie: {cookies}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
               f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.sendall(request + body[:65536])
    return sock, body[65536:]


def read_status(sock: socket.socket) -> int:
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1") else 0


def attachment_count(data: Path) -> int:
    with sqlite3.connect(data / "leadboard.sqlite", timeout=10) as db:
        return db.execute("SELECT COUNT(*) FROM attachment").fetchone()[0]


# --------------------------------------------------------------------------- graceful stop


def test_sigterm_lets_an_upload_in_flight_finish_then_exits_0(served):
    server, data = served
    cookies, token = sign_in(server)
    sock, rest = start_upload(server, cookies, token, 2 * 1024 * 1024)
    time.sleep(1)  # the server is now inside the upload handler
    server.process.send_signal(signal.SIGTERM)
    time.sleep(1)  # shutdown has begun while the body is still arriving
    assert server.process.poll() is None, "the server exited with a request in flight"
    for i in range(0, len(rest), 256 * 1024):
        sock.sendall(rest[i:i + 256 * 1024])
        time.sleep(0.05)
    status = read_status(sock)
    sock.close()
    assert status == 303, server.log.read_text()
    assert server.process.wait(timeout=30) == 0, server.log.read_text()
    assert attachment_count(data) == 1


def test_sigterm_cuts_off_a_stalled_request_after_the_grace_period_and_still_exits_0(served):
    server, data = served
    cookies, token = sign_in(server)
    sock, _rest = start_upload(server, cookies, token, 1024 * 1024)  # the rest never comes
    time.sleep(1)
    server.process.send_signal(signal.SIGTERM)
    # The grace period is 10 s; allow generously for a slow machine, but not for ever.
    assert server.process.wait(timeout=60) == 0, server.log.read_text()
    sock.close()
    assert attachment_count(data) == 0
    assert "Stopping: no new connections; requests in flight have 10 s to finish" in server.log.read_text()


# --------------------------------------------------------------------------- version and start-up


def test_version_names_the_version_and_the_git_commit(leadboard_bin, tmp_path):
    result = run(leadboard_bin, "--version", cwd=tmp_path)
    assert result.returncode == 0
    assert re.fullmatch(r"leadboard \d+\.\d+\.\d+ \(commit ([0-9a-f]{7,40}(-modified)?|unknown)\)\n", result.stdout)
    if shutil.which("git") and (REPO_ROOT / ".git").exists():
        head = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short=12", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
        # Built from this checkout (the commit may have moved on since the build; then rebuild).
        assert head and head in result.stdout


def test_build_info_script_says_unknown_outside_a_git_checkout(tmp_path):
    package = tmp_path / "package"
    package.mkdir()
    out = tmp_path / "out" / "BuildInfo.swift"
    result = subprocess.run(["/bin/sh", str(REPO_ROOT / "Plugins/BuildInfo/build-info.sh"), str(package), str(out)],
                            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert result.returncode == 0
    assert 'let buildCommit = "unknown"' in out.read_text()


@pytest.mark.parametrize("content", [b"", b"name,email\nAcme,a@example.com\n"], ids=["empty", "not-sqlite"])
def test_serve_refuses_a_database_file_that_is_not_one_in_one_line(leadboard_bin, tmp_path, content):
    data = tmp_path / "data"
    data.mkdir()
    (data / "leadboard.sqlite").write_bytes(content)
    result = subprocess.run([str(leadboard_bin), "serve", "--port", str(_free_port()), "--data-dir", str(data),
                             "--resources", str(REPO_ROOT)], capture_output=True, text=True, env=_clean_env(), timeout=60)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(data.resolve() / "leadboard.sqlite") in lines[0]
    assert (data / "leadboard.sqlite").read_bytes() == content


# --------------------------------------------------------------------------- backup, restore, check


def test_backup_restore_and_check_through_the_command_line(served, leadboard_bin, tmp_path):
    server, data = served
    cookies, token = sign_in(server)
    sock, rest = start_upload(server, cookies, token, 100_000)
    sock.sendall(rest)
    assert read_status(sock) == 303
    sock.close()

    result = run(leadboard_bin, "backup", "--to", str(tmp_path / "backup"), "--data-dir", str(data), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Copied 1 upload files" in result.stdout
    assert "Integrity check of the copy: ok" in result.stdout

    occupied = run(leadboard_bin, "restore", "--from", str(tmp_path / "backup"), "--data-dir", str(data), cwd=tmp_path)
    assert occupied.returncode != 0
    assert "not empty" in occupied.stderr

    restored = tmp_path / "restored"
    result = run(leadboard_bin, "restore", "--from", str(tmp_path / "backup"), "--data-dir", str(restored), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert run(leadboard_bin, "check", "--data-dir", str(restored), cwd=tmp_path).returncode == 0

    stored = next((restored / "uploads").iterdir())
    stored.unlink()
    result = run(leadboard_bin, "check", "--data-dir", str(restored), cwd=tmp_path)
    assert result.returncode == 1
    assert f"missing uploads/{stored.name}" in result.stdout
