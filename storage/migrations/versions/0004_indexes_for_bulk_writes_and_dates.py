"""volume keeps one unique index; shifts get an index by local date

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00.000000

Every read of ``volume`` is one team over a range of instants; the unique key now leads with
``(team_id, interval_start)``, so the separate ``ix_volume_team_start`` index is no longer
needed, and each bulk write (a year's forecast is 52,560 rows) maintains one index fewer.

The rules, the imports and the roster read a team's shifts by local date
(``ix_shift_team_date``), which until now scanned every shift of the team.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("volume", schema=None) as batch_op:
        batch_op.drop_index("ix_volume_team_start")
        batch_op.drop_constraint("uq_volume_interval", type_="unique")
        batch_op.create_unique_constraint(
            "uq_volume_interval", ["team_id", "interval_start", "skill", "source"]
        )
    with op.batch_alter_table("shift", schema=None) as batch_op:
        batch_op.create_index("ix_shift_team_date", ["team_id", "local_date"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("shift", schema=None) as batch_op:
        batch_op.drop_index("ix_shift_team_date")
    with op.batch_alter_table("volume", schema=None) as batch_op:
        batch_op.drop_constraint("uq_volume_interval", type_="unique")
        batch_op.create_unique_constraint(
            "uq_volume_interval", ["team_id", "skill", "interval_start", "source"]
        )
        batch_op.create_index("ix_volume_team_start", ["team_id", "interval_start"], unique=False)
