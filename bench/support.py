"""What the benchmarks share: a database of their own, migrated, and removed afterwards."""
from __future__ import annotations

import os
import secrets
import tempfile
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, text


@contextmanager
def temporary_app(name: str = "", keep: bool = False, **settings) -> Iterator:
    """An app on a temporary SQLite file, or on a fresh PostgreSQL schema when DATABASE_URL is set.

    Yields the app inside an app context with the schema migrated. The schema is called
    ``bench_<random>`` (``_<name>`` appended when given) and dropped afterwards unless keep is set;
    the temporary folder always goes.
    """
    from app import create_app
    from core.cli import upgrade
    from core.db import normalise_url

    url = os.environ.get("DATABASE_URL")
    schema = None
    with tempfile.TemporaryDirectory(prefix="storydesk-bench-") as tmp:
        if url and not url.startswith("sqlite"):
            schema = f"bench_{secrets.token_hex(4)}" + (f"_{name}" if name else "")
            with create_engine(normalise_url(url)).begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        else:
            url = f"sqlite:///{tmp}/bench.db"
        app = create_app({"TESTING": True, "DATABASE_URL": url, "DATABASE_SCHEMA": schema, "INSTANCE_PATH": tmp,
                          "FILES_DIR": f"{tmp}/files", "REDIS_URL": None, **settings})
        try:
            with app.app_context():
                upgrade()
                yield app
        finally:
            app.extensions["storydesk.db"].dispose()
            if schema and keep:
                print(f"kept schema {schema}")
            elif schema:
                with create_engine(normalise_url(url)).begin() as connection:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def backend_name(app) -> str:
    return "PostgreSQL" if app.config.get("DATABASE_SCHEMA") else "SQLite"
