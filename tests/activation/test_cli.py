"""`newvisions codes generate | list | revoke`."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from newvisions.cli import app
from newvisions.utils.validators import is_activation_code

runner = CliRunner()


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_generate_list_revoke(cli_env: Path) -> None:
    _ok("migrate")
    printed = _ok("codes", "generate", "--count", "3").split()
    assert len(printed) == 3 and all(is_activation_code(c) for c in printed)

    out = cli_env / "tour.csv"
    _ok(
        "codes",
        "generate",
        "-n",
        "1200",
        "--batch",
        "tour",
        "--expires-days",
        "10",
        "--out",
        str(out),
    )
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1200 and len({r["code"] for r in rows}) == 1200
    assert {r["batch"] for r in rows} == {"tour"} and all(r["expires_at"] for r in rows)

    listed = _ok("codes", "list", "--batch", "tour").splitlines()
    assert len(listed) == 1200 and all("\tunused\t" in line for line in listed)
    assert len(_ok("codes", "list", "--unused").splitlines()) == 1203
    assert _ok("codes", "list", "--used") == ""

    revoked = rows[0]["code"]
    assert "revoked" in _ok("codes", "revoke", revoked)
    assert len(_ok("codes", "list", "--unused").splitlines()) == 1202
    status = {line.split("\t")[0]: line.split("\t")[2] for line in listed}
    assert status[revoked] == "unused"
    after = {
        line.split("\t")[0]: line.split("\t")[2]
        for line in _ok("codes", "list", "--batch", "tour").splitlines()
    }
    assert after[revoked] == "revoked"

    missing = runner.invoke(app, ["codes", "revoke", "abcdefgh123"])
    assert missing.exit_code == 1 and "no such activation code" in missing.output
    both = runner.invoke(app, ["codes", "list", "--used", "--unused"])
    assert both.exit_code != 0
