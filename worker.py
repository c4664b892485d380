"""The background worker: ``python worker.py`` (needs REDIS_URL).

Loads the app and the NLP pipeline once, then takes jobs from the high, default
and low queues. Run as many as you like, on as many machines as you like, against
one Redis, one database and one bucket.
"""
from __future__ import annotations

import logging
import sys

from app import create_app
from core.config import ConfigError
from core.jobs import QUEUES, redis_connection, set_worker_app

log = logging.getLogger("storydesk.worker")


def main() -> int:
    try:
        app = create_app()
    except ConfigError as exc:
        print(f"worker: {exc}", file=sys.stderr)
        return 2
    if not app.config.get("REDIS_URL"):
        print("worker: REDIS_URL is not set; without it jobs run inside the web process", file=sys.stderr)
        return 2
    set_worker_app(app)
    from rq import Worker

    with app.app_context():
        for prepare in app.extensions.get("storydesk.worker_startup", []):
            prepare()  # e.g. load the NLP pipeline, sweep untagged stories
        worker = Worker(list(QUEUES), connection=redis_connection(app))
        log.info("worker listening on %s", ", ".join(QUEUES))
        worker.work(with_scheduler=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
