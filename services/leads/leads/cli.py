"""The leads command line: `python -m leads.cli import-prospects LIST.csv [--list-name N] [--campaign C]`."""

import asyncio
import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from crm_shared.db import create_engine, session_factory
from crm_shared.messaging.uow import UnitOfWork
from crm_shared.migrations import upgrade
from leads.config import LeadsSettings
from leads.models import messaging
from leads.prospects.domain import column_map
from leads.prospects.service import ImportReport, import_rows

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
app = typer.Typer(help="Leads service commands.", no_args_is_help=True)
console = Console(stderr=True)


@app.callback()
def main() -> None:
    """Leads service commands (settings from LEADS_* environment variables)."""


@app.command("import-prospects")
def import_prospects(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="a CSV file with a header row")],
    list_name: Annotated[
        str | None, typer.Option(help="the purchased list's name (default: the file name)")
    ] = None,
    campaign: Annotated[str | None, typer.Option(help="the campaign these prospects belong to")] = None,
    encoding: Annotated[str, typer.Option(help="the file's text encoding (e.g. gb18030)")] = "utf-8-sig",
    report: Annotated[
        Path | None, typer.Option(help="the per-row report (default: <file>.report.csv)")
    ] = None,
) -> None:
    """Import a purchased prospect list: validated and deduplicated row by row, with a progress bar."""
    settings = LeadsSettings()
    with path.open(newline="", encoding=encoding) as handle:
        total = max(sum(1 for _ in handle) - 1, 0)
    result = asyncio.run(_import(settings, path, list_name or path.stem, campaign, encoding, total))
    report_path = report or path.with_name(path.name + ".report.csv")
    _write_report(report_path, result)
    table = Table(title=f"Imported {path.name}")
    for column in ("imported", "duplicates", "errors"):
        table.add_column(column, justify="right")
    table.add_row(str(result.imported), str(len(result.duplicates)), str(len({e.row for e in result.errors})))
    console.print(table)
    if result.duplicates or result.errors:
        console.print(f"Per-row report: {report_path}")


async def _import(
    settings: LeadsSettings, path: Path, list_name: str, campaign: str | None, encoding: str, total: int
) -> ImportReport:
    await upgrade(MIGRATIONS, settings.database_url)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )
    try:
        with progress, path.open(newline="", encoding=encoding) as handle:
            task = progress.add_task(f"importing {path.name}", total=total)
            reader = csv.DictReader(handle)
            columns = column_map(list(reader.fieldnames or []))
            rows = ((number, raw) for number, raw in enumerate(reader, start=2))
            return await import_rows(
                uow_factory=lambda: UnitOfWork(sessions, messaging, settings.service_name),
                rows=rows,
                columns=columns,
                list_name=list_name,
                campaign=campaign,
                region=settings.default_region,
                on_row=lambda: progress.advance(task),
            )
    finally:
        await engine.dispose()


def _write_report(path: Path, result: ImportReport) -> None:
    """One line per row not imported: its number, the outcome, the field and the reason."""
    lines = [(e.row, "error", e.field, e.reason) for e in result.errors]
    lines += [(d.row, "duplicate", d.field, d.reason) for d in result.duplicates]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "outcome", "field", "reason"])
        writer.writerows(sorted(lines))


if __name__ == "__main__":
    app()
