"""indexes for reads by day

The recompute after a sync or an import reads every account's recent snapshots
(`snapshot.day >= cutoff`) and its stored scores from a day on (`influence_score.day >=
since`). The unique (account_id, day) indexes lead with the account, so without these two a
"one new day for every account" recompute scanned every row ever stored.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 04:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("snapshot", schema=None) as batch_op:
        batch_op.create_index("ix_snapshot_day", ["day"], unique=False)
    with op.batch_alter_table("influence_score", schema=None) as batch_op:
        batch_op.create_index("ix_influence_score_day", ["day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("influence_score", schema=None) as batch_op:
        batch_op.drop_index("ix_influence_score_day")
    with op.batch_alter_table("snapshot", schema=None) as batch_op:
        batch_op.drop_index("ix_snapshot_day")
