"""Open the database for an app or a worker: migrate, load the metric catalog, make sessions."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from db import queries
from db.engine import make_engine, make_session_factory, migrate
from poser_pipeline.metrics.catalog import CATALOG


def load_metric_catalog(session_factory: sessionmaker[Session]) -> None:
    """Make ``metric_definitions`` match the pipeline's catalog (idempotent)."""
    with session_factory.begin() as session:
        queries.upsert_metric_definitions(session=session, catalog=CATALOG)


def open_database(url: str | None = None) -> sessionmaker[Session]:
    """Migrate ``url`` (default: ``DATABASE_URL`` or the SQLite file) to head and return a session factory."""
    migrate(url)
    factory = make_session_factory(make_engine(url))
    load_metric_catalog(factory)
    return factory
