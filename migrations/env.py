"""Alembic environment: runs against the app's own engine (SQLite or PostgreSQL)."""
from alembic import context
from flask import current_app, has_app_context

from core.cli import import_models
from core.db import Base
from stories.models import STATUSES

import_models()
target_metadata = Base.metadata


# PostgreSQL-only objects made by hand in migrations, which the models do not describe.
DATABASE_ONLY = {
    ("column", "search"), ("column", "facets"), *(("index", f"ix_stories_find_{status}") for status in STATUSES),
    ("index", "ix_story_versions_search"), ("index", "ix_story_versions_fts"),
}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    # SQLite's FTS5 table for the queue's search (and its shadow tables) is made by hand too.
    if type_ == "table" and name.startswith("story_search"):
        return False
    return (type_, name) not in DATABASE_ONLY


def run_migrations_online() -> None:
    if has_app_context():
        engine = current_app.extensions["storydesk.db"].engine
    else:
        from app import create_app

        app = create_app()
        engine = app.extensions["storydesk.db"].engine
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
