"""ORM models, one file per table, all re-exported here so Alembic sees every table."""

from newvisions.models.base import Base, TimestampMixin, utcnow

__all__ = ["Base", "TimestampMixin", "utcnow"]
