"""query_history.presentation: what an answer showed besides its rows, to open it again

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 06:20:00.000000

Expand only: one nullable column, so the previous release runs unchanged against this schema
(it never reads the column and its inserts leave it empty). Rows written before it stay empty
and open with their chart and formats worked out again, without insights.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("query_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("presentation", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("query_history", schema=None) as batch_op:
        batch_op.drop_column("presentation")
