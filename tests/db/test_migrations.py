"""Alembic builds the schema from empty on both engines, matches the models, and downgrades."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from db.engine import default_database_url, downgrade, make_engine, migrate
from db.models import Base

TABLES = {
    "users",
    "verification_codes",
    "email_change_tokens",
    "analyses",
    "analysis_runs",
    "uploads",
    "artifacts",
    "frames",
    "turn_segments",
    "turn_transitions",
    "metric_definitions",
    "metric_values",
    "partners",
    "embed_confirmation_tokens",
    "user_sessions",  # revocable sign-in sessions (migration 0002)
    "share_links",  # read-only links to one analysis's results (migration 0003)
}


def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_empty_builds_the_schema_the_models_describe(empty_url: str) -> None:
    # On an empty database the comparison sees every table missing: it does compare.
    assert {d[1].name for d in _diff(empty_url) if d[0] == "add_table"} == TABLES  # type: ignore[index]
    migrate(empty_url)
    assert _tables(empty_url) == TABLES | {"alembic_version"}
    assert _diff(empty_url) == []


def test_downgrade_to_base_drops_everything_and_upgrade_again_works(empty_url: str) -> None:
    migrate(empty_url)
    downgrade(empty_url, "base")
    assert _tables(empty_url) <= {"alembic_version"}
    migrate(empty_url)
    assert _tables(empty_url) == TABLES | {"alembic_version"}


def test_default_url_is_a_sqlite_file_under_the_data_dir_created_on_first_migrate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("POSER_DATA_DIR", str(tmp_path / "data"))
    assert default_database_url() == f"sqlite:///{tmp_path / 'data' / 'poser.db'}"
    migrate()
    assert (tmp_path / "data" / "poser.db").is_file()
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/d")
    assert default_database_url() == "postgresql://u@h/d"


def test_sqlite_connections_have_foreign_keys_and_wal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()
