"""The Alembic migrations build exactly the schema the models describe, and go down again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db


def _app(tmp_path):
    return create_app(
        {
            "APP_ENV": "testing",
            "ASYNC_MODE": "threading",
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite'}",
        }
    )


def test_migrations_match_the_models(tmp_path):
    app = _app(tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == []


def test_migrations_go_down_and_up_again(tmp_path):
    app = _app(tmp_path)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        upgrade()
        clusters = db.session.execute(db.text("select name from clusters order by id")).scalars().all()
        assert clusters == [
            "Baden-Württemberg: Connected",
            "Fondazione Torino Wireless",
            "ELINCLUS (APTE)",
            "Cluster ICT",
            "Other",
        ]
