"""snapshot counts as 64-bit integers

A large account's impressions pass 2^31 within days; PostgreSQL's INTEGER would refuse them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 02:08:50.702582
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNT_COLUMNS = (
    "followers",
    "following",
    "posts_total",
    "posts",
    "likes",
    "reposts",
    "replies",
    "quotes",
    "bookmarks",
    "impressions",
)


def upgrade() -> None:
    with op.batch_alter_table("snapshot", schema=None) as batch_op:
        for column in COUNT_COLUMNS:
            batch_op.alter_column(
                column, existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=True
            )


def downgrade() -> None:
    with op.batch_alter_table("snapshot", schema=None) as batch_op:
        for column in COUNT_COLUMNS:
            batch_op.alter_column(
                column, existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=True
            )
