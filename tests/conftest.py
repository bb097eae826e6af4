"""Fixtures shared by the suite: databases on SQLite and PostgreSQL, a migrated store."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from centralita.store import migrate
from centralita.store.db import Store
from support import require

POSTGRES_ADMIN_URL = os.environ.get(
    "CENTRALITA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


class Postgres:
    """Creates and drops throw-away databases on the test PostgreSQL server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.engine = create_engine(
            self.admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        self.templates: dict[str, str] = {}

    def reachable(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError:
            return False
        return True

    def url(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def create(self, template: str | None = None) -> str:
        name = f"centralita_t_{uuid.uuid4().hex[:12]}"
        clause = f" TEMPLATE {template}" if template else ""
        with self.engine.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}{clause}"))
        return name

    def clone(self, key: str, prepare: Callable[[str], None]) -> str:
        """A new database copied from the template `key`, made once with `prepare(url)`."""
        if key not in self.templates:
            template = self.create()
            prepare(self.url(template))
            self.templates[key] = template
        return self.create(template=self.templates[key])

    def drop(self, name: str) -> None:
        with self.engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    server = Postgres(POSTGRES_ADMIN_URL)
    yield server
    for template in server.templates.values():
        server.drop(template)
    server.engine.dispose()


def _pg(postgres: Postgres) -> Postgres:
    require(
        postgres.reachable(), f"PostgreSQL not reachable at {postgres.admin_url.render_as_string()}"
    )
    return postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: object, postgres: Postgres
) -> Iterator[str]:
    """An empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/centralita.db"
        return
    server = _pg(postgres)
    name = server.create()
    yield server.url(name)
    server.drop(name)


@pytest.fixture
def postgres_url(postgres: Postgres) -> Iterator[str]:
    """An empty PostgreSQL database (for tests about PostgreSQL only)."""
    server = _pg(postgres)
    name = server.create()
    yield server.url(name)
    server.drop(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_url(
    request: pytest.FixtureRequest, tmp_path: object, postgres: Postgres
) -> Iterator[str]:
    """A database at the newest schema on each backend (PostgreSQL: cloned from a template)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/centralita.db"
        migrate.upgrade(url)
        yield url
        return
    server = _pg(postgres)
    name = server.clone("migrated", migrate.upgrade)
    yield server.url(name)
    server.drop(name)


@pytest.fixture
def store(migrated_url: str) -> Iterator[Store]:
    the_store = Store.from_url(migrated_url)
    yield the_store
    the_store.dispose()


def _with_demo(url: str) -> None:
    """Migrate the database at `url` and seed the demo company into it."""
    from centralita.demo import seed_demo

    migrate.upgrade(url)
    seeded = Store.from_url(url)
    seed_demo(seeded)
    seeded.dispose()


@pytest.fixture(scope="session")
def sqlite_demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database at the newest schema with the demo company, made once."""
    path = tmp_path_factory.mktemp("demo-template") / "centralita.db"
    _with_demo(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_url(request: pytest.FixtureRequest, tmp_path: Path, postgres: Postgres) -> Iterator[str]:
    """A database with the demo company on each backend, copied from a template seeded once
    per session (seeding hashes ten passwords with Argon2, which is slow on purpose)."""
    if request.param == "sqlite":
        path = tmp_path / "centralita.db"
        shutil.copyfile(request.getfixturevalue("sqlite_demo_file"), path)
        yield f"sqlite:///{path}"
        return
    server = _pg(postgres)
    name = server.clone("demo", _with_demo)
    yield server.url(name)
    server.drop(name)


@pytest.fixture
def demo_store(demo_url: str) -> Iterator[Store]:
    """A store holding the demo company (`centralita.demo`)."""
    the_store = Store.from_url(demo_url)
    yield the_store
    the_store.dispose()
