"""The migrations, on a database of their own: down to nothing and up again, and a story written
before the queue's search columns existed is found by the queue's search once they do."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect

from core.db import db_session
from tests.conftest import new_database
from tests.factories import make_story, story_text


@pytest.fixture
def fresh_app(tmp_path):
    from app import create_app

    with new_database(tmp_path, "test_migrations") as (url, schema):
        app = create_app({"TESTING": True, "DATABASE_URL": url, "DATABASE_SCHEMA": schema, "REDIS_URL": None,
                          "INSTANCE_PATH": str(tmp_path / "instance"), "FILES_DIR": str(tmp_path / "files"),
                          "MAIL_SERVER": None})
        yield app
        app.extensions["storydesk.db"].dispose()


def tables(app) -> set[str]:
    engine = app.extensions["storydesk.db"].engine
    return set(inspect(engine).get_table_names(schema=app.extensions["storydesk.db"].schema))


def test_migrations_go_down_to_nothing_and_up_again(fresh_app):
    from alembic import command

    from core.cli import alembic_config, upgrade
    from moderation.queue import QueueFilters, queue_page

    with fresh_app.app_context():
        upgrade("0004")
        story, _ = make_story(text=story_text(40, "Hydrotherapy at the hospice pool helped"))
        upgrade("head")
        session = db_session()
        found = queue_page(session, QueueFilters(status="new", q="hydrotherapy")).rows
        assert [row.id for row in found] == [story.id]
        session.close()

        command.downgrade(alembic_config(), "base")
        assert tables(fresh_app) <= {"alembic_version"}
        upgrade("head")
        assert {"stories", "story_versions", "story_tags", "reviews", "outlets"} <= tables(fresh_app)
