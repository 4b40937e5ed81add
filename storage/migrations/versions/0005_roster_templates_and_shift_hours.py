"""roster templates, shift hours and roster drafts

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 01:01:41.725994
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shift_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("start", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("break_minutes", sa.Integer(), nullable=False),
        sa.Column("break_window", sqlmodel.sql.sqltypes.AutoString(length=11), nullable=True),
        sa.Column("days", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "name", name="uq_shift_template_team_name"),
    )
    with op.batch_alter_table("shift_template", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shift_template_team_id"), ["team_id"], unique=False)

    op.create_table(
        "roster_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("basis", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("shifts", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("messages", sa.JSON(), server_default="[]", nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("applied_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("applied_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("roster_draft", schema=None) as batch_op:
        batch_op.create_index("ix_roster_draft_team_week", ["team_id", "week"], unique=False)

    with op.batch_alter_table("agent", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shift_hours", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("agent", schema=None) as batch_op:
        batch_op.drop_column("shift_hours")

    with op.batch_alter_table("roster_draft", schema=None) as batch_op:
        batch_op.drop_index("ix_roster_draft_team_week")
    op.drop_table("roster_draft")

    with op.batch_alter_table("shift_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shift_template_team_id"))
    op.drop_table("shift_template")
