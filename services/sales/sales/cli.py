"""The sales command line: `python -m sales.cli import-accounts|import-contacts FILE.csv --owner EMAIL`."""

import asyncio
import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import select

from crm_shared.auth import Principal, Role
from crm_shared.db import create_engine, session_factory
from crm_shared.messaging.uow import UnitOfWork
from crm_shared.migrations import upgrade
from sales.config import SalesSettings
from sales.main import SPEC_MIGRATIONS
from sales.models import AppUser, messaging
from sales.tables import load_all
from sales.transfer import service

CHUNK = 500  # rows per transaction: a failure loses at most one chunk, the report says which rows landed
app = typer.Typer(help="Sales service commands.", no_args_is_help=True)
console = Console(stderr=True)
PathArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="a CSV file with a header row")]
OwnerOpt = Annotated[
    str, typer.Option(help="email of the user the import runs as (and who owns new records)")
]


@app.callback()
def main() -> None:
    """Sales service commands (settings from SALES_* environment variables)."""


@app.command("import-accounts")
def import_accounts(path: PathArg, owner: OwnerOpt, encoding: str = "utf-8-sig") -> None:
    """Import accounts (deduplicated by domain and phone) with a progress bar and a per-row report."""
    _report(
        path, asyncio.run(_run(service.import_accounts, service.parse_csv(path.read_text(encoding)), owner))
    )


@app.command("import-contacts")
def import_contacts(path: PathArg, owner: OwnerOpt, encoding: str = "utf-8-sig") -> None:
    """Import contacts (deduplicated by email and phone) with a progress bar and a per-row report."""
    _report(
        path, asyncio.run(_run(service.import_contacts, service.parse_csv(path.read_text(encoding)), owner))
    )


async def _run(use_case, rows: list[dict[str, str]], owner: str) -> service.ImportResult:
    settings = SalesSettings()
    load_all()
    await upgrade(SPEC_MIGRATIONS, settings.database_url)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    totals = service.ImportResult(total=len(rows), created=0, duplicates=0, created_ids=[], errors=[])
    try:
        async with UnitOfWork(sessions, messaging, "sales") as uow:
            user = (
                await uow.session.execute(select(AppUser).where(AppUser.email == owner.lower()))
            ).scalar_one_or_none()
            if user is None:
                raise typer.BadParameter(f"no user {owner}", param_hint="--owner")
            principal = Principal(user.id, Role(user.role), user.team_id, user.name)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("importing", total=len(rows))
            for first in range(0, len(rows), CHUNK):
                async with UnitOfWork(sessions, messaging, "sales") as uow:
                    done = await use_case(
                        uow=uow,
                        principal=principal,
                        rows=rows[first : first + CHUNK],
                        now=datetime.now(UTC),
                        first_row=first + 1,
                    )
                totals.created += done.created
                totals.duplicates += done.duplicates
                totals.errors.extend(done.errors)
                progress.advance(task, len(rows[first : first + CHUNK]))
    finally:
        await engine.dispose()
    return totals


def _report(path: Path, result: service.ImportResult) -> None:
    table = Table(title=f"Imported {path.name}")
    for column in ("rows", "created", "duplicates", "errors"):
        table.add_column(column, justify="right")
    table.add_row(str(result.total), str(result.created), str(result.duplicates), str(len(result.errors)))
    console.print(table)
    if result.errors:
        report = path.with_name(path.name + ".errors.csv")
        with report.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["row", "field", "reason"])
            writer.writerows([e.row, e.field, e.reason] for e in result.errors)
        console.print(f"Per-row errors: {report}")


if __name__ == "__main__":
    app()
