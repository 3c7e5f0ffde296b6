"""Engine, session factory and programmatic migrations. Nothing is built at import time.

The URL comes from ``DATABASE_URL``; without it, a SQLite file under ``POSER_DATA_DIR``
(default ``./data``) is used and created on first :func:`migrate`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def default_database_url() -> str:
    """``DATABASE_URL`` if set, else ``sqlite:///<POSER_DATA_DIR or ./data>/poser.db``."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    data_dir = Path(os.environ.get("POSER_DATA_DIR") or "data")
    return f"sqlite:///{data_dir / 'poser.db'}"


def _normalise(url: str) -> str:
    """Send plain ``postgresql://`` / ``postgres://`` URLs to the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN instead of pysqlite's implicit, deferred one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
    finally:
        cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` (default: :func:`default_database_url`).

    SQLite connections get foreign keys ON, WAL journaling and a 10 s busy timeout; the file's
    folder is created if missing. PostgreSQL URLs use psycopg 3. ``kwargs`` go to ``create_engine``.
    """
    url = _normalise(url or default_database_url())
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {}).setdefault("timeout", 10.0)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        # Take the write lock at BEGIN (waiting up to busy_timeout), so a read-then-write
        # transaction never fails half-way with "database is locked" when another writer wins.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


#: What opens database sessions: ``with factory() as session`` reads, ``with factory.begin() as session`` writes.
SessionFactory = sessionmaker[Session]


def make_session_factory(engine: Engine) -> SessionFactory:
    """A ``sessionmaker`` bound to ``engine``; callers own the transaction (``with factory.begin():``)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at ``db/migrations`` with ``url`` as ``sqlalchemy.url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", _normalise(url or default_database_url()).replace("%", "%%"))
    return cfg


def migrate(url: str | None = None, revision: str = "head") -> None:
    """Run ``alembic upgrade <revision>`` on ``url`` (creating a SQLite file if needed)."""
    if url is None:
        url = default_database_url()
    parsed = make_url(_normalise(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    """Run ``alembic downgrade <revision>`` on ``url``."""
    command.downgrade(alembic_config(url), revision)
