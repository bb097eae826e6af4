"""`centralita recordings ...`: the retention purge of call recordings and the recording
policy (`policy show|set|clear`, the same action and checks as the administration API)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
import yaml

from centralita.app.recording_purge import purge
from centralita.cli.common import ConfigOption, clear_errors, settings_from
from centralita.clock import utcnow
from centralita.errors import Invalid
from centralita.recording.storage import LocalStorage
from centralita.store.actions import recordings as actions
from centralita.store.actions.base import NoSuchCampaign, NoSuchQueue, NoSuchTenant, get
from centralita.store.db import Store, Tx
from centralita.store.models import Campaign, Queue, Tenant

app = typer.Typer(help="Call recordings.", no_args_is_help=True)


@app.command("purge")
def purge_command(
    config: Path | None = ConfigOption,
    now: str | None = typer.Option(
        None, help="purge as of this instant (ISO 8601 with offset; default: now)"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="list what would go, delete nothing"),
) -> None:
    """Delete the audio of recordings past their retention (never under legal hold).

    Each purged recording keeps its metadata and gets a `recording.purged` event."""
    with clear_errors():
        settings = settings_from(config)
        at = utcnow()
        if now is not None:
            try:
                at = datetime.fromisoformat(now)
            except ValueError:
                raise Invalid(f"--now: {now!r} is not an ISO 8601 instant", field="now") from None
            if at.tzinfo is None:
                raise Invalid("--now: give the UTC offset, e.g. 2026-03-02T13:00:00+00:00")
        store = Store.from_url(settings.database_url_plain)
        try:
            storage = LocalStorage(settings.data_dir / "recordings")
            result = purge(store, storage, now=at, actor="cli", dry_run=dry_run)
        finally:
            store.dispose()
        verb = "would purge" if dry_run else "purged"
        typer.echo(
            f"{verb} {len(result.purged)} recording(s); {len(result.held)} expired but "
            f"under legal hold kept; {len(result.errors)} error(s)"
        )
        for row_id, error in result.errors.items():
            typer.echo(f"recording {row_id}: {error}", err=True)
        if result.errors:
            raise typer.Exit(1)


policy_app = typer.Typer(
    help="The recording policy: a tenant's defaults, a queue's or a campaign's overrides.",
    no_args_is_help=True,
)
app.add_typer(policy_app, name="policy")

TenantOption = typer.Option(..., "--tenant", "-t", help="the tenant's slug")
QueueOption = typer.Option(None, "--queue", help="a queue's override (by name)")
CampaignOption = typer.Option(None, "--campaign", help="a campaign's override (by name)")
FileOption = typer.Option(
    None, "--file", "-f", dir_okay=False, help="settings from a YAML or JSON mapping"
)


@contextlib.contextmanager
def _store(config: Path | None) -> Iterator[Store]:
    store = Store.from_url(settings_from(config).database_url_plain)
    try:
        yield store
    finally:
        store.dispose()


def _scope(tx: Tx, tenant: str, queue: str | None, campaign: str | None) -> tuple[int, str, int]:
    """(tenant id, scope, scope id) for the layer the options name."""
    if queue is not None and campaign is not None:
        raise Invalid("give --queue or --campaign, not both", field="scope")
    tenant_id = get(tx, Tenant, NoSuchTenant, slug=tenant).id
    if queue is not None:
        return tenant_id, "queue", get(tx, Queue, NoSuchQueue, tenant_id=tenant_id, name=queue).id
    if campaign is not None:
        row = get(tx, Campaign, NoSuchCampaign, tenant_id=tenant_id, name=campaign)
        return tenant_id, "campaign", row.id
    return tenant_id, "tenant", 0


def _read_layer(path: Path) -> dict[str, Any]:
    """A layer from a YAML or JSON file (`.json` is JSON, anything else YAML)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Invalid(f"--file: cannot read {path}: {exc}", field="file") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise Invalid(f"--file: {path} is not valid JSON or YAML: {exc}", field="file") from None
    if not isinstance(data, dict):
        raise Invalid(f"--file: {path} must hold a mapping of settings", field="file")
    return data


def _settings(layer: dict[str, Any] | None) -> str:
    return " ".join(f"{k}={v}" for k, v in layer.items()) if layer else "-"


def _echo_entry(title: str, entry: dict[str, Any]) -> None:
    typer.echo(title)
    typer.echo(f"  stored:    {_settings(entry['settings'])}")
    typer.echo(f"  effective: {_settings(entry['effective'])}")


def _echo_overview(overview: dict[str, Any]) -> None:
    _echo_entry("tenant defaults", overview["tenant"])
    for entry in overview["queues"]:
        _echo_entry(f"queue {entry['name']}", entry)
    for entry in overview["campaigns"]:
        queue = f" (in queue {entry['queue']})" if entry["queue"] else ""
        _echo_entry(f"campaign {entry['name']}{queue}", entry)


def _entry_of(overview: dict[str, Any], scope: str, scope_id: int) -> dict[str, Any]:
    if scope == "tenant":
        tenant: dict[str, Any] = overview["tenant"]
        return tenant
    return next(e for e in overview[f"{scope}s"] if e["id"] == scope_id)


@policy_app.command("show")
def policy_show(
    tenant: str = TenantOption,
    as_json: bool = typer.Option(False, "--json", help="the same document as the API's GET"),
    config: Path | None = ConfigOption,
) -> None:
    """The tenant's stored layers and the policy in force for it, each queue and each
    campaign (a call in the campaign's own queue)."""
    with clear_errors(), _store(config) as store, store.transaction() as tx:
        tenant_id = get(tx, Tenant, NoSuchTenant, slug=tenant).id
        overview = actions.policy_overview(tx.session, tenant_id=tenant_id)
    if as_json:
        typer.echo(json.dumps(overview, indent=2))
    else:
        _echo_overview(overview)


@policy_app.command("set")
def policy_set(
    tenant: str = TenantOption,
    queue: str | None = QueueOption,
    campaign: str | None = CampaignOption,
    file: Path | None = FileOption,
    mode: str | None = typer.Option(None, help="all, sampled, on_demand or never"),
    sample_share: float | None = typer.Option(None, help="for sampled: 0 to 1"),
    start: str | None = typer.Option(None, help="answer or arrival"),
    split: str | None = typer.Option(None, help="interaction or leg"),
    channels: str | None = typer.Option(None, help="stereo or mono"),
    format_: str | None = typer.Option(None, "--format", help="opus or wav"),
    path_template: str | None = typer.Option(None, help="must contain {interaction}"),
    retention_days: int | None = typer.Option(None, help="1 to 36500"),
    legal_hold: bool | None = typer.Option(
        None, "--legal-hold/--no-legal-hold", help="recordings born under legal hold"
    ),
    replace: bool = typer.Option(
        False, "--replace", help="the given settings become the whole layer (others dropped)"
    ),
    config: Path | None = ConfigOption,
) -> None:
    """Set the tenant's defaults, or a queue's or a campaign's overrides.

    Changes the settings given (from --file, then the options) and keeps the layer's others,
    unless --replace. Every value is checked; a wrong one changes nothing."""
    options = {
        "mode": mode, "sample_share": sample_share, "start": start, "split": split,
        "channels": channels, "format": format_, "path_template": path_template,
        "retention_days": retention_days, "legal_hold": legal_hold,
    }  # fmt: skip
    with clear_errors(), _store(config) as store:
        given = _read_layer(file) if file is not None else {}
        given.update({k: v for k, v in options.items() if v is not None})
        if not given:
            raise Invalid("give at least one setting (e.g. --mode) or --file", field="settings")
        with store.transaction() as tx:
            tenant_id, scope, scope_id = _scope(tx, tenant, queue, campaign)
            before = _entry_of(actions.policy_overview(tx.session, tenant_id=tenant_id),
                               scope, scope_id)  # fmt: skip
            layer = given if replace else {**(before["settings"] or {}), **given}
            actions.do_set_recording_policy(
                tx, tenant_id=tenant_id, scope=scope, scope_id=scope_id, settings=layer,
                at=utcnow(), actor="cli",
            )  # fmt: skip
            after = actions.policy_overview(tx.session, tenant_id=tenant_id)
        _echo_entry(f"set {scope} {queue or campaign or tenant}", _entry_of(after, scope, scope_id))


@policy_app.command("clear")
def policy_clear(
    tenant: str = TenantOption,
    queue: str | None = QueueOption,
    campaign: str | None = CampaignOption,
    config: Path | None = ConfigOption,
) -> None:
    """Remove a queue's or campaign's overrides (or, with neither, the tenant's defaults:
    the built-in ones apply again)."""
    with clear_errors(), _store(config) as store, store.transaction() as tx:
        tenant_id, scope, scope_id = _scope(tx, tenant, queue, campaign)
        removed = actions.do_clear_recording_policy(
            tx, tenant_id=tenant_id, scope=scope, scope_id=scope_id, at=utcnow(), actor="cli"
        )
        after = actions.policy_overview(tx.session, tenant_id=tenant_id)
    verb = "cleared" if removed else "nothing to clear for"
    _echo_entry(f"{verb} {scope} {queue or campaign or tenant}", _entry_of(after, scope, scope_id))
