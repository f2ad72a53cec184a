"""rounds remember whether they were opened with results hidden until revealed

Revision ID: 0005_promises
Revises: 0004
Create Date: 2026-12-03 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_promises'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # Rounds made before this column cannot tell a revealed round from one opened with its
    # results shown: they are taken as opened hidden (the default when opening a round), so a
    # rerun of them hides its tally until the facilitator reveals it, never the reverse.
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('hidden_until_revealed', sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('hidden_until_revealed')
