"""Dates print the same whatever time zone the server process runs in (issue 9: formatters pinned to UTC).

Formatters read the process zone when they are made, so this starts a real server under another `TZ`.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import PASSWORD, LeadboardServer


class Client:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base_url + path, timeout=10) as response:
            return response.read().decode()

    def post(self, path: str, fields: dict[str, str], csrf_from: str) -> str:
        token = re.search(r'name="_csrf" value="([^"]+)"', self.get(csrf_from)).group(1)
        body = urllib.parse.urlencode({**fields, "_csrf": token}).encode()
        with self.opener.open(self.base_url + path, data=body, timeout=10) as response:
            return response.read().decode()


@pytest.mark.parametrize("zone", ["America/New_York", "Pacific/Kiritimati"])
def test_expected_close_date_keeps_its_day_under_another_process_time_zone(tmp_path, monkeypatch, zone):
    monkeypatch.setenv("TZ", zone)
    server = LeadboardServer(Path(os.environ["LEADBOARD_BIN"]), tmp_path / "data")
    server.data_dir.mkdir()
    server.add_user("admin", "tz-admin@example.com", "Zed Admin", "admin")
    server.start()
    try:
        client = Client(server.base_url)
        client.post("/login", {"email": "tz-admin@example.com", "password": PASSWORD}, csrf_from="/login")
        form = client.get("/leads/new")
        stage = re.search(r'<option value="(\d+)" selected>', form) or re.search(r'name="stage_id"[^>]*>.*?<option value="(\d+)"', form, re.S)
        page = client.post(
            "/leads",
            {"name": "Zoned Lead", "expected_close_date": "2026-03-01", "stage_id": stage.group(1), "value": "10"},
            csrf_from="/leads/new",
        )
        assert "Zoned Lead" in page
        assert "1 Mar 2026" in page
        assert "28 Feb 2026" not in page and "2 Mar 2026" not in page
    finally:
        server.stop()
