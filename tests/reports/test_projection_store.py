"""The projection tables on SQLite and PostgreSQL: kept up to date from the live center's
event log, equal to a rebuild, and read back by the report queries in local time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from centralita.app.center import LiveCenter
from centralita.cli.main import app
from centralita.core.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentReadied,
    CallerHungUp,
    HoldEnded,
    HoldStarted,
    InteractionEnded,
    OfferAccepted,
    Tick,
    TransferRequested,
)
from centralita.demo import DEMO_TENANT
from centralita.reports import queries
from centralita.reports.projection import PROJECTION_TABLES, Follower, rebuild
from centralita.store.models import Queue, Tenant, User
from support import SteppingClock

NEW_YORK = ZoneInfo("America/New_York")
# 2026-11-01 04:00 UTC = 00:00 EDT; clocks fall back at 06:00 UTC (02:00 EDT → 01:00 EST)
NIGHT = datetime(2026, 11, 1, 4, 0, tzinfo=UTC).timestamp()


class Demo:
    def __init__(self, store, start: float) -> None:
        self.store = store
        self.clock = SteppingClock(start)
        self.center = LiveCenter.from_store(store, clock=self.clock)
        with store.read() as session:
            self.tenant = session.scalars(select(Tenant).where(Tenant.slug == DEMO_TENANT)).one()
            self.users = {u.username: str(u.id) for u in session.scalars(select(User))}
            self.queues = {
                q.name: q.id
                for q in session.scalars(select(Queue).where(Queue.tenant_id == self.tenant.id))
            }

    auto_answer = False

    def at(self, seconds: float, event=None, **arrival):
        """Move the clock to `seconds` firing due timers, then handle the event; with
        `auto_answer` every offer is accepted the moment it is made."""
        while (d := self.center.next_deadline()) is not None and d <= seconds:
            self.clock.now = d
            self.center.handle(Tick())
            self._answer()
        self.clock.now = seconds
        if arrival:
            self.center.arrive(tenant_id=self.tenant.id, **arrival)
        elif event is not None:
            self.center.handle(event)
        self._answer()

    def _answer(self) -> None:
        if not self.auto_answer:
            return
        for iid in list(self.center.router.interactions):
            snap = self.center.router.interaction_snapshot(iid)
            if snap.state == "offered":
                self.center.handle(OfferAccepted(iid, snap.offered_to[0]))

    def agent(self, name: str) -> str:
        return self.users[name]


def snapshot(store) -> dict[str, list]:
    out = {}
    with store.read() as session:
        for model in PROJECTION_TABLES:
            cols = list(model.__table__.columns)
            rows = session.execute(select(*cols)).all()
            out[model.__tablename__] = sorted(
                tuple(round(v, 6) if isinstance(v, float) else str(v) for v in row) for row in rows
            )
    return out


def busy_hour(d: Demo, follower: Follower | None) -> None:
    """Two agents; calls answered, held, transferred, abandoned; catch up on the way."""
    t0 = d.clock.now
    ana, carlos = d.agent("ana"), d.agent("carlos")
    sales = str(d.queues["Ventas"])
    steps = [
        (0, AgentLoggedIn(ana), {}),
        (0, AgentLoggedIn(carlos), {}),
        (30, None, {"interaction_id": "a1", "queue": "Ventas", "ani": "3001"}),
        (35, None, {"interaction_id": "a2", "queue": "Soporte", "ani": "3002"}),
        (36, None, {"interaction_id": "a3", "queue": "Ventas", "ani": "3003"}),
        (60, CallerHungUp("a3"), {}),
        (100, HoldStarted("a1"), {}),
        (130, HoldEnded("a1"), {}),
        (200, InteractionEnded("a1"), {}),
        (250, TransferRequested("a2", queue=sales), {}),
        (320, InteractionEnded("a2"), {}),
        (400, AgentPaused(carlos, "break"), {}),
        (950, AgentReadied(carlos), {}),
        (1000, AgentLoggedOut(ana), {}),
    ]
    d.auto_answer = True
    for offset, event, arrival in steps:
        d.at(t0 + offset, event, **arrival)
        if follower is not None:
            follower.catch_up()
    d.auto_answer = False


def test_given_live_traffic_when_followed_in_batches_then_tables_equal_a_rebuild(demo_store):
    d = Demo(demo_store, NIGHT)
    follower = Follower(demo_store)
    busy_hour(d, follower)
    # a restarted follower resumes from the stored cursor and memory
    d.at(d.clock.now + 60, AgentLoggedOut(d.agent("carlos")))
    assert Follower(demo_store).catch_up() > 0
    followed = snapshot(demo_store)
    assert followed["report_calls"] and followed["report_agent_sessions"]

    result = rebuild(demo_store)
    assert result.events > 20 and result.calls == len(followed["report_calls"])
    assert snapshot(demo_store) == followed
    # the old follower notices the rebuild and continues from it without counting twice
    assert follower.catch_up() == 0
    assert snapshot(demo_store) == followed


def test_queue_report_in_local_time_across_a_daylight_saving_change(demo_store):
    d = Demo(demo_store, NIGHT)
    ana = d.agent("ana")
    sales = d.queues["Ventas"]
    d.at(NIGHT, AgentLoggedIn(ana))
    # 05:30 UTC = 01:30 EDT and 06:30 UTC = 01:30 EST: the same wall-clock time twice
    for i, utc_hour in enumerate((5.5, 6.5)):
        start = NIGHT + (utc_hour - 4) * 3600
        d.at(start, None, interaction_id=f"dst{i}", queue="Ventas")
        d.at(start + 4, OfferAccepted(f"dst{i}", ana))
        d.at(start + 64, InteractionEnded(f"dst{i}"))
    d.at(NIGHT + 4 * 3600, AgentLoggedOut(ana))
    Follower(demo_store).catch_up()
    f = queries.Filters(
        [d.tenant.id], date(2026, 11, 1), date(2026, 11, 1), NEW_YORK, queue_ids=[sales]
    )
    with demo_store.read() as session:
        hourly = queries.queue_report(session, f, "60")
        daily = queries.queue_report(session, f, "day")
        agents = queries.agent_report(session, f, "60")
    assert [(r.period.hour, r.utc_offset, r.answered) for r in hourly] == [
        (1, -240, 1),
        (1, -300, 1),
    ]
    (day,) = daily
    assert (day.offered, day.answered, day.asa, day.aht) == (2, 2, 4.0, 60.0 + 10.0)
    assert day.service_level == 1.0 and day.average_abandon is None
    # ana was logged in 00:00 EDT .. 03:00 EST: 4 hours, 01:00 twice
    assert len(agents) == 4 and sum(r.logged_in for r in agents) == 4 * 3600


def test_half_hour_rows_come_in_time_then_offset_then_queue_name_order(demo_store):
    """The database groups and orders the rows; a repeated local hour is merged in."""
    d = Demo(demo_store, NIGHT)
    # Ventas was created before Cobranzas (smaller id) but sorts after it by name
    assert d.queues["Ventas"] < d.queues["Cobranzas"]
    for i, (utc_hour, queue) in enumerate(
        ((5.5, "Ventas"), (5.6, "Cobranzas"), (6.5, "Ventas"), (6.6, "Cobranzas"))
    ):
        d.at(NIGHT + (utc_hour - 4) * 3600, None, interaction_id=f"q{i}", queue=queue)
    d.at(NIGHT + 4 * 3600, None)
    Follower(demo_store).catch_up()
    f = queries.Filters([d.tenant.id], date(2026, 11, 1), date(2026, 11, 1), NEW_YORK)
    with demo_store.read() as session:
        rows = queries.queue_report(session, f, "30")
        summed = queries.queue_report(session, f, "30", by_queue=False)
        in_utc = queries.queue_report(session, replace(f, tz=ZoneInfo("UTC")), "30")
    assert [(r.period.strftime("%H:%M"), r.utc_offset, r.queue, r.offered) for r in rows] == [
        ("01:30", -240, "Cobranzas", 1),
        ("01:30", -240, "Ventas", 1),
        ("01:30", -300, "Cobranzas", 1),
        ("01:30", -300, "Ventas", 1),
    ]
    # one UTC offset all day: the database's order is the report's
    assert [(r.period.strftime("%H:%M"), r.queue) for r in in_utc] == [
        ("05:30", "Cobranzas"),
        ("05:30", "Ventas"),
        ("06:30", "Cobranzas"),
        ("06:30", "Ventas"),
    ]
    assert [(r.utc_offset, r.queue_id, r.offered) for r in summed] == [
        (-240, None, 2),
        (-300, None, 2),
    ]


def test_a_call_and_a_shift_crossing_midnight_belong_where_they_started(demo_store):
    bogota = ZoneInfo("America/Bogota")  # UTC-5, no daylight saving
    midnight = datetime(2026, 3, 3, 0, 0, tzinfo=bogota).timestamp()
    d = Demo(demo_store, midnight - 600)
    ana = d.agent("ana")
    d.at(midnight - 600, AgentLoggedIn(ana))  # 23:50
    d.at(midnight - 10, None, interaction_id="late", queue="Ventas")  # 23:59:50
    d.at(midnight + 4, OfferAccepted("late", ana))  # answered after 14 s, next day
    d.at(midnight + 300, InteractionEnded("late"))
    d.at(midnight + 1200, AgentLoggedOut(ana))  # 00:20
    Follower(demo_store).catch_up()
    f = queries.Filters([d.tenant.id], date(2026, 3, 2), date(2026, 3, 3), bogota)
    with demo_store.read() as session:
        days = queries.queue_report(session, f, "day", by_queue=False)
        agent_days = queries.agent_report(session, f, "day")
        (login,) = queries.agent_sessions(session, f)
    assert [(r.period.day, r.offered, r.answered) for r in days] == [(2, 1, 1)]
    assert [(r.period.day, r.logged_in) for r in agent_days if r.agent_id == int(ana)] == [
        (2, 600.0),
        (3, 1200.0),
    ]
    assert login.seconds == 1800.0


def test_bad_report_requests_name_the_field(demo_store):
    with pytest.raises(queries.BadReportRequest) as err:
        queries.Filters([1], date(2026, 3, 3), date(2026, 3, 2))
    assert err.value.to_dict()["field"] == "end"
    queries.Filters([1], date(2028, 1, 1), date(2028, 12, 31))  # 366 days: a leap year
    with pytest.raises(queries.BadReportRequest):
        queries.Filters([1], date(2028, 1, 1), date(2029, 1, 1))  # 367 days
    f = queries.Filters([1], date(2026, 3, 2), date(2026, 3, 3))
    with demo_store.read() as session, pytest.raises(queries.BadReportRequest) as err:
        queries.queue_report(session, f, "45")
    assert err.value.to_dict()["code"] == "invalid-report"


def test_cli_rebuild_and_update_print_their_figures(demo_url, demo_store, monkeypatch):
    d = Demo(demo_store, NIGHT)
    busy_hour(d, None)
    monkeypatch.setenv("CENTRALITA_DATABASE_URL", demo_url)
    update = CliRunner().invoke(app, ["reports", "update"])
    assert update.exit_code == 0, update.output
    assert "projected" in update.output and "projected 0 " not in update.output
    followed = snapshot(demo_store)
    result = CliRunner().invoke(app, ["reports", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "rebuilt the reports from" in result.output and "events/s" in result.output
    assert snapshot(demo_store) == followed


def test_agent_report_totals_equal_the_sum_of_its_periods(demo_store):
    d = Demo(demo_store, NIGHT)
    busy_hour(d, None)
    Follower(demo_store).catch_up()
    f = queries.Filters([d.tenant.id], date(2026, 10, 31), date(2026, 11, 2), NEW_YORK)
    with demo_store.read() as session:
        total = {r.agent_id: r for r in queries.agent_report(session, f, "total")}
        hourly = queries.agent_report(session, f, "15")
    assert set(total) == {int(d.agent("ana")), int(d.agent("carlos"))}
    for agent_id, row in total.items():
        parts = [r for r in hourly if r.agent_id == agent_id]
        assert row.answered == sum(r.answered for r in parts) > 0
        assert row.logged_in == pytest.approx(sum(r.logged_in for r in parts))
        assert row.pauses == {k: v for k, v in row.pauses.items() if v}
    carlos = total[int(d.agent("carlos"))]
    assert carlos.pauses == {"break": 550.0}


def test_the_follower_and_the_live_center_write_at_the_same_time_without_lock_errors(
    demo_store,
):
    import threading

    d = Demo(demo_store, NIGHT)
    ana = d.agent("ana")
    d.at(NIGHT, AgentLoggedIn(ana))
    errors: list[BaseException] = []
    done = threading.Event()

    def follow() -> None:
        follower = Follower(demo_store)
        try:
            while not done.is_set():
                follower.catch_up()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=follow)
    thread.start()
    try:
        for i in range(60):
            d.at(NIGHT + 20 * i + 1, None, interaction_id=f"busy{i}", queue="Ventas")
            d.at(NIGHT + 20 * i + 2, OfferAccepted(f"busy{i}", ana))
            d.at(NIGHT + 20 * i + 5, InteractionEnded(f"busy{i}"))
    finally:
        done.set()
        thread.join()
    assert errors == []
    Follower(demo_store).catch_up()
    with demo_store.read() as session:
        (row,) = queries.queue_report(
            session,
            queries.Filters([d.tenant.id], date(2026, 11, 1), date(2026, 11, 1), NEW_YORK),
            "day",
            by_queue=False,
        )
    assert (row.offered, row.answered) == (60, 60)


def test_lines_peak_and_average_per_trunk_and_together(demo_store):
    d = Demo(demo_store, NIGHT)
    ana, carlos = d.agent("ana"), d.agent("carlos")
    d.auto_answer = True
    d.at(NIGHT, AgentLoggedIn(ana))
    d.at(NIGHT, AgentLoggedIn(carlos))
    d.at(NIGHT + 10, None, interaction_id="l1", queue="Ventas", trunk="carrier-a")
    d.at(NIGHT + 60, None, interaction_id="l2", queue="Ventas", trunk="carrier-a")
    d.at(NIGHT + 120, None, interaction_id="l3", queue="Ventas", trunk="carrier-b")
    d.at(NIGHT + 150, CallerHungUp("l3"))  # both agents busy: it waited 30 s
    d.at(NIGHT + 180, InteractionEnded("l2"))
    d.at(NIGHT + 310, InteractionEnded("l1"))
    d.at(NIGHT + 400)  # wrap-ups end: the call detail records are complete
    Follower(demo_store).catch_up()
    f = queries.Filters([d.tenant.id], date(2026, 11, 1), date(2026, 11, 1), NEW_YORK)
    with demo_store.read() as session:
        rows = queries.lines_report(session, f, "60", by_trunk=True)
    first_hour = {r.trunk: (r.peak, round(r.average * 3600)) for r in rows if r.period.hour == 0}
    assert first_hour == {
        queries.ALL_LINES: (3, 300 + 120 + 30),
        "carrier-a": (2, 300 + 120),
        "carrier-b": (1, 30),
    }
    with demo_store.read() as session:
        only_all = queries.lines_report(session, f, "60")
    assert {r.trunk for r in only_all} == {queries.ALL_LINES}
