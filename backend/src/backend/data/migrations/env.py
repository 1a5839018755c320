"""Alembic environment: runs against the engine handed over by ``backend.data.database``."""

from __future__ import annotations

from alembic import context
from backend.data.models import Base

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
