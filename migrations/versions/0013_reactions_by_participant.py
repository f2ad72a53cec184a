"""reactions by participant: a phone's +1s are looked up by who gave them at every connect

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 21:40:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reactions_participant_id"), ["participant_id"], unique=False)


def downgrade():
    with op.batch_alter_table("reactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reactions_participant_id"))
