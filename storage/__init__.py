"""Persistence: SQLAlchemy models, the user-scoped repository and Alembic migrations."""
