"""Migrations upgrade from empty, step down one at a time, and match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from centralita.store import migrate
from centralita.store.db import make_engine
from centralita.store.models import Base


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _columns(url: str) -> set[tuple[str, str]]:
    engine = make_engine(url)
    try:
        found = inspect(engine)
        return {
            (table, column["name"])
            for table in found.get_table_names()
            if table != "alembic_version"
            for column in found.get_columns(table)
        }
    finally:
        engine.dispose()


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_given_empty_database_when_upgraded_then_every_model_table_exists(database_url):
    assert migrate.current(database_url) is None
    migrate.upgrade(database_url)
    assert migrate.current(database_url) == migrate.head()
    assert _tables(database_url) == set(Base.metadata.tables)


def test_given_newest_schema_when_downgraded_step_by_step_then_each_step_removes_its_tables(
    database_url,
):
    migrate.upgrade(database_url)
    revisions = _revisions()
    assert len(revisions) >= 3
    seen = _columns(database_url)
    for expected in reversed([None, *revisions[:-1]]):
        migrate.downgrade(database_url)
        assert migrate.current(database_url) == expected
        now = _columns(database_url)
        assert now < seen, "a downgrade step must remove what its upgrade added"
        seen = now
    assert seen == set()
    migrate.upgrade(database_url)
    assert _tables(database_url) == set(Base.metadata.tables)


def test_given_migrated_database_then_schema_matches_the_models_exactly(migrated_url):
    engine = make_engine(migrated_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []
