"""`python -m reporting.rebuild`: replay every topic into a fresh database, with a progress bar."""

import asyncio
import os
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from reporting.config import ReportingSettings
from reporting.rebuild.parallel import MAX_WORKERS, SHARE_MIN, RebuildFailed
from reporting.rebuild.parallel import rebuild as run_rebuild
from reporting.rebuild.replay import NotFresh

app = typer.Typer(add_completion=False, help=__doc__)


@app.command()
def rebuild(
    database_url: Annotated[str | None, typer.Option(help="A fresh database (default: settings)")] = None,
    bootstrap_servers: Annotated[str | None, typer.Option(help="Kafka (default: REPORTING_KAFKA__…)")] = None,
    chunk: Annotated[int, typer.Option(min=1, help="Records per transaction")] = 5000,
    workers: Annotated[int, typer.Option(min=1, max=MAX_WORKERS, help="Processes folding shares")]
    = min(os.cpu_count() or 1, 4),
) -> None:
    """Replay every topic reporting consumes, from the start to the current end offsets."""
    settings = ReportingSettings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    if bootstrap_servers:
        settings.kafka = settings.kafka.model_copy(update={"bootstrap_servers": bootstrap_servers})
    console = Console()
    columns = (TextColumn("replaying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("replay", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            stats = asyncio.run(run_rebuild(settings, workers=workers, on_progress=on_progress, chunk=chunk))
        except NotFresh as error:
            console.print(f"[red]{error}[/red]")
            raise typer.Exit(2) from error
        except RebuildFailed as error:  # a share's own error is above, on stderr; the target is not usable
            console.print(f"[red]{error}; rebuild into a new database[/red]")
            raise typer.Exit(1) from error
    console.print(f"read {stats.read}, applied {stats.applied}, duplicates {stats.duplicates}, "
                  f"ignored {stats.ignored}, rejected {stats.rejected}; folded in {stats.processes} "
                  f"process{'es' if stats.processes > 1 else ''}"
                  + (f" (at most one per {SHARE_MIN:,} records, as the partitions allow)"
                     if stats.processes < workers else ""))


if __name__ == "__main__":
    app()
