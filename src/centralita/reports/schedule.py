"""Scheduled reports: yesterday's reports of a tenant, written to a folder or mailed.

`report_files(...)` renders one local day of a tenant as files: a CSV per report, one
XLSX with a sheet per table, one PDF with the charts for managers. `send(...)` brings the
report tables up to date, then writes the files to a folder and/or mails them (SMTP, from
the settings). `DailyReports` is the small scheduler `centralita serve` runs when
`reports_time` is set: a thread that sleeps until that time of day in the center's time
zone, sends the previous day for every configured tenant, and sleeps again.
"""

from __future__ import annotations

import logging
import smtplib
import threading
import time as _time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from centralita.config import Settings
from centralita.errors import CentralitaError
from centralita.reports import exports, queries
from centralita.reports.files import to_csv, to_xlsx
from centralita.reports.pdf import to_pdf
from centralita.reports.projection import Follower
from centralita.store.actions.base import NoSuchTenant
from centralita.store.db import Store
from centralita.store.models import Tenant

log = logging.getLogger(__name__)

#: the reports of a scheduled day and how each is cut
DAILY: tuple[tuple[str, exports.Options], ...] = (
    ("queues", exports.Options(period="60")),
    ("agents", exports.Options(period="total")),
    ("dispositions", exports.Options()),
    ("lines", exports.Options(period="60")),
    ("ivr", exports.Options()),
    ("calls", exports.Options(limit=None)),
)
#: the CDR is for spreadsheets; the PDF holds the rest
IN_PDF = ("queues", "agents", "dispositions", "lines")


class MailFailed(CentralitaError):
    code = "mail-failed"
    http_status = 502


@dataclass(frozen=True)
class Sent:
    tenant: str
    day: date
    files: dict[str, bytes]
    written: list[Path]
    mailed_to: list[str]


def yesterday(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date() - timedelta(days=1)


def report_files(store: Store, slug: str, day: date, zone: str, lang: str) -> dict[str, bytes]:
    """The day's reports of tenant `slug` as files, by file name."""
    with store.read() as session:
        tenant = session.scalars(select(Tenant).where(Tenant.slug == slug)).first()
        if tenant is None:
            raise NoSuchTenant(slug=slug)
        f = queries.Filters([tenant.id], day, day, ZoneInfo(zone))
        reports = {kind: exports.build(session, kind, f, o, lang) for kind, o in DAILY}
        title = f"{tenant.name} · {day.isoformat()}"
    stem = f"{slug}-{day.isoformat()}"
    files = {f"{stem}-{kind}.csv": to_csv(r.tables[-1]) for kind, r in reports.items()}
    files[f"{stem}.xlsx"] = to_xlsx(list(reports.values()))
    files[f"{stem}.pdf"] = to_pdf([reports[k] for k in IN_PDF], title)
    return files


def send(
    store: Store,
    settings: Settings,
    slug: str,
    day: date,
    *,
    folder: Path | None = None,
    mail_to: Sequence[str] = (),
) -> Sent:
    """Write and/or mail the day's reports of `slug` (after updating the report tables)."""
    Follower(store).catch_up()
    files = report_files(store, slug, day, settings.timezone, settings.language)
    written: list[Path] = []
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, body in files.items():
            path = folder / name
            path.write_bytes(body)
            written.append(path)
    if mail_to:
        mail(settings, list(mail_to), f"Centralita · {slug} · {day.isoformat()}", files)
    return Sent(slug, day, files, written, list(mail_to))


MEDIA = {
    "csv": ("text", "csv"),
    "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": ("application", "pdf"),
}


def mail(settings: Settings, to: list[str], subject: str, files: dict[str, bytes]) -> None:
    """One message to `to` with `files` attached, through the configured SMTP server."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(
        "Centralita's scheduled reports are attached: a CSV per report, the workbook (XLSX) "
        "and the PDF with its charts.\n"
    )
    for name, body in files.items():
        main, sub = MEDIA[name.rsplit(".", 1)[-1]]
        message.add_attachment(body, maintype=main, subtype=sub, filename=name)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user and settings.smtp_password is not None:
                smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailFailed(
            f"could not mail the reports through {settings.smtp_host}:{settings.smtp_port}: {exc}",
            host=settings.smtp_host,
            port=settings.smtp_port,
        ) from None


def next_run(after: datetime, at: time, zone: str) -> datetime:
    """The first local `at` strictly after `after` (aware), as an aware datetime. On a day
    whose `at` does not exist (a daylight-saving gap) it runs at the shifted instant."""
    tz = ZoneInfo(zone)
    local = after.astimezone(tz)
    candidate = datetime.combine(local.date(), at, tz)
    while candidate <= after:
        candidate = datetime.combine(candidate.date() + timedelta(days=1), at, tz)
    return candidate


def tenants_to_send(store: Store, settings: Settings) -> list[str]:
    named = [s.strip() for s in settings.reports_tenants.split(",") if s.strip()]
    if named:
        return named
    with store.read() as session:
        return list(session.scalars(select(Tenant.slug).order_by(Tenant.id)))


class DailyReports:
    """Sends the previous day's reports every day at `settings.reports_time`."""

    def __init__(
        self, store: Store, settings: Settings, *, clock: Callable[[], float] = _time.time
    ) -> None:
        if settings.reports_time is None:
            raise ValueError("reports_time is not set")
        self.store = store
        self.settings = settings
        self.at = time.fromisoformat(settings.reports_time)
        self.clock = clock
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="daily-reports", daemon=True)
        self.sent: list[Sent] = []

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), ZoneInfo(self.settings.timezone))

    def _loop(self) -> None:
        last: datetime | None = None
        while not self.stopping.is_set():
            now = self._now()
            due = next_run(max(now, last) if last else now, self.at, self.settings.timezone)
            if self.stopping.wait(max(0.0, (due - now).total_seconds())):
                return
            last = due
            self.run(yesterday(due, self.settings.timezone))

    def run(self, day: date) -> None:
        folder = self.settings.reports_folder
        to = [a.strip() for a in self.settings.reports_mail_to.split(",") if a.strip()]
        for slug in tenants_to_send(self.store, self.settings):
            try:
                sent = send(self.store, self.settings, slug, day, folder=folder, mail_to=to)
            except Exception:  # one tenant's failure does not stop the others' reports
                log.exception("scheduled reports of %s for %s failed", slug, day)
            else:  # what was sent, not the files' bytes: the server runs for months
                self.sent.append(replace(sent, files={}))
