"""Engine, sessions and the declarative base.

The request's session lives on ``flask.g``; jobs, the CLI and benchmarks open
their own with ``Database.session()``.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import MetaData, String, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_public_id() -> str:
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator):
    """Timestamps stored as UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect):
        from sqlalchemy import DateTime

        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def result_processor(self, dialect, coltype):
        # PostgreSQL's timestamptz already reads back timezone-aware: nothing to do per value.
        if dialect.name != "sqlite":
            return None
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


class Database:
    """One engine and session factory per configured database URL."""

    def __init__(self, url: str, schema: str | None = None) -> None:
        self.url = url
        self.schema = schema
        self.engine = make_engine(url, schema)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self.sessionmaker()

    def dispose(self) -> None:
        self.engine.dispose()


def make_engine(url: str, schema: str | None = None) -> Engine:
    url = normalise_url(url)
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
        # No server-side prepared statements: PostgreSQL plans every statement with its values, so
        # a queue search is planned for its own words and tab rather than by a cached generic plan
        # (which picked a scan of every new story), and a connection pooler in front stays safe.
        kwargs["connect_args"] = {"prepare_threshold": None}
        if schema:
            kwargs["connect_args"]["options"] = f"-csearch_path={schema}"
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def normalise_url(url: str) -> str:
    """Accept the usual ``postgres://`` and ``postgresql://`` spellings and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL keeps the database consistent after a crash and fsyncs far less often.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # A 32 MB page cache per connection instead of SQLite's 2 MB: at 100,000 stories a queue search
    # touches more pages than 2 MB holds, and each miss is a read from the operating system.
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.close()


# --- Flask glue ---------------------------------------------------------------

def init_app(app) -> Database:
    database = Database(app.config["DATABASE_URL"], app.config.get("DATABASE_SCHEMA"))
    app.extensions["storydesk.db"] = database

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        from flask import g

        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    return database


def get_database(app=None) -> Database:
    from flask import current_app

    return (app or current_app).extensions["storydesk.db"]


def db_session() -> Session:
    """The session of the current request (or app context)."""
    from flask import g

    if "db_session" not in g:
        g.db_session = get_database().session()
    return g.db_session
