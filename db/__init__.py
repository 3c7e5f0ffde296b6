"""Database models and migrations (SQLAlchemy 2 + Alembic) — built by the database issue."""
