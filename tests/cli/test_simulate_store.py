"""`centralita simulate ... --store` through the real command (Typer's runner), on SQLite
and PostgreSQL: it stores the days it prints, refuses a day twice and bad options with one
line, and then has stored nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from centralita.cli.main import app
from centralita.store import actions
from centralita.store.models import Event, Interaction
from support import T0

SCENARIO = """\
name: small
duration_hours: 2
start_time: "08:00"
seed: 5
queues:
  - id: sales
    service_level_seconds: 20
agent_groups:
  - id: g1
    agents: 4
    skills: {sales: 1}
arrivals:
  - queue: sales
    calls_per_hour: 60
    handle_time: {distribution: exponential, mean_seconds: 200}
    patience: {distribution: exponential, mean_seconds: 120}
    dnis: "6015550100"
"""


@pytest.fixture
def setup(tmp_path, store, migrated_url):
    with store.transaction() as tx:
        actions.do_create_tenant(tx, slug="acme", name="Acme", at=T0, actor="test")
    path = tmp_path / "day.yaml"
    path.write_text(SCENARIO)
    return path, migrated_url, store


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["simulate", *args])
    return result.exit_code, result.stdout, result.stderr


def counts(store) -> tuple[int, int]:
    """Events of simulated days, and interactions."""
    with store.read() as session:
        events = session.scalar(select(func.count()).where(Event.actor.like("simulator:%")))
        interactions = session.scalar(select(func.count()).select_from(Interaction))
    return int(events or 0), int(interactions or 0)


def stored(path: Path, url: str, *more: str) -> tuple[int, str, str]:
    return run(str(path), "--store", "--tenant", "acme", "--database-url", url, *more)


def test_store_writes_the_days_it_reports_and_their_speed(setup):
    path, url, store = setup
    code, out, err = stored(path, url, "--start", "2026-03-02", "--days", "2")
    assert code == 0, err
    assert "Stored 2 simulated days of 'small' in tenant 'acme' (2026-03-02 to 2026-03-03" in out
    assert "Mon 2026-03-02" in out and "Tue 2026-03-03" in out and "events/s" in out
    events, interactions = counts(store)
    assert f"{interactions:,} interactions, {events:,} events written" in out
    assert interactions > 150


def test_stored_days_are_the_replications_of_plain_simulate(setup):
    path, url, _ = setup
    code, out, err = stored(path, url, "--start", "2026-03-02", "--days", "2", "--json")
    assert code == 0, err
    document = json.loads(out)
    code, plain, _ = run(str(path), "--replications", "2", "--json")
    assert code == 0
    sales = json.loads(plain)["queues"]["sales"]
    days = [d["queues"]["sales"] for d in document["days"]]
    for figure in ("offered", "answered", "abandoned", "service_level", "asa_seconds"):
        mean = sum(d[figure] for d in days) / 2
        assert mean == pytest.approx(sales[figure], rel=1e-12), figure
    assert document["events"] > 0 and document["events_per_second"] > 0


def test_a_stored_day_is_refused_the_second_time_with_one_line(setup):
    path, url, store = setup
    assert stored(path, url, "--start", "2026-03-03")[0] == 0
    before = counts(store)
    code, out, err = stored(path, url, "--start", "2026-03-02", "--days", "3")
    assert code == 2 and out == ""
    assert err == (
        "error: tenant 'acme' already holds the simulated day 2026-03-03; a day is stored "
        "once (the event log is append-only): choose other dates\n"
    )
    assert counts(store) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--store", "--tenant", "acme", "--start", "2026-02-30"], "'2026-02-30' is not a date"),
        (["--store", "--start", "2026-03-02"], "--store needs --tenant"),
        (["--store", "--tenant", "acme"], "--store needs --start"),
        (["--tenant", "acme", "--start", "2026-03-02"], "go with --store"),
        (["--store", "--tenant", "nobody", "--start", "2026-03-02"], "no tenant 'nobody'"),
        (["--store", "--tenant", "acme", "--start", "2026-03-02", "-n", "3"], "--replications"),
        (["--store", "--tenant", "acme", "--start", "2099-03-02"], "must be past days"),
    ],
    ids=[
        "bad-date",
        "no-tenant",
        "no-start",
        "no-store",
        "unknown-tenant",
        "replications",
        "future",
    ],
)
def test_broken_options_give_one_clear_line_and_store_nothing(setup, args, message):
    path, url, store = setup
    with store.read() as session:
        before = session.scalar(select(func.count()).select_from(Event))
    code, out, err = run(str(path), "--database-url", url, *args)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == before


def test_a_database_without_the_schema_is_refused(tmp_path, database_url):
    path = tmp_path / "day.yaml"
    path.write_text(SCENARIO)
    code, _, err = run(
        str(path), "--store", "--tenant", "acme", "--start", "2026-03-02",
        "--database-url", database_url,
    )  # fmt: skip
    assert code == 2 and "run `centralita db upgrade`" in err
