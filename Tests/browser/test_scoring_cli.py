"""`leadboard rescore` through the real binary: every lead scored by the stored rules, with the rules
about time re-measured from now, progress on stderr and a summary on stdout."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from pathlib import Path

from conftest import _clean_env

PASSWORD = "scoring-cli-password-7"


def run(binary: Path, *args: str, cwd: Path, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), *args], input=input, capture_output=True, text=True,
                          env=_clean_env(), cwd=cwd, timeout=120)


def test_rescore_scores_every_lead_with_progress_on_stderr(leadboard_bin, tmp_path):
    # Given a data folder with three leads (imported through the CLI) and two rules
    data = tmp_path / "data"
    result = run(leadboard_bin, "user", "add", "--data-dir", str(data), "--email", "ops@example.com", "--name", "Ops",
                 "--role", "admin", "--password-stdin", cwd=tmp_path, input=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    csv = tmp_path / "leads.csv"
    csv.write_text("name,email,value\nBig Co,big@example.com,9000\nSmall Co,small@example.com,10\nQuiet Co,,0\n")
    result = run(leadboard_bin, "import", str(csv), "--data-dir", str(data), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    db = data / "leadboard.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE scoringSettings SET asOf = '2001-01-01 00:00:00.000'")
        conn.execute("INSERT INTO scoringRule (kind, field, choices, number, days, points, position, createdAt) VALUES "
                     "('filled', 'email', '[]', NULL, NULL, 30, 1, '2026-01-01 00:00:00.000'), "
                     "('at_least', 'value', '[]', 5000, NULL, 45, 2, '2026-01-01 00:00:00.000')")
        assert [row[0] for row in conn.execute("SELECT score FROM lead ORDER BY id")] == [0, 0, 0]

    # When the scores are recomputed from the command line
    result = run(leadboard_bin, "rescore", "--data-dir", str(data), "--batch-size", "100", cwd=tmp_path)

    # Then every lead has its score, and the run said what it did
    assert result.returncode == 0, result.stderr
    assert "Rescoring: 3 of 3 leads" in result.stderr
    assert re.search(r"^Rescored 3 leads in [0-9.]+ s \(1 batches, the longest [0-9.]+ s\); 2 scores changed$", result.stdout, re.M), result.stdout
    with sqlite3.connect(db) as conn:
        assert [row[0] for row in conn.execute("SELECT score FROM lead ORDER BY id")] == [75, 30, 0]
        # The rules about time are measured from now on
        (as_of,) = conn.execute("SELECT asOf FROM scoringSettings").fetchone()
        assert not as_of.startswith("2001")


def test_rescore_refuses_a_silly_batch_size(leadboard_bin, tmp_path):
    result = run(leadboard_bin, "rescore", "--data-dir", str(tmp_path / "data"), "--batch-size", "5", cwd=tmp_path)
    assert result.returncode != 0
    assert "--batch-size must be from 100 to 1000000." in result.stderr
