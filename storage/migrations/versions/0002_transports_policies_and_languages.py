"""transports, policies and languages

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 21:15:02.285648
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_team_pending", ["team_id", "delivered_at"], unique=False)

    op.create_table(
        "message_ref",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transport", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("recipient", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("lang", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("ref", sa.JSON(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("retired_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["request.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("message_ref", schema=None) as batch_op:
        batch_op.create_index("ix_message_ref_request", ["request_id", "retired_at"], unique=False)

    with op.batch_alter_table("agent", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lang", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )
        batch_op.add_column(
            sa.Column("last_lang", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )

    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("staffing_warning", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "staffing_policy",
                sqlmodel.sql.sqltypes.AutoString(length=8),
                server_default="review",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "language",
                sqlmodel.sql.sqltypes.AutoString(length=8),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("reminder_hours", sa.Float(), server_default="4", nullable=False)
        )
        batch_op.add_column(
            sa.Column("skill_names", sa.JSON(), server_default="{}", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_column("skill_names")
        batch_op.drop_column("reminder_hours")
        batch_op.drop_column("language")
        batch_op.drop_column("staffing_policy")

    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.drop_column("staffing_warning")

    with op.batch_alter_table("agent", schema=None) as batch_op:
        batch_op.drop_column("last_lang")
        batch_op.drop_column("lang")

    with op.batch_alter_table("message_ref", schema=None) as batch_op:
        batch_op.drop_index("ix_message_ref_request")

    op.drop_table("message_ref")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_team_pending")

    op.drop_table("outbox")
