"""The app as a whole: health, headers, error pages, configuration, logs and email."""
from __future__ import annotations

import logging
import re

import pytest

from app import create_app
from core.config import ConfigError
from tests.conftest import csrf_from
from tests.factories import story_text


def test_healthz_reports_each_dependency(client, app):
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200
    assert body["checks"]["database"] == "ok" and body["checks"]["storage"] == "ok"
    assert body["checks"]["redis"] == ("ok" if app.config.get("REDIS_URL") else "not configured")


def test_healthz_is_503_when_the_database_is_unreachable(app_factory, tmp_path):
    broken = app_factory(DATABASE_URL="postgresql://nobody@127.0.0.1:1/none", DATABASE_SCHEMA=None)
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "failing"


def test_healthz_is_503_when_redis_is_down(app_factory):
    response = app_factory(REDIS_URL="redis://127.0.0.1:1/0").test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["checks"]["redis"] == "failing"


def test_every_response_carries_the_security_headers(client):
    for path in ["/", "/share", "/no-such-page", "/healthz"]:
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert "max-age=" in headers["Strict-Transport-Security"]


def test_pages_have_no_inline_script(client):
    html = client.get("/share").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " onclick=" not in html and " onload=" not in html


def test_error_pages_are_friendly_and_in_the_layout(app_factory):
    app = app_factory()

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret details of a story")

    client = app.test_client()
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "Page not found" in missing.get_data(as_text=True)
    failed = client.get("/boom")
    html = failed.get_data(as_text=True)
    assert failed.status_code == 500
    assert "Sorry, something went wrong" in html and "Skip to main content" in html
    assert "secret details" not in html and "Traceback" not in html


def test_production_mode_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_no_personal_text_reaches_the_logs(app, client, caplog):
    secret_text = "Glenwyn Abernathy rang 07700 900123 about the ward " + story_text(60)
    with caplog.at_level(logging.INFO):
        token = csrf_from(client.get("/share").get_data(as_text=True))
        response = client.post("/share", data={
            "csrf_token": token, "text": secret_text, "first_name": "Glenwyn", "email": "glenwyn@example.org",
            "about": "self", "town": "Penzance", "postcode": "TR18 2AB", "adult": "y", "own_story": "y",
        })
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        link = re.search(r"/my-story/([A-Za-z0-9_\-]+)", page).group(1)
        client.get(f"/my-story/{link}")
        client.post("/share", data={"csrf_token": token, "text": secret_text, "first_name": "Glenwyn"})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for personal in ["Glenwyn", "Abernathy", "07700 900123", "glenwyn@example.org", "Penzance", "TR18", link]:
        assert personal not in logged


def test_the_receipt_is_emailed_with_the_private_link(app_factory):
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        client = app.test_client()
        token = csrf_from(client.get("/share").get_data(as_text=True))
        response = client.post("/share", data={
            "csrf_token": token, "text": story_text(60), "email": "reader@example.org", "about": "self",
            "town": "York", "consent_press": "y", "adult": "y", "own_story": "y",
        })
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    finally:
        controller.stop()
    assert len(received) == 1
    envelope = received[0]
    assert envelope.rcpt_tos == ["reader@example.org"]
    body = envelope.content.decode()
    link = re.search(r"http://localhost/my-story/[A-Za-z0-9_\-]+", page).group(0)
    assert link in body
    assert "Share my story with journalists: Yes" in body and "Publish my story on the website: No" in body
    assert "116 123" in body
    assert "emailed it to you" in page
