"""Scheduled reports: files in a folder, mail through a real SMTP server (aiosmtpd), the
daily scheduler's clock in the center's time zone, and `centralita reports send`."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from centralita.cli.main import app as cli
from centralita.config import load_settings
from centralita.demo import DEMO_TENANT
from centralita.reports.schedule import DailyReports, MailFailed, next_run, send, yesterday
from reports.test_exports_day import DAY, record_day
from support import free_port, wait_for

NAMES = {
    f"{DEMO_TENANT}-2026-03-01-{kind}.csv"
    for kind in ("queues", "agents", "dispositions", "lines", "ivr", "calls")
} | {f"{DEMO_TENANT}-2026-03-01.xlsx", f"{DEMO_TENANT}-2026-03-01.pdf"}


def _settings(**values: str):
    return load_settings(
        environ={
            "CENTRALITA_TIMEZONE": "America/Bogota",
            "CENTRALITA_LANGUAGE": "en",
            **{f"CENTRALITA_{k.upper()}": v for k, v in values.items()},
        }
    )


def _ventas(csv_body: bytes) -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(csv_body.decode("utf-8-sig")))
    (ventas,) = [r for r in rows if r["Queue"] == "Ventas" and r["Offered"] != "0"]
    return ventas


class Inbox:
    """A real SMTP server on a free port that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        from support import require

        require(False, "aiosmtpd is not installed (pip install aiosmtpd)")
        raise
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def test_the_day_s_reports_are_written_to_a_folder(demo_store, tmp_path):
    record_day(demo_store)
    sent = send(demo_store, _settings(), DEMO_TENANT, DAY, folder=tmp_path / "out")
    assert {p.name for p in (tmp_path / "out").iterdir()} == NAMES == set(sent.files)
    ventas = _ventas((tmp_path / "out" / f"{DEMO_TENANT}-2026-03-01-queues.csv").read_bytes())
    # the 18:00 hour holds the whole day: 4 offered, SL 1/3, ASA 15 s
    assert (ventas["Period"], ventas["Offered"], ventas["Service level"], ventas["ASA"]) == (
        "2026-03-01 18:00",
        "4",
        "0.3333",
        "15.0",
    )
    calls = (tmp_path / "out" / f"{DEMO_TENANT}-2026-03-01-calls.csv").read_bytes()
    assert "B1" not in calls.decode() and calls.decode().count("\r\n") == 5  # header + A1..A4


def test_the_day_s_reports_are_mailed_through_smtp(demo_store, smtp):
    inbox, port = smtp
    record_day(demo_store)
    settings = _settings(smtp_port=str(port), smtp_from="reports@centralita.test")
    send(demo_store, settings, DEMO_TENANT, DAY, mail_to=["gerencia@example.com"])
    (message,) = inbox.messages
    assert message["To"] == "gerencia@example.com"
    assert message["From"] == "reports@centralita.test"
    assert message["Subject"] == f"Centralita · {DEMO_TENANT} · 2026-03-01"
    attached = {
        part.get_filename(): part.get_payload(decode=True)
        for part in message.walk()
        if part.get_filename()
    }
    assert set(attached) == NAMES
    assert _ventas(attached[f"{DEMO_TENANT}-2026-03-01-queues.csv"])["Answered"] == "2"
    assert attached[f"{DEMO_TENANT}-2026-03-01.pdf"].startswith(b"%PDF")


def test_an_unreachable_smtp_server_is_a_clear_error(demo_store):
    settings = _settings(smtp_port=str(free_port()))
    with pytest.raises(MailFailed) as failed:
        send(demo_store, settings, DEMO_TENANT, DAY, mail_to=["x@example.com"])
    assert failed.value.to_dict()["code"] == "mail-failed"


def test_next_run_is_the_time_of_day_in_the_center_s_zone():
    zone = "America/Bogota"  # UTC-5, no daylight saving
    at = time(6, 0)
    before = datetime(2026, 3, 2, 10, 59, tzinfo=UTC)  # 05:59 in Bogotá
    assert next_run(before, at, zone) == datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
    assert next_run(datetime(2026, 3, 2, 11, 0, tzinfo=UTC), at, zone) == datetime(
        2026, 3, 3, 11, 0, tzinfo=UTC
    )
    assert yesterday(datetime(2026, 3, 2, 11, 0, tzinfo=UTC), zone) == date(2026, 3, 1)
    # Madrid springs forward on 2026-03-29: 02:30 does not exist; 06:00 is then UTC+2
    madrid = "Europe/Madrid"
    assert next_run(datetime(2026, 3, 28, 6, 0, tzinfo=UTC), at, madrid) == datetime(
        2026, 3, 29, 4, 0, tzinfo=UTC
    )
    gap = next_run(datetime(2026, 3, 28, 12, 0, tzinfo=UTC), time(2, 30), madrid)
    assert gap.astimezone(ZoneInfo(madrid)).date() == date(2026, 3, 29)


def test_the_scheduler_sends_yesterday_once_at_its_time(demo_store, tmp_path):
    record_day(demo_store)
    settings = _settings(
        reports_time="06:00", reports_folder=str(tmp_path / "daily"), reports_tenants=DEMO_TENANT
    )
    # 05:59:59.8 in Bogotá on 2026-03-02: due in 0.2 s, for 2026-03-01
    now = datetime(2026, 3, 2, 10, 59, 59, 800000, tzinfo=UTC).timestamp()
    daily = DailyReports(demo_store, settings, clock=lambda: now)
    daily.start()
    try:
        wait_for(lambda: daily.sent, timeout=60, what="the scheduled reports")
    finally:
        daily.stop()
    assert not daily.thread.is_alive()
    assert [(s.tenant, s.day) for s in daily.sent] == [(DEMO_TENANT, DAY)]  # once, not again
    assert {p.name for p in (tmp_path / "daily").iterdir()} == NAMES


def test_reports_send_on_the_command_line(demo_url, tmp_path, monkeypatch):
    from centralita.store.db import Store

    store = Store.from_url(demo_url)
    try:
        record_day(store)
    finally:
        store.dispose()
    monkeypatch.setenv("CENTRALITA_DATABASE_URL", demo_url)
    monkeypatch.setenv("CENTRALITA_TIMEZONE", "America/Bogota")
    runner = CliRunner()
    out = tmp_path / "cli"
    result = runner.invoke(
        cli,
        ["reports", "send", "--tenant", DEMO_TENANT, "--date", "2026-03-01", "--to", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == NAMES
    nowhere = runner.invoke(cli, ["reports", "send", "--tenant", DEMO_TENANT])
    assert nowhere.exit_code == 2 and "--to" in nowhere.output
    unknown = runner.invoke(cli, ["reports", "send", "--tenant", "nadie", "--to", str(out)])
    assert unknown.exit_code == 2 and "no such tenant" in unknown.output


def test_serve_runs_the_daily_reports_only_when_a_time_is_set(demo_store, tmp_path: Path):
    from centralita.config import ConfigError
    from web.live_server import serve

    with pytest.raises(ConfigError, match="CENTRALITA_REPORTS_TIME"):
        _settings(reports_time="25:00")
    for server in serve(demo_store):
        assert server.app.state.daily_reports is None
    env = {"CENTRALITA_REPORTS_TIME": "06:30", "CENTRALITA_REPORTS_FOLDER": str(tmp_path)}
    for server in serve(demo_store, **env):
        daily = server.app.state.daily_reports
        assert daily.at == time(6, 30) and daily.thread.is_alive()
    assert not daily.thread.is_alive()  # stopped with the server
