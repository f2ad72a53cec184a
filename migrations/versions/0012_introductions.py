"""introductions: team members of different clusters a coordinator introduced, per market

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-15 10:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "introductions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("second_id", sa.Integer(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("introduced_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["first_id"], ["participants.id"]),
        sa.ForeignKeyConstraint(["second_id"], ["participants.id"]),
        sa.ForeignKeyConstraint(["introduced_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("country", "first_id", "second_id"),
    )
    with op.batch_alter_table("introductions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_introductions_first_id"), ["first_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_introductions_second_id"), ["second_id"], unique=False)


def downgrade():
    with op.batch_alter_table("introductions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_introductions_second_id"))
        batch_op.drop_index(batch_op.f("ix_introductions_first_id"))
    op.drop_table("introductions")
