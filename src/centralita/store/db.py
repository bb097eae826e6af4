"""The database connection: engines for SQLite and PostgreSQL, and transactions.

`Store` owns one SQLAlchemy engine. `store.transaction()` yields a `Tx`: a session plus the
domain events the action appended; on commit the events are handed to the store's
subscribers (the live wallboard, the bus), never before, so nobody sees an event whose rows
were rolled back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from centralita.errors import CentralitaError


class DatabaseUnavailable(CentralitaError):
    code = "database-unavailable"
    http_status = 503


class BadDatabaseUrl(CentralitaError):
    code = "bad-database-url"


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get WAL, foreign keys and a busy timeout."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise BadDatabaseUrl(
            "database_url is not a database URL (expected e.g. sqlite:///var/centralita.db "
            "or postgresql+psycopg://user@127.0.0.1:5432/centralita)"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend not in ("sqlite", "postgresql"):
        raise BadDatabaseUrl(
            f"database_url uses {backend!r}; Centralita supports sqlite and postgresql",
            backend=backend,
        )
    if backend == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 5})


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite only emits BEGIN before DML, so a SAVEPOINT opened after a SELECT starts (and
    # its RELEASE commits) a transaction of its own: an action that failed after a savepoint
    # would leave its first rows committed. We take transaction control from the driver and
    # emit BEGIN ourselves (SQLAlchemy's documented recipe for pysqlite).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Transactions that write take SQLite's write lock at BEGIN (waiting up to the busy
    # timeout for another writer): one that read first and then tried to write after
    # another connection had committed would fail at once with "database is locked".
    immediate = connection.get_execution_options().get("sqlite_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def check_connection(engine: Engine) -> None:
    """Raise `DatabaseUnavailable` with one readable line if the database cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        where = engine.url.render_as_string(hide_password=True)
        raise DatabaseUnavailable(f"cannot reach the database {where}: {reason}") from None


Subscriber = Callable[[list[Any]], None]


@dataclass
class Tx:
    """One transaction of one action: the session and the events it appended."""

    session: Session
    events: list[Any] = field(default_factory=list)


class Store:
    """The database behind Centralita, with after-commit event delivery."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._writers = sessionmaker(
            engine.execution_options(sqlite_immediate=True), expire_on_commit=False
        )
        self._subscribers: list[Subscriber] = []

    @classmethod
    def from_url(cls, url: str) -> Store:
        return cls(make_engine(url))

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call `subscriber(events)` after each commit that appended events.

        Returns the function that unsubscribes it (a stopped live center calls it).
        """
        self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

        return unsubscribe

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tx]:
        """A transaction for one action: commits on success, rolls back on any error."""
        with self._writers() as session, session.begin():
            tx = Tx(session)
            yield tx
        if tx.events:
            for subscriber in self._subscribers:
                subscriber(list(tx.events))

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries only."""
        with self._sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
