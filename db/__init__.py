"""Database models, queries and migrations (SQLAlchemy 2 + Alembic)."""
