"""Test fixtures: a real database per run (SQLite file, or a PostgreSQL schema when
DATABASE_URL is set), real storage (a folder, or moto's S3 server on loopback when
STORYDESK_TEST_S3=1), and jobs inline or on the real Redis when REDIS_URL is set."""
from __future__ import annotations

import os
import re
import secrets
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.db import Base, normalise_url  # noqa: E402

TEST_BUCKET = "storydesk-test"


def pytest_configure(config):
    # The app reads these at import in places; keep the tests' environment explicit.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-2")


@pytest.fixture(scope="session")
def moto_endpoint():
    """A real S3 endpoint on loopback: moto's server, in a thread."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@contextmanager
def new_database(folder: Path, name: str):
    """(url, schema) of an empty database of its own: a SQLite file in folder, or, when DATABASE_URL
    points at PostgreSQL, a fresh schema called name_<random>, dropped afterwards."""
    url = os.environ.get("DATABASE_URL")
    if not url or url.startswith("sqlite"):
        yield f"sqlite:///{folder / f'{name}.db'}", None
        return
    schema = f"{name}_{secrets.token_hex(4)}"
    engine = create_engine(normalise_url(url))
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url, schema
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """(url, schema) of this run's database, migrated to head."""
    from app import create_app
    from core.cli import upgrade

    with new_database(tmp_path_factory.mktemp("db"), "test") as (url, schema):
        app = create_app({"TESTING": True, "DATABASE_URL": url, "DATABASE_SCHEMA": schema,
                          "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")), "REDIS_URL": None})
        with app.app_context():
            upgrade()
        app.extensions["storydesk.db"].dispose()
        yield url, schema


@pytest.fixture(scope="session")
def s3_settings(request):
    if os.environ.get("STORYDESK_TEST_S3") != "1":
        return {}
    endpoint = request.getfixturevalue("moto_endpoint")
    import boto3

    boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-2").create_bucket(
        Bucket=TEST_BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    return {"S3_BUCKET": TEST_BUCKET, "S3_ENDPOINT_URL": endpoint}


def make_config(database, tmp_path, s3_settings, **overrides):
    url, schema = database
    config = {
        "TESTING": True,
        "DATABASE_URL": url,
        "DATABASE_SCHEMA": schema,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "FILES_DIR": str(tmp_path / "files"),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "SUBMISSION_RATE_LIMIT": "1000 per minute",
        "MAIL_SERVER": None,
        **s3_settings,
    }
    config.update(overrides)
    return config


@pytest.fixture
def app_factory(database, tmp_path, s3_settings):
    """Build an app with extra settings; every app is cleaned up after the test."""
    from app import create_app
    from core.limits import limiter

    made = []

    def factory(**overrides):
        app = create_app(make_config(database, tmp_path, s3_settings, **overrides))
        made.append(app)
        return app

    yield factory
    for app in made:
        app.extensions["storydesk.db"].dispose()
        if "storydesk.redis" in app.extensions:
            app.extensions["storydesk.redis"].close()
    try:
        limiter.reset()
    except Exception:
        pass


@pytest.fixture
def app(app_factory):
    app = app_factory()
    _empty_tables(app)
    _empty_queues(app)
    _separate_requests(app)
    with app.app_context():
        yield app


def _separate_requests(app) -> None:
    """The test keeps one app context open (so it can use the database), which makes `g`
    outlive a request; a browser never sees another request's signed-in user or CSRF token."""
    from flask import g

    @app.before_request
    def _forget_previous_request():
        for name in ("_login_user", "csrf_token", "csrf_valid"):
            g.pop(name, None)
        # The test's session is the request's session too: read what other sessions committed.
        if "db_session" in g:
            g.db_session.expire_all()


def _empty_tables(app) -> None:
    from core.cli import import_models

    import_models()
    engine = app.extensions["storydesk.db"].engine
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


def _empty_queues(app) -> None:
    if not app.config.get("REDIS_URL"):
        return
    from core.jobs import QUEUES, rq_queue

    for name in QUEUES:
        rq_queue(app, name).empty()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def run_jobs(app):
    """Run whatever is queued, as a worker would: a no-op when jobs run inline."""

    def run() -> int:
        if app.config["JOBS_INLINE"]:
            return 0
        from rq import SimpleWorker

        from core.jobs import QUEUES, redis_connection, set_worker_app

        set_worker_app(app)
        worker = SimpleWorker(list(QUEUES), connection=redis_connection(app))
        worker.work(burst=True)
        return 1

    return run


@pytest.fixture(autouse=True)
def _fast_argon2(monkeypatch):
    """Staff passwords hash in milliseconds in tests (tests/staff.py)."""
    from moderation import accounts
    from tests.staff import DUMMY_HASH, FAST_HASHER

    monkeypatch.setattr(accounts, "_hasher", FAST_HASHER)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", DUMMY_HASH)


@pytest.fixture
def make_user(app):
    """Make a staff account whose password is tests.staff.PASSWORD."""
    from core.db import db_session
    from moderation.models import User
    from tests.staff import PASSWORD_HASH

    counter = iter(range(1, 10_000))

    def make(role: str = "moderator", email: str | None = None, **fields):
        session = db_session()
        user = User(email=email or f"{role}{next(counter)}@charity.example", role=role, password_hash=PASSWORD_HASH,
                    **fields)
        session.add(user)
        session.commit()
        return user

    return make


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def csrf(client):
    """A CSRF token for this client's session, read from the share page as a browser would."""

    def token(path: str = "/share") -> str:
        return csrf_from(client.get(path).get_data(as_text=True))

    return token
