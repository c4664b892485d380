"""Background jobs: ``enqueue(job, *ids)`` runs the job after the transaction commits.

Inline (in-process) by default; on rq when ``REDIS_URL`` is set. A job is named by
its dotted path and receives ids only, never personal text. Nothing is sent for a
transaction that rolls back.
"""
from __future__ import annotations

import importlib
import logging
import re
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

PENDING_KEY = "storydesk.pending_jobs"
QUEUES = ("high", "default", "low")
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class JobArgumentError(ValueError):
    """A job was given something other than ids."""


@dataclass(frozen=True)
class JobRequest:
    path: str
    ids: tuple[int | str, ...]
    queue: str = "default"


def job_path(job: Callable[..., Any] | str) -> str:
    if isinstance(job, str):
        return job
    return f"{job.__module__}.{job.__qualname__}"


def enqueue(job: Callable[..., Any] | str, *ids: int | str, queue: str = "default", session: Session | None = None) -> JobRequest:
    """Queue ``job(*ids)`` to run once ``session`` (the request's, by default) commits."""
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, (int, str)) or (isinstance(value, str) and not _ID.match(value)):
            raise JobArgumentError("jobs take ids only (whole numbers or short identifiers)")
    if queue not in QUEUES:
        raise JobArgumentError(f"unknown queue {queue!r}")
    if session is None:
        from core.db import db_session

        session = db_session()
    request = JobRequest(job_path(job), tuple(ids), queue)
    session.info.setdefault(PENDING_KEY, []).append(request)
    return request


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, [])
    for request in pending:
        dispatch(request)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


def dispatch(request: JobRequest) -> None:
    """Hand a committed job to rq, or run it now when jobs run inline."""
    from flask import current_app, has_app_context

    app = current_app._get_current_object() if has_app_context() else _worker_app()
    if app.config["JOBS_INLINE"]:
        _run_inline(app, request)
        return
    try:
        rq_queue(app, request.queue).enqueue(
            run_job,
            request.path,
            *request.ids,
            retry=_retry(),
            job_timeout=app.config.get("JOB_TIMEOUT", 900),
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
        )
    except Exception as exc:  # Redis down: the data is committed; `flask nlp sweep` and friends catch up.
        log.warning("could not enqueue %s for %s: %s", request.path, request.ids, type(exc).__name__)


def _run_inline(app, request: JobRequest) -> None:
    try:
        with app.app_context():
            resolve(request.path)(*request.ids)
    except Exception:
        event_id = uuid.uuid4().hex[:12]
        # The traceback may quote data, so only the job's name and ids are logged.
        log.error("job %s failed for %s (event %s)", request.path, request.ids, event_id)


def _retry():
    from rq import Retry

    return Retry(max=3, interval=[10, 60, 300])


def redis_connection(app):
    from redis import Redis

    connection = app.extensions.get("storydesk.redis")
    if connection is None:
        connection = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=10)
        app.extensions["storydesk.redis"] = connection
    return connection


def rq_queue(app, name: str = "default"):
    from rq import Queue

    return Queue(name, connection=redis_connection(app))


def resolve(path: str) -> Callable[..., Any]:
    module_name, _, attribute = path.rpartition(".")
    if not module_name:
        raise JobArgumentError(f"not a job path: {path!r}")
    return getattr(importlib.import_module(module_name), attribute)


def run_job(path: str, *ids: int | str) -> None:
    """The function rq runs: resolve the job and call it inside an app context."""
    from flask import has_app_context

    if has_app_context():
        resolve(path)(*ids)
        return
    with _worker_app().app_context():
        resolve(path)(*ids)


_APP = None


def _worker_app():
    """The Flask app of a worker process, built once from the environment."""
    global _APP
    if _APP is None:
        from app import create_app

        _APP = create_app()
    return _APP


def set_worker_app(app) -> None:
    global _APP
    _APP = app


@contextmanager
def job_session() -> Iterator[Session]:
    """A session of the job's own (never the request's), closed at the end."""
    from core.db import get_database

    session = get_database().session()
    try:
        yield session
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
