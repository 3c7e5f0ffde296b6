"""Database fixtures for every test folder: each test using ``engine`` runs on SQLite and on a real PostgreSQL server.

PostgreSQL is a throwaway cluster started once per session (``db.testing_postgres``). Each backend's
database is migrated once per session with Alembic; each test starts from empty tables (truncated
after the test), since the queue tests need committed data seen by several connections.
Without the PostgreSQL binaries the PostgreSQL tests fail with how to install them, unless
``POSER_SKIP_POSTGRES=1`` is set (then they are skipped).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from db.engine import make_engine, make_session_factory, migrate
from db.models import Base
from db.testing_postgres import INSTALL_HINT, PostgresUnavailableError, create_database, postgres_server

BACKENDS = ["sqlite", "postgresql"]
_db_names = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a PostgreSQL server for this session (no database part)."""
    if os.environ.get("POSER_SKIP_POSTGRES") == "1":
        pytest.skip("POSER_SKIP_POSTGRES=1: PostgreSQL tests skipped")
    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailableError:
        pytest.fail(INSTALL_HINT, pytrace=False)


def new_database_url(backend: str, request: pytest.FixtureRequest, folder: Path) -> str:
    """An empty database on ``backend``: a new SQLite file, or a new PostgreSQL database."""
    n = next(_db_names)
    if backend == "sqlite":
        return f"sqlite:///{folder / f'poser_{n}.db'}"
    return create_database(request.getfixturevalue("pg_server"), f"poser_test_{n}")


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty (unmigrated) database URL on each backend."""
    return new_database_url(request.param, request, tmp_path)


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = new_database_url(request.param, request, tmp_path_factory.mktemp("sqlite"))
    migrate(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _empty_all_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def engine(migrated_engine: Engine) -> Iterator[Engine]:
    """A migrated database on each backend, with empty tables."""
    yield migrated_engine
    _empty_all_tables(migrated_engine)


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)
