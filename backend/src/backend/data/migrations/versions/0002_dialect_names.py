"""connections.dialect spelled as the query code spells it ("postgres")

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 23:40:00.000000

Data only, so the previous release (which shows the value and never parses it) runs unchanged
against this schema.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("UPDATE connections SET dialect = 'postgres' WHERE dialect = 'postgresql'"))


def downgrade() -> None:
    op.execute(sa.text("UPDATE connections SET dialect = 'postgresql' WHERE dialect = 'postgres'"))
