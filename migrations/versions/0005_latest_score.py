"""latest score per account

`latest_score` holds each account's newest influence score with its 30-day-old score and
its 90-day sparkline, so a leaderboard reads one small row per account rather than 90 days
of scores. It is derived from `influence_score`, so the upgrade fills it from the stored
scores: an upgraded installation shows the same boards at once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 07:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel import Session

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "latest_score",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reach", sa.Float(), nullable=True),
        sa.Column("engagement", sa.Float(), nullable=True),
        sa.Column("amplification", sa.Float(), nullable=True),
        sa.Column("consistency", sa.Float(), nullable=True),
        sa.Column("then_day", sa.Date(), nullable=True),
        sa.Column("then_score", sa.Integer(), nullable=True),
        sa.Column("sparkline", sa.Text(), nullable=False),
        sa.Column("recent", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id"),
    )
    _fill()


def _fill() -> None:
    """Every account's row, derived from its stored scores by the code that keeps them.

    It reads and writes the tables as plain Core tables of the columns above, so a later
    change to the models does not change what this step does.
    """
    from socialplan.latest_scores import refresh_latest_scores

    session = Session(bind=op.get_bind())
    refresh_latest_scores(session)
    session.flush()


def downgrade() -> None:
    op.drop_table("latest_score")
