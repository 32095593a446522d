"""workspace data version

A counter per workspace that every committed write to its data bumps: pages cache what they
compute from a workspace keyed on it (`socialplan.versions`), so a cached answer is never
served after a change made by this server, another replica or the command line.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 07:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workspace_data_version",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workspace_id"),
    )


def downgrade() -> None:
    op.drop_table("workspace_data_version")
