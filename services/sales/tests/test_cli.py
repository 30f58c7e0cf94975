"""The import command line: progress bar, per-row error report, events in the outbox."""

import asyncio
import sqlite3

from typer.testing import CliRunner

from crm_shared.migrations import upgrade
from sales.cli import app
from sales.main import SPEC_MIGRATIONS


def test_import_accounts_from_the_command_line(tmp_path, monkeypatch):
    path = tmp_path / "sales.db"
    url = f"sqlite+aiosqlite:///{path}"
    asyncio.run(upgrade(SPEC_MIGRATIONS, url))
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO app_user (id, name, email, role, active, capacity, password_hash, created_at, "
            "updated_at) VALUES ('u-1', 'Ann', 'ann@example.com', 'rep', 1, 0, 'x', '2026-01-01', "
            "'2026-01-01')"
        )
    listing = tmp_path / "fair.csv"
    rows = ["name,domain,phones"] + [f"Shop {n},shop{n}.cn,+86 138 0000 {n:04d}" for n in range(600)]
    listing.write_text("\n".join([*rows, "Shop 7 again,shop7.cn,", "Bad,bad.cn,12"]) + "\n", encoding="utf-8")
    monkeypatch.setenv("SALES_DATABASE_URL", url)

    result = CliRunner().invoke(app, ["import-accounts", str(listing), "--owner", "ANN@example.com"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM account WHERE owner_id = 'u-1'").fetchone() == (600,)
        created = db.execute(
            "SELECT count(*) FROM outbox WHERE event_type = 'sales.account.created'"
        ).fetchone()
        assert created == (600,)
    errors = (tmp_path / "fair.csv.errors.csv").read_text().splitlines()
    assert errors == ["row,field,reason", "602,phones.0,not a valid phone number: 12"]
    unknown = CliRunner().invoke(app, ["import-accounts", str(listing), "--owner", "nobody@example.com"])
    assert unknown.exit_code != 0
