"""board_changes: the board's changes the facilitator can undo; workshops.timer_durations

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10 10:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "board_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("about", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("board_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_board_changes_workshop_id"), ["workshop_id"], unique=False)
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timer_durations", sa.JSON(), nullable=False, server_default="{}"))


def downgrade():
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.drop_column("timer_durations")
    with op.batch_alter_table("board_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_board_changes_workshop_id"))
    op.drop_table("board_changes")
