"""The command line refuses breached passwords like the web forms do (issue 8)."""

from __future__ import annotations

import os
import subprocess

import pytest

BIN = os.environ["LEADBOARD_BIN"]


def _leadboard(data_dir, *args, stdin: str = ""):
    return subprocess.run(
        [BIN, *args, "--data-dir", str(data_dir)], input=stdin, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("password", ["password1234", "123456789012", "qwertyuiop12", "1q2w3e4r5t6y"])
def test_user_add_refuses_a_breached_password(tmp_path, password):
    result = _leadboard(
        tmp_path, "user", "add", "--email", "x@example.com", "--name", "X", "--role", "admin", "--password-stdin",
        stdin=password + "\n",
    )
    assert result.returncode != 0
    assert "data breaches" in result.stderr
    listed = _leadboard(tmp_path, "user", "list")
    assert "x@example.com" not in listed.stdout


def test_set_password_refuses_a_breached_password_and_accepts_a_good_one(tmp_path):
    added = _leadboard(
        tmp_path, "user", "add", "--email", "y@example.com", "--name", "Y", "--role", "admin", "--password-stdin",
        stdin="lilac hedgehog 1234\n",
    )
    assert added.returncode == 0, added.stderr
    refused = _leadboard(tmp_path, "user", "set-password", "--email", "y@example.com", "--password-stdin", stdin="password1234\n")
    assert refused.returncode != 0
    assert "data breaches" in refused.stderr
    accepted = _leadboard(
        tmp_path, "user", "set-password", "--email", "y@example.com", "--password-stdin", stdin="another lilac hedgehog\n"
    )
    assert accepted.returncode == 0, accepted.stderr
