"""Storydesk: the app factory."""
from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Flask, abort, jsonify, render_template, request
from sqlalchemy import text
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from core import db, security
from core.config import load_config
from core.limits import init_app as init_limits
from core.logging import configure_logging
from core.storage import LocalStorage, storage_from_config

log = logging.getLogger("storydesk")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    settings = load_config(config)
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"], instance_relative_config=False)
    app.config.update(settings)
    app.debug = bool(settings["DEBUG"])
    # Errors go to our own 500 page with an event id, in debug too.
    app.config["PROPAGATE_EXCEPTIONS"] = bool(settings.get("PROPAGATE_EXCEPTIONS", False))
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=not (app.debug or app.testing),
        WTF_CSRF_TIME_LIMIT=6 * 3600,
    )
    if settings.get("TRUSTED_PROXIES"):
        count = int(settings["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    configure_logging()

    db.init_app(app)
    app.extensions["storydesk.storage"] = storage_from_config(app.config)
    security.init_app(app)
    init_limits(app)

    from moderation import accounts
    from moderation.account_views import bp as accounts_bp
    from moderation.published import bp as published_bp
    from moderation.views import bp as moderation_bp
    from pitch import jobs as pitch_jobs  # noqa: F401  (revokes packs when a story is withdrawn)
    from pitch.views import bp as pitch_bp
    from stories.views import bp as stories_bp

    accounts.init_app(app)
    # Every POST is a Flask-WTF form that checks its own CSRF token (so a form that
    # expired comes back with what was typed); small forms use this global.
    from flask_wtf.csrf import generate_csrf

    app.jinja_env.globals["csrf_token"] = generate_csrf
    for blueprint in (stories_bp, accounts_bp, moderation_bp, published_bp, pitch_bp):
        app.register_blueprint(blueprint)

    from core.cli import db_cli
    from moderation.cli import moderation_cli, users_cli
    from moderation.nlp import jobs as nlp_jobs  # subscribes tagging to new story versions
    from moderation.nlp.cli import nlp_cli
    from pitch.cli import pitch_cli
    from stories.cli import demo_cli, stories_cli

    for group in (db_cli, stories_cli, demo_cli, users_cli, moderation_cli, nlp_cli, pitch_cli):
        app.cli.add_command(group)
    app.extensions["storydesk.worker_startup"] = nlp_jobs.worker_startup(app)

    _register_core_routes(app)
    _register_error_pages(app)

    @app.context_processor
    def _site() -> dict[str, Any]:
        return {
            "helpline_name": app.config["HELPLINE_NAME"],
            "helpline_phone": app.config["HELPLINE_PHONE"],
            "charity_name": app.config["CHARITY_NAME"],
            "staff_links": _staff_links,
        }

    return app


def _staff_links(user) -> list[tuple[str, str]]:
    """Navigation for a signed-in staff member, by role."""
    from flask import current_app

    links = []
    if user.has_role("press_officer") and "pitch" in current_app.blueprints:
        links.append(("Pitching", "pitch.index"))
    if user.has_role("admin"):
        links += [("Staff accounts", "accounts.users"), ("Audit log", "moderation.audit")]
    links.append(("Change password", "accounts.change_password"))
    return links


def _register_core_routes(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        checks: dict[str, str] = {}
        try:
            with db.get_database().engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception:
            checks["database"] = "failing"
        if app.config.get("REDIS_URL"):
            try:
                from core.jobs import redis_connection

                redis_connection(app).ping()
                checks["redis"] = "ok"
            except Exception:
                checks["redis"] = "failing"
        else:
            checks["redis"] = "not configured"
        try:
            app.extensions["storydesk.storage"].check()
            checks["storage"] = "ok"
        except Exception:
            checks["storage"] = "failing"
        healthy = "failing" not in checks.values()
        return jsonify(status="ok" if healthy else "failing", checks=checks), 200 if healthy else 503

    @app.get("/files/<path:key>")
    def local_file(key: str):
        """Downloads from the local folder, for signed short-lived links only (S3 presigns its own)."""
        from flask import Response

        from core.storage import FileMissing, StorageError

        storage = app.extensions["storydesk.storage"]
        if not isinstance(storage, LocalStorage):
            abort(404)
        if not storage.verify(key, request.args.get("expires"), request.args.get("signature")):
            abort(404)
        try:
            data = storage.open(key)
        except (FileMissing, StorageError):
            abort(404)
        name = key.rsplit("/", 1)[-1]
        response = Response(data, mimetype=_guess_type(name))
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        response.headers["Cache-Control"] = "private, no-store"
        return response


def _guess_type(name: str) -> str:
    import mimetypes

    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _frames(error: BaseException) -> str:
    """Where it failed, as file:line function, without the message or values (they may be personal)."""
    import traceback

    frames = traceback.extract_tb(error.__traceback__)[-6:]
    return " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames))


def _register_error_pages(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if request.path == "/healthz" or request.accept_mimetypes.best == "application/json":
            return jsonify(error=error.name), code
        template = f"errors/{code}.html" if code in (400, 403, 404, 405, 413, 429) else "errors/generic.html"
        return render_template(template, error=error), code

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        event_id = uuid.uuid4().hex[:12]
        # No traceback: it may quote what the person typed. The event id finds the request.
        log.error(
            "unhandled %s on %s %s (event %s) at %s", type(error).__name__, request.method, request.url_rule,
            event_id, _frames(error),
        )
        try:
            db.db_session().rollback()
        except Exception:
            pass
        return render_template("errors/500.html", event_id=event_id), 500
