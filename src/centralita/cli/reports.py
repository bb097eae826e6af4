"""`centralita reports ...`: rebuild the report projections from the event log."""

from __future__ import annotations

from pathlib import Path

import typer

from centralita.cli.common import ConfigOption, clear_errors, settings_from, share_bar
from centralita.reports.projection import Follower, rebuild
from centralita.store.db import Store

app = typer.Typer(help="Report projections and scheduled reports.", no_args_is_help=True)


@app.command("rebuild")
def rebuild_command(config: Path | None = ConfigOption) -> None:
    """Empty the report tables and replay the whole event log into them.

    Safe to run while the center is live: its follower waits for the rebuild and resumes
    from it. If the rebuild fails, the previous projection is kept as it was.
    """
    with clear_errors():
        settings = settings_from(config)
        store = Store.from_url(settings.database_url_plain)
        try:
            with share_bar("replaying", "the event log") as bar:
                result = rebuild(
                    store,
                    progress=None if bar is None else lambda done, total: bar(done / (total or 1)),
                )
        finally:
            store.engine.dispose()
        typer.echo(
            f"rebuilt the reports from {result.events:,} events ({result.calls:,} calls) "
            f"in {result.seconds:.1f} s: {result.events_per_second:,.0f} events/s"
        )


@app.command("update")
def update_command(config: Path | None = ConfigOption) -> None:
    """Bring the report tables up to date with the events written since the last update
    (`centralita serve` does this every few seconds by itself)."""
    with clear_errors():
        settings = settings_from(config)
        store = Store.from_url(settings.database_url_plain)
        try:
            read = Follower(store).catch_up()
        finally:
            store.engine.dispose()
        typer.echo(f"projected {read:,} new events")


TenantsOption = typer.Option(
    None, "--tenant", help="tenant slug (repeat for several; default: every tenant)"
)
FolderOption = typer.Option(None, "--to", help="folder to write the files to")
MailOption = typer.Option(None, "--mail", help="address to mail the files to (repeat)")
DateOption = typer.Option(
    None, "--date", help="the local day to report, YYYY-MM-DD (default: yesterday)"
)


@app.command("send")
def send_command(
    tenant: list[str] | None = TenantsOption,
    to: Path | None = FolderOption,
    mail: list[str] | None = MailOption,
    day: str | None = DateOption,
    config: Path | None = ConfigOption,
) -> None:
    """Write and/or mail a day's reports of a tenant: a CSV per report, the XLSX workbook
    and the PDF with its charts (what `centralita serve` sends daily at `reports_time`)."""
    from datetime import date

    from centralita.clock import utcnow
    from centralita.reports.queries import BadReportRequest
    from centralita.reports.schedule import send, tenants_to_send, yesterday

    with clear_errors():
        settings = settings_from(config)
        mail = mail or []
        if to is None and not mail:
            raise BadReportRequest("say where the reports go: --to <folder> and/or --mail")
        try:
            when = date.fromisoformat(day) if day else yesterday(utcnow(), settings.timezone)
        except ValueError:
            raise BadReportRequest(
                f"--date must be YYYY-MM-DD, not {day!r}", field="date"
            ) from None
        store = Store.from_url(settings.database_url_plain)
        try:
            for slug in tenant or tenants_to_send(store, settings):
                sent = send(store, settings, slug, when, folder=to, mail_to=mail)
                where = [str(to)] if to is not None else []
                where += [f"mail to {', '.join(mail)}"] if mail else []
                typer.echo(f"{slug} {when}: {len(sent.files)} files → {'; '.join(where)}")
        finally:
            store.engine.dispose()
