"""password links, workshops.ended_at, invited accounts without a password, ids never reused

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 09:00:00.000000

A workshop can now be deleted. SQLite gives the next row the largest id plus one, so the
next workshop (participant, round) would have taken a deleted one's id, which phones'
cookies, the screens' caches and the audit log still name: on SQLite these tables are
rebuilt with AUTOINCREMENT (migrations/env.py turns foreign keys off meanwhile, as SQLite's
own procedure for rebuilding a table asks). PostgreSQL's sequences never reuse an id.
"""

from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NEVER_REUSED = ("workshops", "participants", "rounds")


def upgrade():
    op.create_table(
        "password_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("password_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_links_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("password_hash", existing_type=sa.String(length=256), nullable=True)
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_workshops_ended_at"), ["ended_at"], unique=False)
    # Workshops that ended before this revision count as ended now: retention never deletes
    # what nobody could yet see coming.
    now = datetime.now(UTC).replace(tzinfo=None)
    ended = "UPDATE workshops SET ended_at = :now WHERE status = 'archived' OR phase = 'closed'"
    op.execute(sa.text(ended).bindparams(now=now))
    _autoincrement(True)


def downgrade():
    _autoincrement(False)
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshops_ended_at"))
        batch_op.drop_column("ended_at")
    op.execute(sa.text("UPDATE users SET password_hash = '!' WHERE password_hash IS NULL"))  # matches no password
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("password_hash", existing_type=sa.String(length=256), nullable=False)
    with op.batch_alter_table("password_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_links_user_id"))
    op.drop_table("password_links")


def _autoincrement(on: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in NEVER_REUSED:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": on}):
            pass
